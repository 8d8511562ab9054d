/**
 * Ingest throughput with N worker processes, SQLite against PostgreSQL
 * (issue 13, "Measure"). Each run, on a fresh index (a SQLite file in a new
 * temp folder, or a new database on the server):
 *
 *   1. `docgraph ingest <corpus> --no-wait`: plans the folder and queues one job
 *      per file, with no worker in that process;
 *   2. N `docgraph worker --exit-when-idle` processes, started together, do the
 *      jobs; the run's time is from their start to the last one's exit;
 *   3. `docgraph status --json` checks that every file is indexed (and, with
 *      --verify, `docgraph verify --json` that nothing drifted).
 *
 * Every docgraph process runs under /usr/bin/time (the kernel's own user+sys
 * seconds of the finished process). The server's CPU is that of the
 * PostgreSQL backends serving the run's database (their process title names
 * it), read from /proc every 50 ms while they live: a backend's last < 50 ms
 * before its process exits is not counted. The 1-minute load average is read
 * before and after each run. Runs go in pairs, SQLite and PostgreSQL back to
 * back for each N, the order flipped on every other round.
 *
 *   npm run build && node --import tsx bench/ingest-workers.ts [--workers 1,2,4] [--rounds 1]
 *     [--backends sqlite,postgres] [--concurrency 1] [--corpus ~/.cache/docgraph-corpora/node]
 *     [--docgraph bin/docgraph.js] [--verify] [--json] [--out runs.json]
 *
 * The server is DOCGRAPH_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freshDatabase } from '../test/helpers/postgres.js';
import { machineInfo } from './lib/machine.js';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,4' },
    rounds: { type: 'string', default: '1' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    concurrency: { type: 'string', default: '1' },
    corpus: { type: 'string', default: join(homedir(), '.cache', 'docgraph-corpora', 'node') },
    docgraph: { type: 'string', default: join(import.meta.dirname, '..', 'bin', 'docgraph.js') },
    verify: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

type Backend = 'sqlite' | 'postgres';
const WORKERS = values.workers!.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const BACKENDS = values.backends!.split(',') as Backend[];
const CONCURRENCY = Number(values.concurrency);
const CORPUS = resolve(values.corpus!);
const DOCGRAPH = resolve(values.docgraph!);
for (const n of WORKERS) if (!Number.isInteger(n) || n < 1) throw new Error(`--workers: ${values.workers} is not a list of counts like 1,2,4`);
for (const b of BACKENDS) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`--backends: ${b} is not sqlite or postgres`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds: ${values.rounds} is not a positive integer`);

// docgraph settings come from the arguments alone, not from this shell
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCGRAPH_')));

interface Timed {
  code: number;
  wallS: number;
  cpuS: number;
  rssMiB: number;
  stdout: string;
  stderr: string;
}

/** Runs docgraph under /usr/bin/time in `cwd`; resolves when it exits. */
function docgraph(args: string[], cwd: string): Promise<Timed> {
  const timeFile = join(cwd, `time-${process.hrtime.bigint()}`);
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, process.execPath, DOCGRAPH, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
      const [user, sys, rssKiB] = lines[lines.length - 1]!.split(' ').map(Number);
      resolve({ code: code ?? -1, wallS, cpuS: user! + sys!, rssMiB: rssKiB! / 1024, stdout, stderr });
    });
  });
}

const TICK_MS = 1000 / 100; // USER_HZ

/** Samples, every 50 ms, the CPU of the PostgreSQL backends serving database `db`; `stop` returns the total in seconds. */
function serverCpuSampler(db: string | undefined): { stop: () => number } {
  if (db === undefined) return { stop: () => 0 };
  const last = new Map<number, number>();
  const others = new Set<number>();
  const sample = (): void => {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const pid = Number(d);
      if (others.has(pid)) continue;
      try {
        if (!last.has(pid)) {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (!cmd.startsWith('postgres:') || !cmd.includes(` ${db} `)) {
            // a backend just forked still shows the postmaster's command line until it sets its title
            if (!cmd.startsWith('postgres:') && cmd.includes('postgres')) continue;
            others.add(pid);
            continue;
          }
        }
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        last.set(pid, (Number(f[11]) + Number(f[12])) * TICK_MS);
      } catch {
        // gone meanwhile: its last reading stands
      }
    }
  };
  sample();
  const before = new Map(last);
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      let ms = 0;
      for (const [pid, t] of last) ms += t - (before.get(pid) ?? 0);
      return ms / 1000;
    },
  };
}

interface Run {
  backend: Backend;
  workers: number;
  round: number;
  files: number;
  sections: number;
  queue: { wall_s: number; cpu_s: number; server_cpu_s: number };
  work: { wall_s: number; cpu_s: number; server_cpu_s: number; peak_rss_mib: number; files_per_s: number };
  jobs: number;
  /** Attempts over all jobs: equal to `jobs` when each was done once. */
  attempts: number;
  /** Jobs each worker process completed (its exit line). */
  completed_per_worker: number[];
  load_before: number;
  load_after: number;
  drift?: unknown;
}

async function run(backend: Backend, workers: number, round: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'docgraph-bench-ingest-workers-'));
  const fresh = backend === 'postgres' ? await freshDatabase('dgbench_ingest') : undefined;
  const store = fresh?.url ?? join(dir, 'index.db');
  const loadBefore = loadavg()[0]!;
  try {
    let server = serverCpuSampler(fresh?.name);
    const queued = await docgraph(['--store', store, 'ingest', CORPUS, '--no-wait', '--json'], dir);
    const queueServer = server.stop();
    if (queued.code !== 0) throw new Error(`ingest --no-wait exited ${queued.code}:\n${queued.stderr}`);

    server = serverCpuSampler(fresh?.name);
    const t0 = performance.now();
    const done = await Promise.all(
      Array.from({ length: workers }, () => docgraph(['--store', store, 'worker', '--exit-when-idle', '--concurrency', String(CONCURRENCY)], dir)),
    );
    const wallS = (performance.now() - t0) / 1000;
    const workServer = server.stop();
    for (const d of done) if (d.code !== 0) throw new Error(`worker exited ${d.code}:\n${d.stderr}`);

    const status = await docgraph(['--store', store, 'status', '--json'], dir);
    const s = JSON.parse(status.stdout) as { documents: number; sections: number; jobs?: { pending?: number; running?: number; dead?: number } };
    const files = readdirSync(CORPUS, { recursive: true }).filter((f) => /\.(md|html?)$/.test(String(f))).length;
    if (s.documents !== files) throw new Error(`${backend}, ${workers} workers: ${s.documents} documents indexed of ${files} files (status: ${status.stdout})`);
    // each job done once? (a lease that ran out under load would show as a second attempt)
    const jobs = await docgraph(['--store', store, 'jobs', 'list', '--json', '-n', '10000'], dir);
    const list = JSON.parse(jobs.stdout) as { state: string; attempts: number }[];
    const completedBy = done.map((d) => Number(/worker stopped: (\d+) completed/.exec(d.stderr)?.[1] ?? NaN));
    let drift: unknown;
    if (values.verify) {
      const v = await docgraph(['--store', store, 'verify', '--json'], dir);
      drift = JSON.parse(v.stdout);
      if (v.code !== 0) throw new Error(`verify exited ${v.code}: ${v.stdout}${v.stderr}`);
    }
    return {
      backend,
      workers,
      round,
      files: s.documents,
      sections: s.sections,
      queue: { wall_s: queued.wallS, cpu_s: queued.cpuS, server_cpu_s: queueServer },
      work: {
        wall_s: wallS,
        cpu_s: done.reduce((n, d) => n + d.cpuS, 0),
        server_cpu_s: workServer,
        peak_rss_mib: Math.max(...done.map((d) => d.rssMiB)),
        files_per_s: s.documents / wallS,
      },
      jobs: list.length,
      attempts: list.reduce((n, j) => n + j.attempts, 0),
      completed_per_worker: completedBy,
      load_before: loadBefore,
      load_after: loadavg()[0]!,
      ...(values.verify ? { drift } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await fresh?.drop();
  }
}

const info = machineInfo();
const runs: Run[] = [];
if (!values.json) {
  console.log(`${info.date} ${info.commit} ${info.cpus} cores ${info.cpuModel}, Node ${info.node}; corpus ${CORPUS}; worker concurrency ${CONCURRENCY}`);
  console.log('backend   workers round | queue wall s / CPU s / server s | work wall s  files/s  docgraph CPU s  server CPU s  peak RSS MiB | jobs/attempts, per worker | load before→after');
}
for (let round = 1; round <= ROUNDS; round++) {
  for (const n of WORKERS) {
    const order = round % 2 === 1 ? BACKENDS : [...BACKENDS].reverse();
    for (const b of order) {
      const r = await run(b, n, round);
      runs.push(r);
      if (!values.json) {
        const f = (x: number, d = 2): string => x.toFixed(d);
        console.log(
          `${b.padEnd(9)} ${String(n).padStart(7)} ${String(round).padStart(5)} | ${f(r.queue.wall_s)} / ${f(r.queue.cpu_s)} / ${f(r.queue.server_cpu_s)} | ${f(r.work.wall_s).padStart(11)} ${f(r.work.files_per_s).padStart(8)} ${f(r.work.cpu_s).padStart(15)} ${f(r.work.server_cpu_s).padStart(13)} ${f(r.work.peak_rss_mib, 0).padStart(13)} | ${r.jobs}/${r.attempts}, ${r.completed_per_worker.join('+')} | ${f(r.load_before)}→${f(r.load_after)}`,
        );
      }
    }
  }
}
const report = JSON.stringify({ machine: info, corpus: CORPUS, concurrency: CONCURRENCY, runs }, null, 2);
if (values.out) writeFileSync(values.out, report + '\n');
if (values.json) console.log(report);
