/**
 * The search pool's worker thread (see search-pool.ts): one App per index,
 * opened on first use, closed by the pool's close tasks.
 */
import type { Config } from '../config/config.js';
import { App } from './app.js';
import { threadId, workerData } from 'node:worker_threads';
import { recording } from '../observability/telemetry.js';
import { errorValue, type SearchOutcome, type SearchWorkerData, type SearchWorkerTask } from './search-task.js';

const apps = new Map<string, Promise<App>>();

function appFor(config: Config): Promise<App> {
  const key = `${config.store ?? ''}\u0000${config.index}`;
  let app = apps.get(key);
  if (!app) {
    // the calling thread answers from the shared cache before it sends a search here (App.throughCache): no Redis on this thread
    app = App.open({ ...config, redis: undefined });
    apps.set(key, app);
    app.catch(() => apps.delete(key));
  }
  return app;
}

/** Waits until `threads` threads have reached this barrier (bounded: 5 s). */
function barrier(buffer: SharedArrayBuffer, threads: number): void {
  const arrived = new Int32Array(buffer);
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  const deadline = Date.now() + 5000;
  for (let n = Atomics.load(arrived, 0); n < threads && Date.now() < deadline; n = Atomics.load(arrived, 0)) Atomics.wait(arrived, 0, n, 100);
}

export default async function searchInWorker(task: SearchWorkerTask): Promise<SearchOutcome | null> {
  if (task.kind !== 'search') {
    if (task.kind === 'close') {
      await Promise.allSettled([...apps.values()].map(async (a) => (await a).close()));
      apps.clear();
    } else {
      // a failure here (no index yet, say) is the first real search's to report
      await appFor(task.config).then((app) => app.search('warm up', { limit: 1 })).catch(() => undefined);
    }
    barrier(task.barrier, task.threads);
    return null;
  }
  let app: App | undefined;
  const { value, telemetry } = await recording(async (): Promise<SearchOutcome> => {
    try {
      app = await appFor((workerData as SearchWorkerData).config);
      return { kind: 'result', result: await app.search(task.query, task.options) };
    } catch (e) {
      return { kind: 'error', error: errorValue(e) };
    }
  });
  const breaker = app?.embedderBreaker();
  return { ...value, telemetry, thread: threadId, ...(breaker ? { breaker } : {}) };
}
