/**
 * Searches on worker threads (what `docgraph serve` does): the same hits as
 * the calling thread, errors as the same classes, writes seen by the threads,
 * and a clean close of every thread's connection to the index.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { SearchPool, searchingOn } from '../src/app/search-pool.js';
import { loadConfig } from '../src/config/config.js';
import { InvalidInputError } from '../src/domain/errors.js';
import type { SearchResult } from '../src/domain/types.js';
import { openConnections } from './helpers/sqlite-index.js';

const root = mkdtempSync(join(tmpdir(), 'dg-search-pool-'));
const docs = join(root, 'docs');
const index = join(root, 'index.db');
const config = loadConfig({ cwd: root, env: {}, overrides: { index } });
let app: App;

beforeAll(async () => {
  cpSync(join(import.meta.dirname, '..', 'examples', 'sample-docs'), docs, { recursive: true });
  app = await App.open(config, { create: true });
  await app.ingest(docs);
}, 60_000);

afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

const QUERIES = ['how do I configure the port', 'EADDRINUSE', 'restart the server without downtime', 'timeout option default'];

/** A result without its timing, which differs run to run. */
const stable = (r: SearchResult) => ({ ...r, tookMs: 0 });

describe('SearchPool', () => {
  it('answers every query with the hits the calling thread gives, and the app it wraps keeps its other operations', async () => {
    const pool = new SearchPool(config, 2);
    try {
      const threaded = searchingOn(app, pool);
      for (const q of QUERIES) {
        const here = await app.search(q, { limit: 5 });
        const there = await threaded.search(q, { limit: 5 });
        expect(there.hits.length).toBeGreaterThan(0);
        expect(stable(there)).toEqual(stable(here));
      }
      // concurrent searches land on both threads and still agree
      const many = await Promise.all(QUERIES.flatMap((q) => [threaded.search(q), threaded.search(q)]));
      for (const [i, r] of many.entries()) expect(stable(r)).toEqual(stable(await app.search(QUERIES[Math.floor(i / 2)]!)));
      expect((await threaded.listSources()).length).toBe(1);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('throws what the calling thread throws, as the same class with the same fields', async () => {
    const pool = new SearchPool(config, 1);
    try {
      const failed = await pool.search('   ').catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(InvalidInputError);
      expect(failed).toMatchObject({ code: 'INVALID_INPUT', field: 'query' });
      await expect(pool.search('port', { limit: 500 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'limit' });
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('sees documents written after its threads opened the index', async () => {
    const pool = new SearchPool(config, 2);
    try {
      expect((await pool.search('zygomorphic')).hits.map((h) => h.uri)).not.toContain('late.md');
      writeFileSync(join(docs, 'late.md'), '# Late page\n\nThe zygomorphic widget is configured here.\n');
      await app.ingest(docs);
      const hits = (await pool.search('zygomorphic')).hits;
      expect(hits[0]?.uri).toBe('late.md');
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('closes every thread\'s connection cleanly, so the next open does not see a crash', async () => {
    const before = openConnections(index);
    const pool = new SearchPool(config, 2);
    await Promise.all(QUERIES.map((q) => pool.search(q)));
    expect(openConnections(index)).toBe(before + 2);
    await pool.close();
    expect(openConnections(index)).toBe(before);
    await pool.close(); // idempotent
  }, 60_000);
});
