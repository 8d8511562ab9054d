/**
 * Job queue throughput on PostgreSQL (the server at DOCGRAPH_TEST_POSTGRES,
 * default postgres://postgres@127.0.0.1:5432/postgres), no-op jobs committed
 * with `commitJob(lease, { kind: 'none' })` (the handler's write path):
 *  - enqueueMany in batches of 500;
 *  - claim + commitJob, bare API, 1 loop;
 *  - runWorker, 1 loop; 4 processes, each its own pool (as 4 workers would be).
 *
 *   node --import tsx bench/pg-queue.ts [--jobs 5000] [--runs 3] [--concurrency 1] [--only 'runWorker']
 *
 * `--concurrency`: jobs each runWorker loop runs at once (its claims and
 * completions are batched: claimBatch / completeAndClaimBatch). Each run uses
 * a fresh database, dropped after. Medians of the runs, with min–max, the
 * CPU time of the Node processes and the server's (the CPU of the backends
 * serving that database, read from /proc: their command line names it), per
 * 1,000 jobs; the load average before and after.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBackend } from '../src/app/backend.js';
import type { JobInput } from '../src/queue/queue.js';
import { runWorker } from '../src/queue/worker.js';
import { freshDatabase } from '../test/helpers/postgres.js';

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '1' }, only: { type: 'string' } },
});
const JOBS = Number(values.jobs);
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
const CHILD = join(import.meta.dirname, 'pg-queue-child.ts');

interface Sample {
  jobs: number;
  wallMs: number;
  cpuMs: number;
  /** CPU of the server backends on the run's database. */
  serverCpuMs: number;
}

const TICK_MS = 1000 / 100; // USER_HZ

/** CPU ms so far of every live PostgreSQL backend connected to database `db` (its ps title names it). */
function serverCpu(db: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.startsWith('postgres:') || !cmd.includes(` ${db} `)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(pid), (Number(f[11]) + Number(f[12])) * TICK_MS);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Server CPU used between two readings (backends that appeared count from 0). */
function serverDelta(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

const job = (i: number): JobInput => ({ type: 'ingest', sourceId: 'bench', uri: `docs/page-${i}.md`, checksum: `sum-${i}` });

async function seeded(n: number): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const fresh = await freshDatabase('dgbench');
  const url = fresh.url;
  const backend = await openBackend({ store: url }, { create: true });
  const q = backend.openQueue();
  for (let i = 0; i < n; i += 500) await q.enqueueMany(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ job: job(i + k) })));
  await q.close();
  await backend.close();
  return { url, name: fresh.name, drop: fresh.drop };
}

async function timed(db: string, fn: () => Promise<number>): Promise<Sample> {
  const server = serverCpu(db);
  const cpu = process.cpuUsage();
  const t = performance.now();
  const jobs = await fn();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { jobs, wallMs, cpuMs: (used.user + used.system) / 1000, serverCpuMs: serverDelta(server, serverCpu(db)) };
}

async function withQueue(n: number, fn: (q: ReturnType<Awaited<ReturnType<typeof openBackend>>['openQueue']>) => Promise<number>): Promise<Sample> {
  const { url, name, drop } = await seeded(n);
  const backend = await openBackend({ store: url });
  const q = backend.openQueue();
  try {
    return await timed(name, () => fn(q));
  } finally {
    await q.close();
    await backend.close();
    await drop();
  }
}

const scenarios: { name: string; run: () => Promise<Sample> }[] = [
  {
    name: 'enqueueMany (batches of 500)',
    run: () =>
      withQueue(0, async (q) => {
        for (let i = 0; i < JOBS; i += 500) await q.enqueueMany(Array.from({ length: Math.min(500, JOBS - i) }, (_, k) => ({ job: job(i + k) })));
        return JOBS;
      }),
  },
  {
    name: 'claim + commitJob, bare API, 1 loop',
    run: () =>
      withQueue(JOBS, async (q) => {
        let n = 0;
        for (let l = await q.claim('bench', 30_000); l; l = await q.claim('bench', 30_000)) {
          await q.commitJob(l, { kind: 'none' });
          n++;
        }
        return n;
      }),
  },
  {
    name: `claim + complete, runWorker, 1 loop, concurrency ${CONCURRENCY}`,
    run: () =>
      withQueue(JOBS, async (q) => (await runWorker({ queue: q, concurrency: CONCURRENCY, pollMs: 2, exitWhenIdle: true, maintenanceEveryMs: 0, handler: async () => undefined })).completed),
  },
  {
    name: `claim + complete, runWorker, 4 processes, concurrency ${CONCURRENCY} each`,
    run: async () => {
      const { url, name, drop } = await seeded(JOBS);
      const children = [0, 1, 2, 3].map((i) => fork(CHILD, [url, `proc-${i}`, String(CONCURRENCY)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
      await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
      const results = children.map((c) => new Promise<{ completed: number; cpuMs: number }>((resolve) => c.once('message', resolve as (m: unknown) => void)));
      const server = serverCpu(name);
      const t = performance.now();
      for (const c of children) c.send('go');
      const done = await Promise.all(results);
      const wallMs = performance.now() - t;
      // read while the children's connections are still open
      const serverCpuMs = serverDelta(server, serverCpu(name));
      const closed = children.map((c) => new Promise((resolve) => c.once('exit', resolve)));
      for (const c of children) c.send('close');
      await Promise.all(closed);
      await drop();
      return { jobs: done.reduce((n, r) => n + r.completed, 0), wallMs, cpuMs: done.reduce((n, r) => n + r.cpuMs, 0), serverCpuMs };
    },
  },
].filter((s) => !values.only || s.name.includes(values.only));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`PostgreSQL queue, ${JOBS} jobs, ${RUNS} runs, concurrency ${CONCURRENCY}, ${availableParallelism()} cores, load average ${load()}`);
for (const s of scenarios) {
  const samples: Sample[] = [];
  for (let r = 0; r < RUNS; r++) samples.push(await s.run());
  const rates = samples.map((x) => (x.jobs / x.wallMs) * 1000);
  const nodePer1k = samples.map((x) => (x.cpuMs / x.jobs) * 1000);
  const serverPer1k = samples.map((x) => (x.serverCpuMs / x.jobs) * 1000);
  console.log(
    `${s.name}: ${median(rates).toFixed(0)} jobs/s (min ${Math.min(...rates).toFixed(0)}, max ${Math.max(...rates).toFixed(0)}); ` +
      `CPU ms per 1,000 jobs: Node ${median(nodePer1k).toFixed(0)}, server ${median(serverPer1k).toFixed(0)}, both ${median(samples.map((x) => ((x.cpuMs + x.serverCpuMs) / x.jobs) * 1000)).toFixed(0)}; load average ${load()}` +
      (samples.some((x) => x.jobs !== JOBS) ? ` [jobs done: ${samples.map((x) => x.jobs).join(', ')}]` : ''),
  );
}
