// Guards the parse and search thread pools against threads that cannot start. A parse thread whose
// module failed to load made piscina emit an 'error' event nothing handled: `docgraph ingest`
// died with a stack trace mid-run (and `serve` did the same with its search threads, at start).
// The fault is a real one: an install whose worker modules are missing or damaged (a partial copy,
// a bundler that left them out) — a copy of the CLI the tests run, with parse-worker.js removed and
// search-worker.js cut short. Files are then parsed and searches run on the main thread, after one
// warning line that says why, and every document is indexed.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestReport } from '../../src/ingest/ingest.js';
import { TRANSPILED } from '../helpers/cli.js';
import { repo, run, token, withStore, workspace, writeDocs } from '../helpers/docgraph.js';
import { getJson, serveIn } from '../helpers/serve.js';

const install = mkdtempSync(join(tmpdir(), 'dg-damaged-install-'));
const dirs: string[] = [install];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The CLI's entry script in a copy of the tests' CLI whose parse worker is missing and whose search worker is cut in half. */
function damagedCli(): string {
  const code = join(install, '.test-cli');
  cpSync(TRANSPILED, code, { recursive: true });
  copyFileSync(join(repo, 'package.json'), join(install, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(install, 'node_modules'));
  symlinkSync(join(repo, 'docs'), join(install, 'docs'));
  rmSync(join(code, 'ingest', 'parse-worker.js'));
  const search = join(code, 'app', 'search-worker.js');
  const text = readFileSync(search, 'utf8');
  writeFileSync(search, text.slice(0, Math.floor(text.length / 2)));
  return join(code, 'cli', 'run.js');
}
const cli = damagedCli();

/** Lines of a stack trace. */
const STACK = /^\s+at /m;

describe('regression: worker threads that cannot start', () => {
  it('ingest parses on the main thread, says why in one line, and indexes every document', async () => {
    // two parse threads; every file but the first is parsed by its job, on the threads (the first is parsed while planning)
    const ws = workspace({ ingest: { parseThreads: 2, planParseBytes: 1 } }, 'dg-no-parse-threads-');
    dirs.push(ws.dir);
    const uris = writeDocs(ws.docs, 12);
    const r = await run(ws.dir, ['ingest', 'docs', '--json'], {}, cli);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as IngestReport;
    expect({ indexed: report.indexed, failed: report.failed ?? [] }).toEqual({ indexed: 12, failed: [] });
    const warnings = r.stderr.split('\n').filter((l) => l.includes('parse threads could not be used'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/parse-worker\.js.*parsing on the main thread instead/);
    expect(r.stderr).not.toMatch(STACK);
    await withStore(ws.index, async (store) => {
      expect((await store.listDocuments()).map((d) => d.uri).sort()).toEqual([...uris].sort());
      expect((await store.lexicalSearch([token(7)], 5))[0]?.docId).toBe((await store.listDocuments()).find((d) => d.uri === uris[7])!.id);
    });
  });

  it('serve searches on the event loop, says why in one line, and stops cleanly', async () => {
    const ws = workspace({ server: { searchThreads: 2 } }, 'dg-no-search-threads-');
    dirs.push(ws.dir);
    const uris = writeDocs(ws.docs, 3);
    const indexed = await run(ws.dir, ['ingest', 'docs']);
    expect(indexed.code, indexed.stderr).toBe(0);
    const served = await serveIn(ws.dir, [], {}, cli);
    try {
      const r = await getJson(`${served.url}/v1/search?q=${token(1)}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect((r.body as { hits: { uri: string }[] }).hits[0]?.uri).toBe(uris[1]);
      await served.child.waitFor(/search threads could not be used/);
      const warnings = served.child.stderr().split('\n').filter((l) => l.includes('search threads could not be used'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/SyntaxError|Unexpected|Invalid or unexpected token|missing/i);
      expect(warnings[0]).toMatch(/searching on the event loop instead/);
      // a second search, after the warning: still answered
      expect((await getJson(`${served.url}/v1/search?q=${token(2)}`)).status).toBe(200);
    } finally {
      expect(await served.stop()).toBe(0);
    }
    expect(served.child.stderr()).not.toMatch(STACK);
  });
});
