/**
 * Job queue throughput on PostgreSQL (the server at DOCGRAPH_TEST_POSTGRES,
 * default postgres://postgres@127.0.0.1:5432/postgres), no-op jobs committed
 * with `commitJob(lease, { kind: 'none' })` (the handler's write path):
 *  - enqueueMany in batches of 500;
 *  - claim + commitJob, bare API, 1 loop;
 *  - runWorker, 1 loop; 4 processes, each its own pool (as 4 workers would be).
 *
 *   node --import tsx bench/pg-queue.ts [--jobs 5000] [--runs 3]
 *
 * Each run uses a fresh schema, dropped after. Medians of the runs, with
 * min–max and the CPU time of the Node processes (the server's CPU is not
 * counted: it runs on the same two cores).
 */
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBackend } from '../src/app/backend.js';
import type { JobInput } from '../src/queue/queue.js';
import { runWorker } from '../src/queue/worker.js';
import { freshSchema, schemaUrl } from '../test/helpers/postgres.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' } } });
const JOBS = Number(values.jobs);
const RUNS = Number(values.runs);
const CHILD = join(import.meta.dirname, 'pg-queue-child.ts');

interface Sample {
  jobs: number;
  wallMs: number;
  cpuMs: number;
}

const job = (i: number): JobInput => ({ type: 'ingest', sourceId: 'bench', uri: `docs/page-${i}.md`, checksum: `sum-${i}` });

async function seeded(n: number): Promise<{ url: string; drop: () => Promise<void> }> {
  const fresh = await freshSchema('dgbench');
  const url = schemaUrl(fresh.url, fresh.schema);
  const backend = await openBackend({ store: url }, { create: true });
  const q = backend.openQueue();
  for (let i = 0; i < n; i += 500) await q.enqueueMany(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ job: job(i + k) })));
  await q.close();
  await backend.close();
  return { url, drop: fresh.drop };
}

async function timed(fn: () => Promise<number>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const jobs = await fn();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { jobs, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

async function withQueue(n: number, fn: (q: ReturnType<Awaited<ReturnType<typeof openBackend>>['openQueue']>) => Promise<number>): Promise<Sample> {
  const { url, drop } = await seeded(n);
  const backend = await openBackend({ store: url });
  const q = backend.openQueue();
  try {
    return await timed(() => fn(q));
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
    name: 'claim + complete, runWorker, 1 loop',
    run: () => withQueue(JOBS, async (q) => (await runWorker({ queue: q, pollMs: 2, exitWhenIdle: true, maintenanceEveryMs: 0, handler: async () => undefined })).completed),
  },
  {
    name: 'claim + complete, runWorker, 4 processes',
    run: async () => {
      const { url, drop } = await seeded(JOBS);
      const children = [0, 1, 2, 3].map((i) => fork(CHILD, [url, `proc-${i}`], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
      await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
      const results = children.map((c) => new Promise<{ completed: number; cpuMs: number }>((resolve) => c.once('message', resolve as (m: unknown) => void)));
      const t = performance.now();
      for (const c of children) c.send('go');
      const done = await Promise.all(results);
      const wallMs = performance.now() - t;
      await drop();
      return { jobs: done.reduce((n, r) => n + r.completed, 0), wallMs, cpuMs: done.reduce((n, r) => n + r.cpuMs, 0) };
    },
  },
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`PostgreSQL queue, ${JOBS} jobs, ${RUNS} runs, ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`);
for (const s of scenarios) {
  const samples: Sample[] = [];
  for (let r = 0; r < RUNS; r++) samples.push(await s.run());
  const rates = samples.map((x) => (x.jobs / x.wallMs) * 1000);
  const perCpu = samples.map((x) => (x.jobs / x.cpuMs) * 1000);
  console.log(
    `${s.name}: ${median(rates).toFixed(0)} jobs/s (min ${Math.min(...rates).toFixed(0)}, max ${Math.max(...rates).toFixed(0)}), ${median(perCpu).toFixed(0)} jobs per Node CPU-second` +
      (samples.some((x) => x.jobs !== JOBS) ? ` [jobs done: ${samples.map((x) => x.jobs).join(', ')}]` : ''),
  );
}
