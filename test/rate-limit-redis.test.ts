// Rate limits with --redis (issue 14 item 3): two real `docgraph serve --no-worker` replicas of one
// PostgreSQL index share the shared Redis, so a client's requests count against one limit whichever
// replica answers; a replica whose Redis does not answer (a closed port: the shared Redis is never
// stopped) counts in its own memory, logs it, and says so on /health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../src/app/backend.js';
import { startServe, type ServeProcess } from './helpers/mcp.js';
import { freePort } from './helpers/net.js';
import { freshSchema, schemaUrl } from './helpers/postgres.js';
import { TEST_REDIS_URL } from './helpers/redis.js';

const LIMIT = 4;
let fresh: Awaited<ReturnType<typeof freshSchema>>;
let store: string;
let a: ServeProcess;
let b: ServeProcess;

beforeAll(async () => {
  fresh = await freshSchema('dgratelimit');
  store = schemaUrl(fresh.url, fresh.schema);
  await (await openBackend({ store }, { create: true })).close();
  // the schema is new, so the index's keys in the shared Redis (docgraph:<digest of the location>:ratelimit:…) are this test's own
  const args = ['--no-worker', '--store', store, '--redis', TEST_REDIS_URL];
  [a, b] = await Promise.all([startServe(':memory:', { DOCGRAPH_RATE_LIMIT: String(LIMIT) }, args), startServe(':memory:', { DOCGRAPH_RATE_LIMIT: String(LIMIT) }, args)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await fresh?.drop();
});

const sources = async (url: string): Promise<Response> => fetch(url + '/v1/sources');

describe('rate limits with --redis', () => {
  it('counts one limit across replicas', async () => {
    const statuses: number[] = [];
    // alternate replicas: each sees only half of the requests, so separate counts would never refuse
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await sources(i % 2 === 0 ? a.url : b.url)).status);
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429, 429]);
    const refused = await sources(a.url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await (await fetch(a.url + '/health')).json()) as { rate_limit_store: string }).rate_limit_store).toBe('redis');
  });

  it('counts in memory, and says so, when Redis does not answer', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const alone = await startServe(':memory:', { DOCGRAPH_RATE_LIMIT: String(LIMIT) }, ['--no-worker', '--store', store, '--redis', closed]);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 1; i++) statuses.push((await sources(alone.url)).status);
      expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429]);
      expect(((await (await fetch(alone.url + '/health')).json()) as { rate_limit_store: string }).rate_limit_store).toBe('memory');
      expect(alone.stderr()).toContain('rate limits counted in this process');
    } finally {
      await alone.stop();
    }
  });
});
