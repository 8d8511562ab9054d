// The shared result cache (issue 13, step 4): an index on PostgreSQL with --redis answers a repeated
// search from Redis, never answers from before a write (the key holds the index generation), and
// goes on searching while Redis is down, saying so in `status`, then uses it again once it is back.
// Real PostgreSQL (a fresh schema), a private redis-server the test kills and restarts, real CLI.
import { execFile } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/observability/logger.js';
import { repo, run, until, workspace } from './helpers/docgraph.js';
import { freshSchema, schemaUrl } from './helpers/postgres.js';
import { startRedis, type PrivateRedis } from './helpers/redis.js';

const sh = promisify(execFile);
let redis: PrivateRedis;
let pg: Awaited<ReturnType<typeof freshSchema>>;
let ws: ReturnType<typeof workspace>;
let store: string;

beforeAll(async () => {
  redis = await startRedis();
  pg = await freshSchema('dgcache');
  store = schemaUrl(pg.url, pg.schema);
  ws = workspace({ store, redis: redis.url }, 'dg-redis-cache-');
  cpSync(join(repo, 'examples', 'sample-docs'), ws.docs, { recursive: true });
  const ingest = await run(ws.dir, ['ingest', 'docs']);
  expect(ingest.code, ingest.stderr).toBe(0);
});
afterAll(async () => {
  await redis?.kill();
  await pg?.drop();
  rmSync(ws.dir, { recursive: true, force: true });
});

/** The search keys in the private server (all of its keys belong to this test). */
async function cachedSearches(): Promise<string[]> {
  const { stdout } = await sh('redis-cli', ['-p', String(redis.port), '--scan', '--pattern', 'docgraph:*:search:*']);
  return stdout.split('\n').filter((l) => l !== '');
}

describe('shared result cache on Redis', () => {
  it('answers a repeated search from Redis, and never from before a write', async () => {
    const app = await App.open(loadConfig({ cwd: ws.dir, env: {} }));
    try {
      expect((await app.status()).redis).toMatchObject({ status: 'up', location: redis.url });
      const first = await app.search('rotate the TLS certificate', { limit: 5 });
      expect(first.hits.length).toBeGreaterThan(0);
      expect(await cachedSearches()).toHaveLength(1);
      const again = await app.search('rotate the TLS certificate', { limit: 5 });
      expect(again.hits).toEqual(first.hits);
      expect(await cachedSearches()).toHaveLength(1); // the same entry, not a new one
      await app.search('rotate the TLS certificate', { limit: 3 }); // other options: another entry
      expect(await cachedSearches()).toHaveLength(2);

      // a word no document holds yet: cached as "nothing", then written by another process
      const word = 'zqcachewordx';
      expect((await app.search(word, { limit: 5 })).hits.filter((h) => h.uri === 'cache-test.md')).toEqual([]);
      writeFileSync(join(ws.docs, 'cache-test.md'), `# Cache test\n\nThis page is the only one about ${word}.\n`);
      const ingest = await run(ws.dir, ['ingest', 'docs']);
      expect(ingest.code, ingest.stderr).toBe(0);
      // the write moved the generation: the same search is computed afresh and finds the page
      expect((await app.search(word, { limit: 5 })).hits[0]?.uri).toBe('cache-test.md');
    } finally {
      await app.close();
    }
  });

  it('searches on while Redis is down, says so in status and in the log, and uses it again when it is back', async () => {
    const logged: { level: number; msg: string }[] = [];
    const log = createLogger('info', 'docgraph', { destination: { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) } });
    const app = await App.open(loadConfig({ cwd: ws.dir, env: {} }), { log });
    try {
      const before = await app.search('configure the server port', { limit: 5 });
      await redis.kill();
      await until(async () => (await app.status()).redis?.status === 'down', 'status to show Redis down');
      const during = await app.search('configure the server port', { limit: 5 });
      expect(during.hits).toEqual(before.hits);
      const status = await run(ws.dir, ['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ redis: { status: 'down', location: redis.url } });
      // said once, as a warning (pino level 40), not once per search
      expect(logged.filter((l) => /^redis unreachable/.test(l.msg))).toEqual([expect.objectContaining({ level: 40 })]);

      await redis.restart();
      await until(async () => (await app.status()).redis?.status === 'up', 'status to show Redis up again', 15_000);
      // reachable at open, unreachable once, reachable again
      expect(logged.map((l) => l.msg).filter((m) => /^redis (un)?reachable/.test(m))).toEqual([
        expect.stringMatching(/^redis reachable/),
        expect.stringMatching(/^redis unreachable/),
        expect.stringMatching(/^redis reachable/),
      ]);
      expect(await cachedSearches()).toEqual([]); // the restarted server kept nothing
      expect((await app.search('configure the server port', { limit: 5 })).hits).toEqual(before.hits);
      expect(await cachedSearches()).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('refuses --redis beside a SQLite index with a clear error', async () => {
    const sqlite = workspace({}, 'dg-redis-sqlite-');
    try {
      const r = await run(sqlite.dir, ['--redis', redis.url, 'status']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--redis shares state between replicas of a PostgreSQL index/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      rmSync(sqlite.dir, { recursive: true, force: true });
    }
  });
});
