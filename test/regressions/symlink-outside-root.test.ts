// A docs folder whose file symlinks point out of it (at a credentials file,
// at /etc/passwd) must not get what they point to indexed and served: not by
// `ingest`, not by `watch`, not by a job that finds the file swapped for a
// link after it was planned. Real files, symlinks, FIFOs and CLI / MCP stdio
// child processes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestReport } from '../../src/ingest/ingest.js';
import { doc, indexedUris, run, start, until, withStore, workspace } from '../helpers/docgraph.js';

/** The text of every indexed section. */
const sectionTexts = (index: string): Promise<string[]> =>
  withStore(index, async (s) => {
    const out: string[] = [];
    for await (const sec of s.allSections()) out.push(sec.text);
    return out;
  });
import { call, serverEnv, text } from '../helpers/mcp.js';
import { CLI_JS } from '../helpers/cli.js';

const SECRET = 'zqsecretkeyzq';
const CREDENTIALS = `[default]\naws_access_key_id = AKIAZQZQZQZQ\naws_secret_access_key = ${SECRET}\n`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A workspace whose docs hold a good page and links out of the folder: to a credentials file beside it, and to /etc/passwd. */
function linkedWorkspace(config: Record<string, unknown> = {}): ReturnType<typeof workspace> {
  const ws = workspace(config, 'dg-symlink-');
  dirs.push(ws.dir);
  mkdirSync(join(ws.dir, 'home', '.aws'), { recursive: true });
  writeFileSync(join(ws.dir, 'home', '.aws', 'credentials'), CREDENTIALS);
  writeFileSync(join(ws.docs, 'guide.md'), doc(1));
  mkdirSync(join(ws.docs, 'ops'));
  symlinkSync('../../home/.aws/credentials', join(ws.docs, 'ops', 'setup-notes.md'));
  symlinkSync('/etc/passwd', join(ws.docs, 'x.md'));
  return ws;
}

/** The hits of `docgraph search --json` (the query itself is echoed back, so only the hits count), as JSON text. */
async function searchJson(dir: string, query: string): Promise<string> {
  const r = await run(dir, ['search', query, '--json', '--mode', 'lexical']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.stringify((JSON.parse(r.stdout) as { hits: unknown[] }).hits);
}

describe('file symlinks out of the ingested folder', () => {
  it('are skipped as outside-root by ingest, and search and MCP search_docs never return what they point to', async () => {
    const ws = linkedWorkspace();
    const r = await run(ws.dir, ['ingest', 'docs', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as IngestReport;
    expect(report.indexed).toBe(1);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.uri, s.reason]));
    expect(reasons).toEqual({ 'ops/setup-notes.md': 'outside-root', 'x.md': 'outside-root' });
    expect(report.skipped.find((s) => s.uri === 'x.md')!.message).toMatch(/outside .*--follow-symlinks-outside/);
    expect(r.stdout).not.toContain(SECRET);

    const human = await run(ws.dir, ['ingest', 'docs']);
    expect(human.stderr).toMatch(/skipped x\.md: .*outside/);
    expect(human.stdout).toMatch(/2 skipped \(2 outside-root\)/);

    // four CLI searches at once: each is its own process start
    for (const out of await Promise.all(['aws_secret_access_key', SECRET, 'root', 'nologin'].map((q) => searchJson(ws.dir, q)))) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toMatch(/root:x:0:0/);
      expect(out).not.toContain('setup-notes');
    }

    const client = new Client({ name: 'docgraph-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: 'node', args: [CLI_JS, '--index', ws.index, 'mcp'], env: serverEnv(), stderr: 'pipe' }));
    try {
      for (const query of ['aws_secret_access_key', 'root nologin']) {
        const found = await call(client, 'search_docs', { query });
        expect(found.isError).toBeFalsy();
        expect(JSON.stringify(found)).not.toContain(SECRET);
        expect(JSON.stringify(found)).not.toMatch(/root:x:0:0/);
      }
      const doc = await call(client, 'get_document', { uri: 'ops/setup-notes.md' });
      expect(doc.isError).toBe(true);
      expect(text(doc)).not.toContain(SECRET);
      const { resources } = await client.listResources();
      expect(resources.map((x) => x.uri)).toEqual(['docgraph://doc/guide.md']);
    } finally {
      await client.close();
    }
  });

  it('a file swapped for a link after planning is refused when the job reads it', async () => {
    const ws = workspace({}, 'dg-symlink-');
    dirs.push(ws.dir);
    writeFileSync(join(ws.dir, 'credentials'), CREDENTIALS);
    writeFileSync(join(ws.docs, 'guide.md'), doc(1));
    writeFileSync(join(ws.docs, 'notes.md'), doc(2));
    const queued = await run(ws.dir, ['ingest', 'docs', '--no-wait']);
    expect(queued.code, queued.stderr).toBe(0);
    unlinkSync(join(ws.docs, 'notes.md'));
    symlinkSync('../credentials', join(ws.docs, 'notes.md'));
    const w = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(w.code, w.stderr).toBe(0);
    const texts = await sectionTexts(ws.index);
    expect(texts.join('\n')).not.toContain(SECRET);
    expect(await searchJson(ws.dir, SECRET)).not.toContain(SECRET);
    const dead = await run(ws.dir, ['dlq', 'list', '--json']);
    expect(dead.stdout).toContain('notes.md');
    const id = (JSON.parse(dead.stdout) as { id: string; uri: string }[]).find((j) => j.uri === 'notes.md')!.id;
    const shown = await run(ws.dir, ['dlq', 'show', id]);
    expect(shown.stdout).toMatch(/outside/);
  });

  it('watch refuses a link out of the folder made while it runs', async () => {
    const ws = workspace({ watcher: { debounceMs: 50, stableMs: 100 }, worker: { pollMs: 20 } }, 'dg-symlink-');
    dirs.push(ws.dir);
    writeFileSync(join(ws.dir, 'credentials'), CREDENTIALS);
    writeFileSync(join(ws.docs, 'guide.md'), doc(1));
    const watch = start(ws.dir, ['watch', 'docs']);
    try {
      await watch.waitFor(/watching docs/);
      const count = async (): Promise<number> => (await withStore(ws.index, (s) => s.stats())).documents;
      await until(async () => (await count()) === 1, 'guide.md to be indexed');
      symlinkSync('../credentials', join(ws.docs, 'leak.md'));
      writeFileSync(join(ws.docs, 'after.md'), doc(3));
      await until(async () => (await count()) >= 2, 'after.md to be indexed');
      // the link and after.md were made together: by now the watcher has looked at both
      await new Promise((resolve) => setTimeout(resolve, 500));
      const uris = await indexedUris(ws.index);
      expect(uris).toEqual(['after.md', 'guide.md']);
      const texts = await sectionTexts(ws.index);
      expect(texts.join('\n')).not.toContain(SECRET);
    } finally {
      watch.signal('SIGKILL');
      await watch.exited;
    }
  });

  it('with --follow-symlinks-outside they are indexed, but special files never are', async () => {
    const ws = linkedWorkspace();
    execFileSync('mkfifo', [join(ws.dir, 'pipe')]);
    symlinkSync('../pipe', join(ws.docs, 'fifo.md'));
    symlinkSync('/proc/self/environ', join(ws.docs, 'environ.md'));
    symlinkSync('/dev/zero', join(ws.docs, 'zero.md'));
    const r = await run(ws.dir, ['ingest', 'docs', '--json', '--follow-symlinks-outside'], { DOCGRAPH_TEST_SECRET: SECRET });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as IngestReport;
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.uri, s.reason]));
    expect(reasons).toEqual({ 'environ.md': 'special-file', 'fifo.md': 'special-file', 'zero.md': 'special-file' });
    expect(report.indexed).toBe(3);
    const found = await searchJson(ws.dir, 'aws_secret_access_key');
    expect(found).toContain('ops/setup-notes.md');
    expect(found).not.toContain('DOCGRAPH_TEST_SECRET');

    // the opt-in is per source: a plain ingest of the same folder refuses the links again (and the documents leave)
    const again = JSON.parse((await run(ws.dir, ['ingest', 'docs', '--json'])).stdout) as IngestReport;
    expect(again.skipped.filter((s) => s.reason === 'outside-root').map((s) => s.uri).sort()).toEqual(['ops/setup-notes.md', 'x.md']);
    expect(again.deleted).toBe(2);
    expect(await searchJson(ws.dir, 'aws_secret_access_key')).not.toContain(SECRET);
  });

  it('the config key ingest.followSymlinksOutside opts a folder in', async () => {
    const ws = linkedWorkspace({ ingest: { followSymlinksOutside: ['docs'] } });
    const report = JSON.parse((await run(ws.dir, ['ingest', 'docs', '--json'])).stdout) as IngestReport;
    expect(report.skipped).toEqual([]);
    expect(report.indexed).toBe(3);
  });
});
