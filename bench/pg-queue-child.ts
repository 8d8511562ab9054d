/**
 * Child process for bench/pg-queue.ts: one worker loop with its own pool.
 * argv: <postgres url with ?schema=> <worker id>. Sends 'ready' over IPC,
 * waits for 'go', runs no-op jobs until the queue is drained, then sends
 * { completed, cpuMs }.
 */
import { openBackend } from '../src/app/backend.js';
import { runWorker } from '../src/queue/worker.js';

const [url, worker] = process.argv.slice(2);
if (!url || !worker || !process.send) throw new Error('usage: pg-queue-child.ts <url> <worker> (forked with IPC)');
const send = process.send.bind(process);
const backend = await openBackend({ store: url });
const queue = backend.openQueue();
process.once('message', () => {
  void (async () => {
    const cpu = process.cpuUsage();
    const summary = await runWorker({ queue, worker, pollMs: 2, exitWhenIdle: true, maintenanceEveryMs: 0, handler: async () => undefined });
    const used = process.cpuUsage(cpu);
    await queue.close();
    await backend.close();
    send({ completed: summary.completed, cpuMs: (used.user + used.system) / 1000 }, () => process.disconnect());
  })();
});
send('ready');
