// The Redis adapter of SharedState against real redis-server processes: values and messages go
// through; a server that dies makes every call a quiet miss or no-op (never an error) with the
// status saying `down`; a server that comes back is used again, subscriptions included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis, type PrivateRedis } from '../../../test/helpers/redis.js';
import { until } from '../../../test/helpers/docgraph.js';
import type { SharedStateStatus } from '../shared-state.js';
import { RedisState } from './redis-state.js';

let server: PrivateRedis;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.kill();
});

describe('RedisState', () => {
  it('stores values with a lifetime, and delivers published messages to subscribers', async () => {
    const changes: SharedStateStatus[] = [];
    const a = await RedisState.open(server.url, server.url, (s) => changes.push(s));
    const b = await RedisState.open(server.url, server.url, () => undefined);
    try {
      expect(a.state()).toMatchObject({ status: 'up', location: server.url });
      expect(changes.map((c) => c.status)).toEqual(['up']);
      await a.set('k1', 'v1', 60);
      expect(await b.get('k1')).toBe('v1');
      expect(await b.get('absent')).toBeUndefined();
      await a.set('short', 'v', 1);
      await until(async () => (await b.get('short')) === undefined, 'a 1 s value to expire', 5_000);

      const heard: string[] = [];
      await b.subscribe('chan', (m) => heard.push(m));
      await a.publish('chan', 'hello');
      await until(() => heard.length === 1, 'the message');
      expect(heard).toEqual(['hello']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('degrades quietly while the server is down and comes back with it, subscriptions included', async () => {
    const changes: string[] = [];
    const s = await RedisState.open(server.url, server.url, (c) => changes.push(c.status));
    const publisher = await RedisState.open(server.url, server.url, () => undefined);
    const heard: string[] = [];
    try {
      await s.subscribe('events', (m) => heard.push(m));
      await s.set('kept', 'before', 60);

      await server.kill();
      await until(() => s.state().status === 'down', 'the client to notice the server is gone');
      expect(s.state().error).toBeTruthy();
      // every call is a miss or a no-op, never an error
      expect(await s.get('kept')).toBeUndefined();
      await expect(s.set('x', 'y', 60)).resolves.toBeUndefined();
      await expect(s.publish('events', 'lost')).resolves.toBeUndefined();

      await server.restart();
      await until(() => s.state().status === 'up' && publisher.state().status === 'up', 'both clients to reconnect', 15_000);
      expect(changes).toEqual(['up', 'down', 'up']);
      await s.set('after', 'v', 60);
      expect(await s.get('after')).toBe('v');
      // the subscriber connection resubscribed by itself
      await until(async () => {
        await publisher.publish('events', 'again');
        return heard.includes('again');
      }, 'the subscription to resume', 15_000);
      expect(heard).not.toContain('lost');
    } finally {
      await s.close();
      await publisher.close();
    }
  });

  it('opens against a port where nothing listens: down, not an error', async () => {
    const port = await freePort();
    const s = await RedisState.open(`redis://127.0.0.1:${port}`, `redis://127.0.0.1:${port}`, () => undefined, 300);
    try {
      expect(s.state().status).toBe('down');
      expect(await s.get('k')).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
