// A damaged index file is named as such, with what to do: `verify` runs
// SQLite's full integrity check, an open after an unclean shutdown (a
// process killed with the index open) runs a quick check, and a query that
// trips over a bad page says the index is damaged instead of "unexpected
// error: database disk image is malformed". Real index files, bytes
// overwritten in the middle, real CLI processes and a real SIGKILL.
import { copyFileSync, openSync, closeSync, statSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, start, workspace, writeDocs } from '../helpers/docgraph.js';
import { onIndexFile } from '../helpers/sqlite-index.js';

const ws = workspace({}, 'dg-corrupt-');
let clean: string;

/** Overwrites the start of a few pages in the middle of the file (page headers and cell pointers) with garbage. */
function corrupt(file: string): void {
  const pageSize = onIndexFile(file, (db) => db.pragma('page_size', { simple: true }) as number, { readonly: true });
  const pages = Math.floor(statSync(file).size / pageSize);
  const fd = openSync(file, 'r+');
  try {
    for (const p of [Math.floor(pages / 2), Math.floor(pages / 2) + 1, Math.floor(pages / 3)]) {
      writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, p * pageSize);
    }
  } finally {
    closeSync(fd);
  }
}

beforeAll(async () => {
  writeDocs(ws.docs, 60, 6);
  const r = await run(ws.dir, ['ingest', 'docs']);
  expect(r.code, r.stderr).toBe(0);
  expect(existsSync(ws.index + '-wal')).toBe(false); // closed cleanly
  clean = join(ws.dir, 'clean.db');
  copyFileSync(ws.index, clean);
}, 120_000);

afterAll(() => undefined);

function expectDamageReport(stderr: string): void {
  expect(stderr).toMatch(/docgraph: the index( at \S+index\.db)? is damaged: /);
  expect(stderr).toMatch(/hint: restore a backup copy of the index file, or see the damage with `docgraph verify`, or re-ingest into a new index/);
  expect(stderr).not.toMatch(/unexpected error/);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
}

describe('a corrupted index', () => {
  it('verify runs the full integrity check and says the index is damaged and what to do', async () => {
    copyFileSync(clean, ws.index);
    corrupt(ws.index);
    const r = await run(ws.dir, ['verify', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expectDamageReport(r.stderr);
    expect(r.stderr).toMatch(/integrity_check found \d+ problem/);
  }, 60_000);

  it('status after an unclean shutdown runs a quick check and reports the damage', async () => {
    copyFileSync(clean, ws.index);
    // a worker holds the index open and is killed: no clean close
    const w = start(ws.dir, ['worker']);
    await w.waitFor(/worker .* started/);
    w.signal('SIGKILL');
    await w.exited;
    corrupt(ws.index);
    const r = await run(ws.dir, ['status']);
    expect(r.code).toBe(1);
    expectDamageReport(r.stderr);
    expect(r.stderr).toMatch(/integrity check failed after an unclean shutdown/);
  }, 60_000);

  it('a clean index after an unclean shutdown opens as usual', async () => {
    copyFileSync(clean, ws.index);
    const w = start(ws.dir, ['worker']);
    await w.waitFor(/worker .* started/);
    w.signal('SIGKILL');
    await w.exited;
    const r = await run(ws.dir, ['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const v = await run(ws.dir, ['verify', '--json']);
    expect(v.code, v.stderr).toBe(0);
  }, 60_000);

  it('a search that reads a damaged page names the damage instead of an unexpected error', async () => {
    copyFileSync(clean, ws.index);
    corrupt(ws.index);
    // every word of the corpus: some query reads the bad pages
    const r = await run(ws.dir, ['search', 'widget server handles request port topic page', '--limit', '50']);
    if (r.code !== 0) expectDamageReport(r.stderr);
    else expect(r.stderr).not.toMatch(/unexpected error/);
  }, 60_000);
});
