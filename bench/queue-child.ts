/**
 * Child process for bench/queue.ts: one worker loop on a shared queue file.
 * argv: <db path> <worker id>. Sends 'ready' over IPC, waits for 'go', runs
 * no-op jobs until the queue is drained, then sends { completed, cpuMs }.
 */
import { SqliteJobQueue } from '../src/queue/sqlite/sqlite-queue.js';
import { runWorker } from '../src/queue/worker.js';

const [path, worker] = process.argv.slice(2);
if (!path || !worker || !process.send) throw new Error('usage: queue-child.ts <db> <worker> (forked with IPC)');
const send = process.send.bind(process);
const queue = SqliteJobQueue.open({ path });
process.once('message', () => {
  void (async () => {
    const cpu = process.cpuUsage();
    const summary = await runWorker({ queue, worker, pollMs: 2, exitWhenIdle: true, maintenanceEveryMs: 0, handler: async () => undefined });
    const used = process.cpuUsage(cpu);
    await queue.close();
    send({ completed: summary.completed, cpuMs: (used.user + used.system) / 1000 }, () => process.disconnect());
  })();
});
send('ready');
