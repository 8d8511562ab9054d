/**
 * Child process for bench/pg-queue.ts: one worker loop with its own pool.
 * argv: <postgres url> <worker id> [concurrency]. Sends 'ready' over IPC,
 * waits for 'go', runs no-op jobs until the queue is drained, then sends
 * { completed, cpuMs }, and closes on 'close' (its connections stay open
 * until then, so the parent can read their backends' CPU).
 */
import { openBackend } from '../src/app/backend.js';
import { runWorker } from '../src/queue/worker.js';

const [url, worker, concurrency = '1'] = process.argv.slice(2);
if (!url || !worker || !process.send) throw new Error('usage: pg-queue-child.ts <url> <worker> (forked with IPC)');
const send = process.send.bind(process);
const backend = await openBackend({ store: url });
const queue = backend.openQueue();
process.once('message', () => {
  void (async () => {
    const cpu = process.cpuUsage();
    const summary = await runWorker({ queue, worker, concurrency: Number(concurrency), pollMs: 2, exitWhenIdle: true, maintenanceEveryMs: 0, handler: async () => undefined });
    const used = process.cpuUsage(cpu);
    process.once('message', () => {
      void (async () => {
        await queue.close();
        await backend.close();
        process.disconnect();
      })();
    });
    send({ completed: summary.completed, cpuMs: (used.user + used.system) / 1000 });
  })();
});
send('ready');
