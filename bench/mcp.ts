/**
 * MCP round trip: search_docs latency over stdio and over Streamable HTTP,
 * against the same search run in-process, on the Node.js API docs.
 *
 *   node --import tsx bench/mcp.ts [--index /tmp/docgraph-bench/node.db] [--rounds 5] [--repeat 3]
 *     [--cli PATH/bin/docgraph.js] [--no-http] [--cpu-prof DIR] [--server-timing] [--search-threads N] [--json]
 *
 * The servers are real child processes running the built CLI (`--cli`,
 * default this checkout's bin/docgraph.js, which runs dist/: run `npm run
 * build` first), talking to the SDK's client: `docgraph mcp` over stdio and
 * `docgraph serve` over Streamable HTTP. `--cli` pointing at another
 * checkout's build measures that build's servers against the same in-process
 * search, for before/after pairs. `--cpu-prof DIR` starts the stdio server
 * under `node --cpu-prof` (the profile is written when the bench closes it).
 * `--server-timing` preloads bench/lib/stdio-timing.mjs into the stdio server
 * and reports its residence per search_docs (request chunk in → the
 * response's write starts): what of the round trip is the server's, the rest being the pipe,
 * the wake-ups and the client.
 *
 * Builds the index with the CLI from `../shared/eval/get-corpus.sh node` when
 * it does not exist yet. Queries are the 40 of the dev golden set.
 *
 * Latency: every path is warmed up first; then, for each round and query,
 * each path runs once, in an order rotated per query (interleaved, so drift
 * and cache effects hit all paths alike); a sample is the best of --repeat
 * back-to-back calls, which keeps spikes from other load on a shared machine
 * out. The paths: in-process search (app.search, as search_docs asks it: wall
 * and this process's CPU), the same server in-process (InMemoryTransport),
 * and per transport an MCP `ping` (the floor: one request and an empty answer
 * through the same pipe or socket and the same SDK code) and search_docs.
 * Overhead is the paired difference per query (search_docs round trip −
 * in-process search, in the same slot), read against the ping floor.
 *
 * CPU: then, per round, each path runs every query once more while the CPU
 * time of the server child (all its threads, /proc/PID/task/* /schedstat, ns)
 * and of this process (the client) is read before and after: CPU per call,
 * the median over rounds. On a loaded machine CPU time is the steadier figure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { percentile, readGolden } from '../src/eval/golden.js';
import { createMcpServer } from '../src/mcp/server.js';
import { median } from './lib/stats.js';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const cli = resolve(flag('--cli') ?? join(root, 'bin', 'docgraph.js'));
const indexPath = resolve(flag('--index') ?? '/tmp/docgraph-bench/node.db');
const rounds = Number(flag('--rounds') ?? 5);
const repeat = Number(flag('--repeat') ?? 3);
const cpuProfDir = flag('--cpu-prof');
const http = !args.includes('--no-http');
const serverTiming = args.includes('--server-timing');
const timingFile = join(tmpdir(), `docgraph-bench-stdio-timing-${process.pid}.json`);
const json = args.includes('--json');
/** The servers' server.searchThreads (0: searches on the event loop); default theirs. */
const searchThreadsFlag = flag('--search-threads');
const golden = resolve(root, '..', 'shared', 'eval', 'node-dev-golden.jsonl');
const log = (s: string): void => void process.stderr.write(s + '\n');

function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DOCGRAPH_')) env[k] = v;
  if (searchThreadsFlag !== undefined) env.DOCGRAPH_SEARCH_THREADS = searchThreadsFlag;
  return env;
}

/** Refuses a CLI whose dist/ is missing, and warns when a source file is newer than the build (a stale dist measures old code). */
function checkBuild(): void {
  const pkg = resolve(dirname(cli), '..');
  const dist = join(pkg, 'dist', 'cli', 'main.js');
  if (!existsSync(dist)) throw new Error(`${cli}: ${dist} is missing; run npm run build in ${pkg}`);
  const built = statSync(dist).mtimeMs;
  const src = join(pkg, 'src');
  const newer = existsSync(src)
    ? readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && statSync(join(src, f)).mtimeMs > built)
    : [];
  if (newer.length > 0) log(`warning: ${newer.length} file(s) in ${src} are newer than ${dist} (${newer.slice(0, 3).join(', ')}): run npm run build`);
}

function ensureIndex(): void {
  if (existsSync(indexPath)) return;
  const corpus = execFileSync('bash', [join(root, '..', 'shared', 'eval', 'get-corpus.sh'), 'node'], { encoding: 'utf8' }).trim();
  log(`ingesting ${corpus} into ${indexPath} ...`);
  mkdirSync(dirname(indexPath), { recursive: true });
  execFileSync(process.execPath, [cli, '--index', indexPath, 'ingest', corpus], { stdio: ['ignore', 'inherit', 'inherit'], env: childEnv() });
}

/** CPU time of a process, all threads, in ms (Linux schedstat: ns on the CPU). */
function processCpuMs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

const selfCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Path {
  name: string;
  /** What a call does: search (query-dependent) or ping (the transport's floor). */
  kind: 'search' | 'ping';
  /** The server child whose CPU a call costs, when there is one. */
  pid?: number;
  run: (query: string) => Promise<unknown>;
  close: () => Promise<void>;
}

async function connect(transport: StdioClientTransport | StreamableHTTPClientTransport | InMemoryTransport): Promise<Client> {
  const client = new Client({ name: 'docgraph-bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** search_docs and ping through one client: two paths sharing a connection (closed by the search path). */
function clientPaths(label: string, client: Client, pid: number | undefined, close: () => Promise<void>): Path[] {
  return [
    {
      name: `${label} ping`,
      kind: 'ping',
      ...(pid !== undefined ? { pid } : {}),
      run: () => client.ping(),
      close: async () => undefined,
    },
    {
      name: `${label} search_docs`,
      kind: 'search',
      ...(pid !== undefined ? { pid } : {}),
      run: async (query) => {
        const r = await client.callTool({ name: 'search_docs', arguments: { query } });
        if (r.isError) throw new Error(`${label}: ${JSON.stringify(r.content)}`);
        return r;
      },
      close: async () => {
        await client.close();
        await close();
      },
    },
  ];
}

async function startServe(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [cli, '--index', indexPath, 'serve', '--port', '0'], { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((ok, fail) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+) /.exec(err);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`serve exited ${code}: ${err}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((ok) => {
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}

/** Waits for a child to exit (so --cpu-prof has written its profile). */
function exited(pid: number): Promise<void> {
  return new Promise((ok) => {
    const poll = (): void => {
      try {
        process.kill(pid, 0);
        setTimeout(poll, 50);
      } catch {
        ok();
      }
    };
    poll();
  });
}

interface Stat {
  p50: number;
  p95: number;
}
function stat(samples: readonly number[]): Stat {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p95: percentile(s, 0.95) };
}
const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

checkBuild();
ensureIndex();
const queries = readGolden(golden).map((q) => q.query);
const config = loadConfig({ overrides: { index: indexPath } });
const app = await App.open(config);
const status = await app.status();

const [memClient, memServer] = InMemoryTransport.createLinkedPair();
const inMemory = createMcpServer({ app, tokenBudget: config.server.tokenBudget });
await inMemory.connect(memServer);
const stdioTransport = new StdioClientTransport({
  command: process.execPath,
  args: [
    ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(cpuProfDir)] : []),
    ...(serverTiming ? ['--import', join(import.meta.dirname, 'lib', 'stdio-timing.mjs')] : []),
    cli,
    '--index',
    indexPath,
    'mcp',
  ],
  env: { ...childEnv(), ...(serverTiming ? { BENCH_STDIO_TIMING: timingFile } : {}) },
});
const stdioClient = await connect(stdioTransport);
const stdioPid = stdioTransport.pid!;
const serve = http ? await startServe() : undefined;

/** The in-process search's CPU per sample (this process), recorded beside its wall time. */
let lastCpuMs = 0;
const inProcess: Path = {
  name: 'in-process search (app.search)',
  kind: 'search',
  run: async (q) => {
    const c0 = selfCpuMs();
    // what search_docs asks of the app for a default page (limit 10 + 1 to know whether more follow)
    const r = await app.search(q, { limit: 11 });
    lastCpuMs = selfCpuMs() - c0;
    return r;
  },
  close: async () => undefined,
};
const memPaths = clientPaths('in-process MCP (InMemoryTransport)', await connect(memClient), undefined, () => inMemory.close());
const paths: Path[] = [
  inProcess,
  memPaths[1]!,
  ...clientPaths('stdio (docgraph mcp)', stdioClient, stdioPid, async () => undefined),
  ...(serve ? clientPaths('Streamable HTTP (docgraph serve)', await connect(new StreamableHTTPClientTransport(new URL(serve.url + '/mcp'))), serve.pid, serve.stop) : []),
];
const stdioPing = paths.find((p) => p.name === 'stdio (docgraph mcp) ping')!;
const stdioSearch = paths.find((p) => p.name === 'stdio (docgraph mcp) search_docs')!;

log(`server: ${cli}${cpuProfDir ? ` (stdio child under --cpu-prof, profile in ${cpuProfDir})` : ''}`);
log(`warming up (${queries.length} queries × ${paths.length} paths × 2) ...`);
for (let i = 0; i < 2; i++) for (const q of queries) for (const p of paths) await p.run(q);

const samples = new Map<Path, number[]>(paths.map((p) => [p, []]));
const deltas = new Map<Path, number[]>(paths.map((p) => [p, []]));
const inProcessCpu: number[] = [];
/** stdio search_docs − in-process search − stdio ping, per slot: what a search adds beyond the bare round trip. */
const beyondFloor: number[] = [];
log(`measuring latency: ${rounds} rounds ...`);
for (let r = 0; r < rounds; r++) {
  for (const [qi, q] of queries.entries()) {
    // rotate the order per query, so no path always runs first (cold) or last (after the others warmed the OS cache)
    const order = paths.map((_, i) => paths[(i + qi + r) % paths.length]!);
    const ms = new Map<Path, number>();
    let cpuOfBest = 0;
    for (const p of order) {
      // the best of `repeat` back-to-back calls: a warm call, with spikes from other load on the machine filtered out
      let best = Infinity;
      for (let k = 0; k < repeat; k++) {
        const t0 = performance.now();
        await p.run(q);
        const t = performance.now() - t0;
        if (t < best) {
          best = t;
          if (p === inProcess) cpuOfBest = lastCpuMs;
        }
      }
      ms.set(p, best);
    }
    inProcessCpu.push(cpuOfBest);
    for (const p of paths) {
      samples.get(p)!.push(ms.get(p)!);
      if (p.kind === 'search') deltas.get(p)!.push(ms.get(p)! - ms.get(inProcess)!);
    }
    beyondFloor.push(ms.get(stdioSearch)! - ms.get(inProcess)! - ms.get(stdioPing)!);
  }
}

// CPU per call: each path runs every query once per round, the server child's and this process's CPU read around the batch
log(`measuring CPU: ${rounds} rounds ...`);
const serverCpu = new Map<Path, number[]>(paths.map((p) => [p, []]));
const clientCpu = new Map<Path, number[]>(paths.map((p) => [p, []]));
for (let r = 0; r < rounds; r++) {
  for (const p of paths) {
    const s0 = p.pid !== undefined ? processCpuMs(p.pid) : 0;
    const c0 = selfCpuMs();
    for (const q of queries) await p.run(q);
    const c1 = selfCpuMs();
    const s1 = p.pid !== undefined ? processCpuMs(p.pid) : 0;
    clientCpu.get(p)!.push((c1 - c0) / queries.length);
    if (p.pid !== undefined) serverCpu.get(p)!.push((s1 - s0) / queries.length);
  }
}

for (const p of paths.slice().reverse()) await p.close();
await app.close();
if (cpuProfDir || serverTiming) await exited(stdioPid);
/** The stdio server's residence per search_docs in the latency phase (after the warm-up's two passes), every call. */
let residence: { all: Stat; write: Stat } | undefined;
if (serverTiming) {
  const calls = (JSON.parse(readFileSync(timingFile, 'utf8')) as { residenceMs: number; writeMs: number }[]).slice(2 * queries.length, (2 + rounds * repeat) * queries.length);
  rmSync(timingFile, { force: true });
  residence = { all: stat(calls.map((c) => c.residenceMs)), write: stat(calls.map((c) => c.writeMs)) };
}

const rows = paths.map((p) => ({
  path: p.name,
  kind: p.kind,
  n: samples.get(p)!.length,
  ...stat(samples.get(p)!),
  overhead: p.kind === 'search' && p !== inProcess ? stat(deltas.get(p)!) : undefined,
  cpuMsPerCall: { client: median(clientCpu.get(p)!), server: p.pid !== undefined ? median(serverCpu.get(p)!) : undefined },
}));
const inProcessCpuStat = stat(inProcessCpu);
const stdioRow = rows.find((r) => r.path === stdioSearch.name)!;
const pingRow = rows.find((r) => r.path === stdioPing.name)!;
const inProcessRow = rows[0]!;
const summary = {
  stdioOverhead: stdioRow.overhead!,
  stdioPingFloor: { p50: pingRow.p50, p95: pingRow.p95 },
  stdioBeyondFloor: stat(beyondFloor),
  inProcessSearch: { wall: { p50: inProcessRow.p50, p95: inProcessRow.p95 }, cpu: inProcessCpuStat, cpuMsPerCall: inProcessRow.cpuMsPerCall.client },
  stdioServerCpuMsPerCall: { search: stdioRow.cpuMsPerCall.server!, ping: pingRow.cpuMsPerCall.server! },
  /** Server child CPU per search_docs − in-process search CPU per call: what serving it over stdio costs the server in CPU. */
  stdioServerCpuOverheadMs: stdioRow.cpuMsPerCall.server! - inProcessRow.cpuMsPerCall.client,
  ...(residence ? { stdioServerResidence: residence } : {}),
};
const machine = { date: new Date().toISOString().slice(0, 10), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg1m: Math.round(loadavg()[0]! * 10) / 10 };
if (json) {
  process.stdout.write(JSON.stringify({ machine, cli, index: { documents: status.documents, sections: status.sections }, queries: queries.length, rounds, repeat, rows, summary }, null, 2) + '\n');
} else {
  const s = summary;
  const lines = [
    `search_docs round trip, warm (best of ${repeat}), ${queries.length} queries × ${rounds} rounds; index: ${status.documents} documents, ${status.sections} sections; server ${cli};`,
    `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.date}, load average ${machine.loadavg1m} during the run`,
    '',
    '| path | n | p50 ms | p95 ms | overhead p50 ms | overhead p95 ms | server child CPU ms/call | bench process CPU ms/call |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.path} | ${r.n} | ${f(r.p50)} | ${f(r.p95)} | ${r.overhead ? f(r.overhead.p50) : '–'} | ${r.overhead ? f(r.overhead.p95) : '–'} | ${r.cpuMsPerCall.server === undefined ? '–' : f(r.cpuMsPerCall.server)} | ${f(r.cpuMsPerCall.client)} |`,
    ),
    '',
    `in-process search: wall p50 ${f(s.inProcessSearch.wall.p50)} / p95 ${f(s.inProcessSearch.wall.p95)} ms, CPU p50 ${f(s.inProcessSearch.cpu.p50)} / p95 ${f(s.inProcessSearch.cpu.p95)} ms`,
    `stdio: overhead p50 ${f(s.stdioOverhead.p50)} / p95 ${f(s.stdioOverhead.p95)} ms; ping floor p50 ${f(s.stdioPingFloor.p50)} / p95 ${f(s.stdioPingFloor.p95)} ms; beyond the floor p50 ${f(s.stdioBeyondFloor.p50)} / p95 ${f(s.stdioBeyondFloor.p95)} ms`,
    `stdio server CPU per call: search_docs ${f(s.stdioServerCpuMsPerCall.search)} ms, ping ${f(s.stdioServerCpuMsPerCall.ping)} ms; over in-process search ${f(s.stdioServerCpuOverheadMs)} ms`,
    ...(s.stdioServerResidence
      ? [`stdio server residence per search_docs (every call, request in → response write starts): p50 ${f(s.stdioServerResidence.all.p50)} / p95 ${f(s.stdioServerResidence.all.p95)} ms; the stdout write p50 ${f(s.stdioServerResidence.write.p50)} / p95 ${f(s.stdioServerResidence.write.p95)} ms`]
      : []),
    '',
    'overhead = per-query difference from in-process app.search in the same slot (median and 95th percentile of those differences);',
    'beyond the floor = stdio search_docs − in-process search − stdio ping in the same slot; CPU per call = median over rounds of a batch of every query;',
    'bench process CPU is the client\'s for a child server, and the whole call (search, tool layer, SDK both sides) for the in-process rows.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
