/**
 * Job queue throughput (SQLite, one file in WAL mode), no-op handlers:
 *  - enqueue: one call (one transaction) per job, and enqueueMany in batches of 500;
 *  - claim + complete through the worker loop (`runWorker`): 1 loop, 4 loops in
 *    one process (4 connections), 4 processes on one file; plus the bare API
 *    (claim, complete) in one loop for reference.
 *
 *   node --import tsx bench/queue.ts [--jobs 5000] [--runs 3]
 *
 * Each run uses a fresh file; medians of the runs are quoted, with min–max and
 * the CPU time next to wall time, because the machine may be shared and noisy
 * (jobs per CPU-second is the figure that least depends on other load).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JobInput } from '../src/queue/queue.js';
import { SqliteJobQueue } from '../src/queue/sqlite/sqlite-queue.js';
import { runWorker } from '../src/queue/worker.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' } } });
const JOBS = Number(values.jobs);
const RUNS = Number(values.runs);
const CHILD = join(import.meta.dirname, 'queue-child.ts');

interface Sample {
  jobs: number;
  wallMs: number;
  cpuMs: number;
}

const job = (i: number): JobInput => ({ type: 'ingest', sourceId: 'bench', uri: `docs/page-${i}.md`, checksum: `sum-${i}` });

/** A fresh queue file with `n` pending jobs (not timed). */
async function seeded(n: number): Promise<{ path: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'docgraph-bench-queue-'));
  const path = join(dir, 'index.db');
  const q = SqliteJobQueue.open({ path });
  for (let i = 0; i < n; i += 500) {
    await q.enqueueMany(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ job: job(i + k) })));
  }
  await q.close();
  return { path, dir };
}

async function timed(fn: () => Promise<number>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const jobs = await fn();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { jobs, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const scenarios: { name: string; run: () => Promise<Sample> }[] = [
  {
    name: 'enqueue (1 job per call)',
    run: async () => {
      const { path, dir } = await seeded(0);
      const q = SqliteJobQueue.open({ path });
      const s = await timed(async () => {
        for (let i = 0; i < JOBS; i++) await q.enqueue(job(i));
        return JOBS;
      });
      await q.close();
      rmSync(dir, { recursive: true, force: true });
      return s;
    },
  },
  {
    name: 'enqueueMany (batches of 500)',
    run: async () => {
      const { path, dir } = await seeded(0);
      const q = SqliteJobQueue.open({ path });
      const s = await timed(async () => {
        for (let i = 0; i < JOBS; i += 500) await q.enqueueMany(Array.from({ length: Math.min(500, JOBS - i) }, (_, k) => ({ job: job(i + k) })));
        return JOBS;
      });
      await q.close();
      rmSync(dir, { recursive: true, force: true });
      return s;
    },
  },
  {
    name: 'claim + complete, bare API, 1 loop',
    run: async () => {
      const { path, dir } = await seeded(JOBS);
      const q = SqliteJobQueue.open({ path });
      const s = await timed(async () => {
        let n = 0;
        for (let l = await q.claim('bench', 30_000); l; l = await q.claim('bench', 30_000)) {
          await q.complete(l);
          n++;
        }
        return n;
      });
      await q.close();
      rmSync(dir, { recursive: true, force: true });
      return s;
    },
  },
  {
    name: 'claim + complete, runWorker, 1 loop',
    run: async () => {
      const { path, dir } = await seeded(JOBS);
      const q = SqliteJobQueue.open({ path });
      const s = await timed(async () => (await runWorker({ queue: q, pollMs: 2, exitWhenIdle: true, maintenanceEveryMs: 0, handler: async () => undefined })).completed);
      await q.close();
      rmSync(dir, { recursive: true, force: true });
      return s;
    },
  },
  {
    name: 'claim + complete, runWorker, 4 loops in 1 process (4 connections)',
    run: async () => {
      const { path, dir } = await seeded(JOBS);
      const qs = [0, 1, 2, 3].map(() => SqliteJobQueue.open({ path }));
      const s = await timed(async () => {
        const all = await Promise.all(
          qs.map((q, i) => runWorker({ queue: q, worker: `loop-${i}`, pollMs: 2, exitWhenIdle: true, maintenanceEveryMs: 0, handler: async () => undefined })),
        );
        return all.reduce((n, r) => n + r.completed, 0);
      });
      for (const q of qs) await q.close();
      rmSync(dir, { recursive: true, force: true });
      return s;
    },
  },
  {
    name: 'claim + complete, runWorker, 4 processes on 1 file',
    run: async () => {
      const { path, dir } = await seeded(JOBS);
      const children = [0, 1, 2, 3].map((i) => fork(CHILD, [path, `proc-${i}`], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
      await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
      const results = children.map((c) => new Promise<{ completed: number; cpuMs: number }>((resolve) => c.once('message', resolve as (m: unknown) => void)));
      const t = performance.now();
      for (const c of children) c.send('go');
      const done = await Promise.all(results);
      const wallMs = performance.now() - t;
      await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode === null ? c.once('exit', resolve) : resolve(null)))));
      rmSync(dir, { recursive: true, force: true });
      return { jobs: done.reduce((n, r) => n + r.completed, 0), wallMs, cpuMs: done.reduce((n, r) => n + r.cpuMs, 0) };
    },
  },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

console.log(`# Job queue (SQLite) — ${JOBS} jobs, median of ${RUNS} runs`);
console.log(`node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start\n`);
console.log('| scenario | jobs/s (median) | min–max | wall ms (median) | CPU ms (median) | jobs per CPU-second |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const s of scenarios) {
  const samples: Sample[] = [];
  for (let r = 0; r < RUNS; r++) {
    const sample = await s.run();
    if (sample.jobs !== JOBS) throw new Error(`${s.name}: handled ${sample.jobs} jobs, expected ${JOBS}`);
    samples.push(sample);
  }
  const rates = samples.map((x) => (x.jobs / x.wallMs) * 1000);
  console.log(
    `| ${s.name} | ${fmt(median(rates))} | ${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))} | ${fmt(median(samples.map((x) => x.wallMs)))} | ` +
      `${fmt(median(samples.map((x) => x.cpuMs)))} | ${fmt(median(samples.map((x) => (x.jobs / x.cpuMs) * 1000)))} |`,
  );
}
console.log(`\nload average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
