/**
 * The search pool's worker thread (see search-pool.ts): one App per index,
 * opened on first use, closed by the pool's close tasks.
 */
import { App } from './app.js';
import { errorValue, type SearchOutcome, type SearchWorkerTask } from './search-task.js';

const apps = new Map<string, Promise<App>>();

export default async function searchInWorker(task: SearchWorkerTask): Promise<SearchOutcome | null> {
  if (task.kind === 'close') {
    await Promise.allSettled([...apps.values()].map(async (a) => (await a).close()));
    apps.clear();
    // stay here until every thread holds a close task, so each thread gets exactly one
    const arrived = new Int32Array(task.barrier);
    Atomics.add(arrived, 0, 1);
    Atomics.notify(arrived, 0);
    const deadline = Date.now() + 5000;
    for (let n = Atomics.load(arrived, 0); n < task.threads && Date.now() < deadline; n = Atomics.load(arrived, 0)) Atomics.wait(arrived, 0, n, 100);
    return null;
  }
  try {
    const key = `${task.config.store ?? ''}\u0000${task.config.index}`;
    let app = apps.get(key);
    if (!app) {
      app = App.open(task.config);
      apps.set(key, app);
      app.catch(() => apps.delete(key));
    }
    return { kind: 'result', result: await (await app).search(task.query, task.options) };
  } catch (e) {
    return { kind: 'error', error: errorValue(e) };
  }
}
