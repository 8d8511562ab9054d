/**
 * Load and shedding: `docgraph serve` under a fixed, open-loop rate of
 * search_docs calls over real MCP Streamable HTTP sessions.
 *
 *   node --import tsx bench/load.ts [--rate 100] [--seconds 60] [--sessions 10] [--runs 1]
 *        [--max-concurrent N] [--max-queue N] [--deadline-ms N] [--search-threads N] [--timeout-ms 30000]
 *        [--index /tmp/docgraph-bench/node.db] [--docgraph path/to/bin/docgraph.js] [--client raw|sdk] [--json]
 *   SERVE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" passes Node flags to the server process.
 *
 * The server is a real child process (`node bin/docgraph.js serve`, the
 * built CLI: run `npm run build` first) on a random loopback port, over an
 * index of the Node.js API docs (built from `../shared/eval/get-corpus.sh
 * node` when missing); `--docgraph` runs another build instead (a checkout
 * of an older commit, to compare). Clients are `--sessions` MCP sessions;
 * calls go to them in turn, with queries drawn from the dev golden set. With
 * `--client raw` (the default) a session is bench/lib/mcp-http.ts: the real
 * Streamable HTTP protocol over node:http keep-alive connections, which costs
 * the shared cores a fraction of the SDK's client; `--client sdk` uses the
 * SDK's Client over StreamableHTTPClientTransport (what earlier figures used).
 *
 * Open loop: call i starts at t0 + i / rate whether or not earlier calls have
 * finished, and its latency counts from that scheduled time (so a slow client
 * or server cannot hide its backlog: no coordinated omission). "lag" reports
 * how late the client itself started calls; when it grows, the client is the
 * bottleneck and the figures say more about this machine than the server.
 *
 * Each call ends as one of: ok (a result), tool_error (a result with
 * isError), shed (HTTP 503 or 429: the server's load shedding), or error
 * (anything else: timeouts, refused connections, protocol errors). Alongside,
 * /health is timed every 250 ms over its own connection and the server's RSS
 * is read from /proc/<pid>/status every second. CPU time over the measured
 * window is read from /proc (the server's main thread, the whole server) and
 * from process.cpuUsage() (this client), per call: it says where the two
 * cores went even when other load makes the latencies noisy. Each run starts
 * a fresh server and warms it up with one call per query per session first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readGolden } from '../src/eval/golden.js';
import { HttpStatusError, RawMcpSession } from './lib/mcp-http.js';
import { machineInfo } from './lib/machine.js';
import { latency, median, medianRun, type Latency } from './lib/stats.js';

const root = resolve(import.meta.dirname, '..');
/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux). */
const clockTicks = Number((() => {
  try {
    return execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
  } catch {
    return '100';
  }
})());
/** Node flags for the server process only (e.g. SERVE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"). */
const serveFlags = (process.env.SERVE_FLAGS ?? '').split(' ').filter(Boolean);
const log = (s: string): void => void process.stderr.write(s + '\n');

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    sessions: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    'max-concurrent': { type: 'string' },
    'max-queue': { type: 'string' },
    'search-threads': { type: 'string' },
    'deadline-ms': { type: 'string' },
    'timeout-ms': { type: 'string', default: '30000' },
    index: { type: 'string', default: '/tmp/docgraph-bench/node.db' },
    docgraph: { type: 'string' },
    client: { type: 'string', default: 'raw' },
    json: { type: 'boolean', default: false },
  },
  strict: true,
});

function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    log(`bench/load: --${name} ${value} is not allowed: use a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

const rate = intOption('rate', opts.rate, 1, 5000);
const seconds = intOption('seconds', opts.seconds, 1, 3600);
const sessionCount = intOption('sessions', opts.sessions, 1, 200);
const runs = intOption('runs', opts.runs, 1, 20);
const timeoutMs = intOption('timeout-ms', opts['timeout-ms'], 100, 600_000);
const indexPath = resolve(opts.index);
if (opts.client !== 'raw' && opts.client !== 'sdk') {
  log(`bench/load: --client ${opts.client} is not allowed: use raw or sdk`);
  process.exit(2);
}
const clientKind: 'raw' | 'sdk' = opts.client;
const serverEnv: Record<string, string> = {};
if (opts['max-concurrent'] !== undefined) serverEnv.DOCGRAPH_MAX_CONCURRENT = String(intOption('max-concurrent', opts['max-concurrent'], 1, 1024));
if (opts['max-queue'] !== undefined) serverEnv.DOCGRAPH_MAX_QUEUE = String(intOption('max-queue', opts['max-queue'], 0, 100_000));
if (opts['search-threads'] !== undefined) serverEnv.DOCGRAPH_SEARCH_THREADS = String(intOption('search-threads', opts['search-threads'], 0, 64));
if (opts['deadline-ms'] !== undefined) serverEnv.DOCGRAPH_QUEUE_DEADLINE_MS = String(intOption('deadline-ms', opts['deadline-ms'], 1, 600_000));

const bin = opts.docgraph !== undefined ? resolve(opts.docgraph) : join(root, 'bin', 'docgraph.js');
if (!existsSync(join(dirname(bin), '..', 'dist', 'cli', 'main.js'))) {
  log(`bench/load: the built CLI is missing beside ${bin}; run \`npm run build\` there first`);
  process.exit(2);
}

function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DOCGRAPH_')) env[k] = v;
  return { ...env, ...extra };
}

function ensureIndex(): void {
  if (existsSync(indexPath)) return;
  const corpus = execFileSync('bash', [join(root, '..', 'shared', 'eval', 'get-corpus.sh'), 'node'], { encoding: 'utf8', timeout: 600_000 }).trim();
  log(`ingesting ${corpus} into ${indexPath} ...`);
  mkdirSync(dirname(indexPath), { recursive: true });
  execFileSync(process.execPath, [bin, '--index', indexPath, 'ingest', corpus], { stdio: ['ignore', 'inherit', 'inherit'], env: childEnv(), timeout: 600_000 });
}

interface Server {
  url: string;
  child: ChildProcess;
  stop: () => Promise<number | null>;
}

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [...serveFlags, bin, '--index', indexPath, 'serve', '--port', '0'], { env: childEnv(serverEnv), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start within 60 s:\n${err}`)), 60_000);
    const onData = (d: Buffer): void => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+) /.exec(err);
      if (m) {
        clearTimeout(timer);
        // from here on the access log is read and dropped: keeping it (and matching the regex over it) cost this process CPU that grew with the run
        child.stderr!.off('data', onData);
        child.stderr!.resume();
        ok(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`serve exited with ${code} before listening:\n${err}`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise((ok) => {
        if (child.exitCode !== null) return ok(child.exitCode);
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', (code) => {
          clearTimeout(kill);
          ok(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

/** VmRSS of a process in MiB, or NaN when it cannot be read. */
function rssMiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(/(\d+)/.exec(line)![1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** GET /health over a dedicated keep-alive connection; its latency in ms and body. */
function healthProbe(url: string, agent: Agent): Promise<{ ms: number; ok: boolean; body: string }> {
  const u = new URL(url + '/health');
  const t0 = performance.now();
  return new Promise((ok) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => ok({ ms: performance.now() - t0, ok: res.statusCode === 200, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => ok({ ms: performance.now() - t0, ok: false, body: '' }));
    req.end();
  });
}

type Outcome = 'ok' | 'tool_error' | 'shed' | 'error';

interface CallRecord {
  outcome: Outcome;
  /** From the scheduled start to the answer, ms. */
  ms: number;
  /** How late the client started the call, ms. */
  lagMs: number;
  status?: number;
  error?: string;
}

interface RunResult {
  rate: number;
  seconds: number;
  sessions: number;
  calls: number;
  counts: Record<Outcome, number>;
  /** Calls started per second over the schedule. */
  achieved_rate: number;
  /** ok answers per second, from the first scheduled start to the last answer. */
  goodput: number;
  ok_ms: Latency;
  shed_ms: Latency;
  all_ms: Latency;
  lag_ms: Latency;
  health_ms: Latency;
  health_failures: number;
  rss_mib: { start: number; max: number; end: number; slope_mib_per_min: number; samples: number[] };
  load_avg_1m: { start: number; median: number; end: number };
  errors: Record<string, number>;
  shed_statuses: Record<string, number>;
  server_load: unknown;
  /** CPU time over the measured window, per call scheduled (ok, shed or not): the server's main thread, the whole server (search threads included), this client. */
  cpu: { server_main_ms_per_call: number; server_ms_per_call: number; client_ms_per_call: number };
}

/** Least-squares slope of (t, y) pairs, per unit of t. */
function slope(points: readonly [number, number][]): number {
  const pts = points.filter(([, y]) => Number.isFinite(y));
  if (pts.length < 2) return 0;
  const mt = pts.reduce((a, [t]) => a + t, 0) / pts.length;
  const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
  const num = pts.reduce((a, [t, y]) => a + (t - mt) * (y - my), 0);
  const den = pts.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** One MCP session of the load: a search_docs call resolves true for a result, false for a tool error result. */
interface LoadSession {
  search(query: string): Promise<boolean>;
  close(): Promise<void>;
}

async function openSessions(url: string, agent: Agent): Promise<LoadSession[]> {
  return Promise.all(
    Array.from({ length: sessionCount }, async (_, i): Promise<LoadSession> => {
      if (clientKind === 'raw') {
        const s = new RawMcpSession(url + '/mcp', agent, `docgraph-load-${i}`);
        await s.connect(30_000);
        return { search: async (query) => (await s.callTool('search_docs', { query }, timeoutMs)).isError !== true, close: () => s.close() };
      }
      const client = new Client({ name: `docgraph-load-${i}`, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url + '/mcp')), { timeout: 30_000 });
      return {
        search: async (query) => (await client.callTool({ name: 'search_docs', arguments: { query } }, undefined, { timeout: timeoutMs })).isError !== true,
        close: () => client.close(),
      };
    }),
  );
}

function classify(e: unknown): { outcome: Outcome; status?: number; error?: string } {
  const status = e instanceof StreamableHTTPError ? e.code : e instanceof HttpStatusError ? e.status : undefined;
  if (status === 503 || status === 429) return { outcome: 'shed', status };
  const name = e instanceof Error ? e.name : 'non-error';
  const code = status !== undefined ? ` ${status}` : '';
  const message = e instanceof Error ? e.message.replace(/\d+/g, 'N').slice(0, 80) : String(e);
  return { outcome: 'error', error: `${name}${code}: ${message}` };
}

/** CPU seconds (user + system) of a process, or of one of its threads, from /proc; NaN when unreadable. */
function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks;
  } catch {
    return NaN;
  }
}

/** One run against a fresh server, which is stopped whatever happens. */
async function oneRun(queries: readonly string[], runNo: number): Promise<RunResult> {
  const server = await startServer();
  // the raw client's connections: as many as calls in flight need, kept alive between calls (the SDK's client pools its own)
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let clients: LoadSession[] = [];
  try {
    clients = await openSessions(server.url, agent);
    return await measure(server, clients, queries, runNo);
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    agent.destroy();
    await server.stop();
  }
}

async function measure(server: Server, clients: LoadSession[], queries: readonly string[], runNo: number): Promise<RunResult> {
  const pid = server.child.pid!;
  // warm-up: one call alone (the first search loads the vector index), then every query once,
  // spread over the sessions (which opens a connection per session); a shed call is retried
  const warm = async (c: LoadSession, query: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.search(query);
        return;
      } catch (e) {
        if (classify(e).outcome !== 'shed' || attempt >= 20) throw e;
        await sleep(200);
      }
    }
  };
  await warm(clients[0]!, queries[0]!);
  await Promise.all(
    clients.map(async (c, s) => {
      for (let q = s; q < queries.length; q += clients.length) await warm(c, queries[q]!);
    }),
  );
  const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const total = rate * seconds;
  const records: CallRecord[] = [];
  const inflight = new Set<Promise<void>>();
  const rss: [number, number][] = [];
  const loads: number[] = [];
  const health: number[] = [];
  let healthFailures = 0;
  const loadStart = loadavg()[0]!;
  const t0 = performance.now() + 200;
  const cpu0 = { main: cpuSeconds(pid, pid), server: cpuSeconds(pid), client: process.cpuUsage() };
  let sampling = true;

  const sampler = (async () => {
    let nextRss = t0;
    while (sampling) {
      const now = performance.now();
      if (now >= nextRss) {
        rss.push([(now - t0) / 60_000, rssMiB(pid)]);
        loads.push(loadavg()[0]!);
        nextRss += 1000;
      }
      const h = await healthProbe(server.url, healthAgent);
      if (sampling) {
        if (h.ok) health.push(h.ms);
        else healthFailures++;
      }
      await sleep(250);
    }
  })();

  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const started = performance.now();
    const client = clients[i % clients.length]!;
    const query = queries[(i * 7 + runNo) % queries.length]!;
    const p = client
      .search(query)
      .then(
        (ok) => records.push({ outcome: ok ? 'ok' : 'tool_error', ms: performance.now() - due, lagMs: started - due }),
        (e: unknown) => records.push({ ...classify(e), ms: performance.now() - due, lagMs: started - due }),
      )
      .then(() => void inflight.delete(p));
    inflight.add(p);
  }
  const scheduleEnd = performance.now();
  // every call has its own client timeout, so this ends; the bound is a guard against a hung client
  await Promise.race([Promise.all(inflight), sleep(timeoutMs + 30_000)]);
  const end = performance.now();
  const clientCpu = process.cpuUsage(cpu0.client);
  const cpu = {
    server_main_ms_per_call: ((cpuSeconds(pid, pid) - cpu0.main) * 1000) / total,
    server_ms_per_call: ((cpuSeconds(pid) - cpu0.server) * 1000) / total,
    client_ms_per_call: (clientCpu.user + clientCpu.system) / 1000 / total,
  };
  sampling = false;
  await sampler;
  const last = await healthProbe(server.url, healthAgent);
  healthAgent.destroy();
  const loadEnd = loadavg()[0]!;

  const counts: Record<Outcome, number> = { ok: 0, tool_error: 0, shed: 0, error: 0 };
  const errors: Record<string, number> = {};
  const shedStatuses: Record<string, number> = {};
  for (const r of records) {
    counts[r.outcome]++;
    if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;
    if (r.status) shedStatuses[String(r.status)] = (shedStatuses[String(r.status)] ?? 0) + 1;
  }
  const unanswered = total - records.length;
  if (unanswered > 0) {
    counts.error += unanswered;
    errors['no answer by the end of the run'] = unanswered;
  }
  const rssValues = rss.map(([, y]) => y).filter(Number.isFinite);
  let serverLoad: unknown;
  try {
    serverLoad = (JSON.parse(last.body) as { load?: unknown }).load;
  } catch {
    serverLoad = undefined;
  }
  return {
    rate,
    seconds,
    sessions: sessionCount,
    calls: total,
    counts,
    achieved_rate: total / ((scheduleEnd - t0) / 1000),
    goodput: counts.ok / ((end - t0) / 1000),
    ok_ms: latency(records.filter((r) => r.outcome === 'ok').map((r) => r.ms)),
    shed_ms: latency(records.filter((r) => r.outcome === 'shed').map((r) => r.ms)),
    all_ms: latency(records.map((r) => r.ms)),
    lag_ms: latency(records.map((r) => r.lagMs)),
    health_ms: latency(health),
    health_failures: healthFailures,
    rss_mib: {
      start: rssValues[0] ?? NaN,
      max: Math.max(...rssValues),
      end: rssValues[rssValues.length - 1] ?? NaN,
      slope_mib_per_min: slope(rss),
      samples: rssValues.map((v) => Math.round(v)),
    },
    load_avg_1m: { start: loadStart, median: median(loads), end: loadEnd },
    errors,
    shed_statuses: shedStatuses,
    server_load: serverLoad,
    cpu,
  };
}

const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '–');

function row(r: RunResult, label: string): string {
  return `| ${label} | ${r.calls} | ${f(r.achieved_rate)} | ${f(r.goodput)} | ${r.counts.ok} | ${r.counts.shed} | ${r.counts.error + r.counts.tool_error} | ${f(r.ok_ms.p50)} | ${f(r.ok_ms.p95)} | ${f(r.ok_ms.p99)} | ${r.shed_ms.n > 0 ? f(r.shed_ms.max) : "–"} | ${f(r.health_ms.p50)} / ${f(r.health_ms.max)} | ${f(r.rss_mib.start, 0)} → ${f(r.rss_mib.max, 0)} → ${f(r.rss_mib.end, 0)} (${f(r.rss_mib.slope_mib_per_min)}/min) | ${f(r.lag_ms.p99)} | ${f(r.cpu.server_main_ms_per_call, 2)} / ${f(r.cpu.server_ms_per_call, 2)} / ${f(r.cpu.client_ms_per_call, 2)} | ${f(r.load_avg_1m.median, 2)} |`;
}

ensureIndex();
const queries = readGolden(resolve(root, '..', 'shared', 'eval', 'node-dev-golden.jsonl')).map((q) => q.query);
const machine = machineInfo();
log(`load: ${rate} calls/s for ${seconds} s over ${sessionCount} ${clientKind} sessions, ${runs} run(s); server env ${JSON.stringify(serverEnv)}`);
const results: RunResult[] = [];
for (let run = 0; run < runs; run++) {
  const r = await oneRun(queries, run);
  results.push(r);
  log(`run ${run + 1}: ok ${r.counts.ok}, shed ${r.counts.shed}, errors ${r.counts.error + r.counts.tool_error}; ok p99 ${f(r.ok_ms.p99)} ms; /health max ${f(r.health_ms.max)} ms; CPU ms/call main ${f(r.cpu.server_main_ms_per_call, 2)}, server ${f(r.cpu.server_ms_per_call, 2)}, client ${f(r.cpu.client_ms_per_call, 2)}; load ${f(r.load_avg_1m.median, 2)}`);
  if (Object.keys(r.errors).length > 0) log(`  errors: ${JSON.stringify(r.errors)}`);
}
const mid = medianRun(results, (r) => r.ok_ms.p99);

if (opts.json) {
  process.stdout.write(JSON.stringify({ machine, client: clientKind, server_env: serverEnv, runs: results, median_run: results.indexOf(mid) }, null, 2) + '\n');
} else {
  const out = [
    `${machine.date}, commit ${machine.commit}, ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; ${clientKind} client; server env ${JSON.stringify(serverEnv)}`,
    '',
    '| run | calls | started/s | ok/s | ok | shed | errors | ok p50 ms | ok p95 ms | ok p99 ms | slowest 503 ms | /health p50 / max ms | server RSS MiB start → max → end (slope) | client lag p99 ms | CPU ms per call: server main / server all / client | load avg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|',
    ...results.map((r, i) => row(r, String(i + 1) + (results.length > 1 && r === mid ? ' (median)' : ''))),
    '',
    `server counters (median run): ${JSON.stringify(mid.server_load)}`,
    ...(Object.keys(mid.errors).length > 0 ? [`errors (median run): ${JSON.stringify(mid.errors)}`] : []),
  ];
  process.stdout.write(out.join('\n') + '\n');
}
