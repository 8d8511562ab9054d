// Named, versioned sources from the command line and the config file (issue 15, step 2):
// docgraph add / sources / refresh / remove, a failed add leaving nothing registered, and
// `serve` refreshing the config file's sources on their schedule. Real child processes.
/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI's JSON is read field by field and checked by expect */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/docgraph.js';
import { getJson, serveIn } from './helpers/serve.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function space(config: Record<string, unknown> = {}): { dir: string } {
  const ws = workspace(config, 'dg-sources-');
  dirs.push(ws.dir);
  return ws;
}

function page(dir: string, file: string, title: string, body: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), `# ${title}\n\n${body}\n`);
}

const json = async (cwd: string, args: string[]): Promise<any> => {
  const r = await run(cwd, [...args, '--json']);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

describe('docgraph add, sources, refresh, remove', () => {
  it('keeps two versions of one library side by side, searches either, refreshes and removes one', async () => {
    const ws = space();
    page(join(ws.dir, 'v1'), 'hooks.md', 'Hooks', 'The frobnicate hook runs once in version one.');
    page(join(ws.dir, 'v2'), 'hooks.md', 'Hooks', 'The frobnicate hook runs twice in version two.');
    const added = await json(ws.dir, ['add', 'v1', '--name', 'widget', '--version', '1.0']);
    expect(added).toMatchObject({ name: 'widget', version: '1.0', kind: 'fs', report: { indexed: 1 } });
    await json(ws.dir, ['add', 'v2', '--name', 'widget', '--version', '2.0']);
    expect((await json(ws.dir, ['sources'])).sources.map((s: any) => [s.name, s.version, s.documents])).toEqual([
      ['widget', '1.0', 1],
      ['widget', '2.0', 1],
    ]);
    const v2 = await json(ws.dir, ['search', 'frobnicate hook', '--source', 'widget', '--version', '2.0']);
    expect(v2.hits.map((h: any) => [h.source, h.version, h.snippet.includes('twice')])).toEqual([['widget', '2.0', true]]);
    expect((await json(ws.dir, ['search', 'frobnicate hook', '--source', 'widget'])).hits).toHaveLength(2);

    // refresh indexes what changed
    page(join(ws.dir, 'v1'), 'setup.md', 'Setup', 'Install the frobnicate tool.');
    const refreshed = await json(ws.dir, ['refresh', 'widget@1.0']);
    expect(refreshed).toMatchObject({ name: 'widget', version: '1.0', report: { indexed: 1, unchanged: 1 } });
    const ambiguous = await run(ws.dir, ['refresh', 'widget']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('ambiguous: widget has 2 versions: widget@1.0, widget@2.0');

    // remove takes the documents out of the index, and the source
    expect(await json(ws.dir, ['remove', 'widget@1.0'])).toEqual({ name: 'widget', version: '1.0', removed_documents: 2 });
    expect((await json(ws.dir, ['sources'])).sources.map((s: any) => s.version)).toEqual(['2.0']);
    const after = await json(ws.dir, ['search', 'frobnicate', '--source', 'widget']);
    expect(after.hits.every((h: any) => h.version === '2.0')).toBe(true);
    const gone = await run(ws.dir, ['remove', 'widget@1.0']);
    expect(gone.code).toBe(3);
  });

  it('refuses a taken name, a folder already added and a missing folder, registering nothing', async () => {
    const ws = space();
    page(join(ws.dir, 'a'), 'a.md', 'A', 'alpha text');
    page(join(ws.dir, 'b'), 'b.md', 'B', 'beta text');
    await json(ws.dir, ['add', 'a', '--name', 'lib']);
    for (const [args, message] of [
      [['add', 'b', '--name', 'lib'], 'a source named lib is already registered'],
      [['add', 'a', '--name', 'other'], 'is already the source lib'],
      [['add', 'missing'], 'folder not found'],
      [['add', 'b', '--name', 'bad name'], 'is not a valid source name'],
    ] as const) {
      const r = await run(ws.dir, [...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
    }
    expect((await json(ws.dir, ['sources'])).sources.map((s: any) => s.name)).toEqual(['lib']);
  });

  it('leaves nothing registered when indexing fails', async () => {
    // an embedder that cannot work: the run fails after the source was registered, before any job
    const ws = space({ embedder: { provider: 'transformers', cacheDir: 'no-models-here' } });
    page(join(ws.dir, 'lib'), 'a.md', 'A', 'alpha text');
    const r = await run(ws.dir, ['add', 'lib', '--name', 'lib', '--version', '1']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/is not available offline/);
    expect((await json(ws.dir, ['sources'])).sources).toEqual([]);
  });

  it('registers the config file’s sources on refresh, and serve refreshes them on schedule', async () => {
    const ws = space();
    writeFileSync(join(ws.dir, 'docgraph.config.yaml'), stringify({ index: 'index.db', sources: [{ location: 'guide', name: 'guide', version: '3', refresh: '1s' }] }));
    page(join(ws.dir, 'guide'), 'start.md', 'Start', 'Begin with the quozzle command.');
    const first = await json(ws.dir, ['refresh']);
    expect(first.sources.map((s: any) => [s.name, s.version, s.report.indexed])).toEqual([['guide', '3', 1]]);
    // again: registered already, nothing changed
    expect((await json(ws.dir, ['refresh'])).sources.map((s: any) => s.report.unchanged)).toEqual([1]);

    const served = await serveIn(ws.dir);
    try {
      page(join(ws.dir, 'guide'), 'later.md', 'Later', 'The blorptastic option arrived later.');
      let hit: any;
      // bounded wait for the scheduled refresh (every second) and the server's worker
      for (let i = 0; i < 120 && !hit; i++) {
        hit = ((await getJson(`${served.url}/v1/search?q=blorptastic&source=guide&version=3`)).body.hits ?? []).find((h: any) => h.uri === 'later.md');
        if (!hit) await sleep(500);
      }
      expect(hit).toMatchObject({ source: 'guide', version: '3', uri: 'later.md' });
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });
});
