/**
 * The thread pool with real worker threads (test/fixtures/threads): threads
 * that cannot load their module end the pool without an unhandled 'error'
 * (piscina's own pool crashed the process with one and left its tasks
 * waiting forever), a thread that stops in the middle of a task fails
 * that task alone, and a finished task's result is not kept.
 */
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadPool, ThreadStoppedError, UNAVAILABLE } from './pool.js';

const worker = (name: string): string => pathToFileURL(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'threads', name)).href;
const pools: ThreadPool<unknown, unknown>[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

function pool(name: string, onUnavailable?: (cause: Error) => void, idleTimeout = 1000): ThreadPool<unknown, unknown> {
  const p = new ThreadPool<unknown, unknown>({ filename: worker(name), maxThreads: 2, idleTimeout, ...(onUnavailable ? { onUnavailable } : {}) });
  pools.push(p);
  return p;
}

describe('ThreadPool', () => {
  it('runs tasks on its threads', async () => {
    const p = pool('echo.mjs');
    expect(await Promise.all([1, 2, 3].map((i) => p.run(i)))).toEqual([1, 2, 3]);
  });

  for (const idleTimeout of [1000, Infinity]) {
    it(`answers UNAVAILABLE, and tells why once, when its threads cannot load their module (idle threads exit after ${idleTimeout} ms)`, async () => {
      const causes: Error[] = [];
      const p = pool('throws-at-import.mjs', (cause) => causes.push(cause), idleTimeout);
      // the tasks queued while the threads failed, and those after
      expect(await Promise.all([1, 2, 3].map((i) => p.run(i)))).toEqual([UNAVAILABLE, UNAVAILABLE, UNAVAILABLE]);
      expect(await p.run(4)).toBe(UNAVAILABLE);
      expect(causes.map((c) => c.message)).toEqual(['this worker module is damaged']);
      expect(p.usable).toBe(false);
    });
  }

  it('fails a task whose thread stops while running it, alone: the next task gets a new thread', async () => {
    const causes: Error[] = [];
    const p = pool('echo.mjs', (cause) => causes.push(cause));
    expect(await p.run('warm')).toBe('warm');
    const stopped = await p.run('exit').catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(ThreadStoppedError);
    expect(stopped).toMatchObject({ code: 'INTERNAL', retryable: true });
    expect((stopped as Error).message).toMatch(/worker thread stopped.*exited with code: 3/);
    expect(await Promise.all(['a', 'b'].map((t) => p.run(t)))).toEqual(['a', 'b']);
    expect(causes).toEqual([]);
  });

  it('holds no task\'s result once the task has ended', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const p = pool('echo.mjs');
    const results = await Promise.all([1, 2, 3].map(async (i) => new WeakRef((await p.run({ i, text: 'x'.repeat(100_000) })) as object)));
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(results.map((r) => r.deref())).toEqual([undefined, undefined, undefined]);
  });

  it('answers UNAVAILABLE once closed; closing twice is fine', async () => {
    const p = pool('echo.mjs');
    expect(await p.run(1)).toBe(1);
    await p.close();
    await p.close();
    expect(await p.run(2)).toBe(UNAVAILABLE);
  });
});
