/**
 * MCP round trip: search_docs latency over stdio and over Streamable HTTP,
 * against the same search run in-process, on the Node.js API docs.
 *
 *   node --import tsx bench/mcp.ts [--index /tmp/docgraph-bench/node.db] [--rounds 5] [--repeat 3] [--json]
 *
 * Builds the index from `../shared/eval/get-corpus.sh node` when it does not
 * exist yet. Queries are the 40 of the dev golden set. Every path is warmed
 * up first; then, for each round and query, each path runs once, in an
 * order rotated per query (interleaved, so drift and cache effects hit all
 * paths alike); a sample is the best of --repeat back-to-back calls, which
 * keeps spikes from other load on a shared machine out. The servers are real child
 * processes (`docgraph mcp`, `docgraph serve`) talking to the SDK's client.
 *
 * Overhead is the paired difference per query (path − in-process search),
 * whose median is the protocol's cost at p50.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { percentile, readGolden } from '../src/eval/golden.js';
import { createMcpServer } from '../src/mcp/server.js';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'src', 'cli', 'run.ts');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const indexPath = resolve(flag('--index') ?? '/tmp/docgraph-bench/node.db');
const rounds = Number(flag('--rounds') ?? 5);
const repeat = Number(flag('--repeat') ?? 3);
const json = args.includes('--json');
const golden = resolve(root, '..', 'shared', 'eval', 'node-dev-golden.jsonl');
const log = (s: string): void => void process.stderr.write(s + '\n');

interface Path {
  name: string;
  run: (query: string) => Promise<unknown>;
  close: () => Promise<void>;
}

function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DOCGRAPH_')) env[k] = v;
  return env;
}

async function ensureIndex(): Promise<void> {
  if (existsSync(indexPath)) return;
  const corpus = execFileSync('bash', [join(root, '..', 'shared', 'eval', 'get-corpus.sh'), 'node'], { encoding: 'utf8' }).trim();
  log(`ingesting ${corpus} into ${indexPath} ...`);
  mkdirSync(dirname(indexPath), { recursive: true });
  execFileSync('node', ['--import', 'tsx', cli, '--index', indexPath, 'ingest', corpus], { stdio: ['ignore', 'inherit', 'inherit'], env: childEnv() });
}

async function mcpClient(transport: StdioClientTransport | StreamableHTTPClientTransport | InMemoryTransport): Promise<Client> {
  const client = new Client({ name: 'docgraph-bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function toolPath(name: string, client: Client, close: () => Promise<void>): Promise<Path> {
  return {
    name,
    run: async (query) => {
      const r = await client.callTool({ name: 'search_docs', arguments: { query } });
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
      return r;
    },
    close: async () => {
      await client.close();
      await close();
    },
  };
}

async function startServe(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn('node', ['--import', 'tsx', cli, '--index', indexPath, 'serve', '--port', '0'], { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
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
    stop: () =>
      new Promise((ok) => {
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}

function summary(samples: number[]): { p50: number; p95: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p95: percentile(s, 0.95), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const f = (n: number): string => n.toFixed(2);

await ensureIndex();
const queries = readGolden(golden).map((q) => q.query);
const config = loadConfig({ overrides: { index: indexPath } });
const app = await App.open(config);
const status = await app.status();

const [memClient, memServer] = InMemoryTransport.createLinkedPair();
const inMemory = createMcpServer({ app, tokenBudget: config.server.tokenBudget });
await inMemory.connect(memServer);
const serve = await startServe();
const paths: Path[] = [
  // what search_docs asks of the app for a default page (limit 10 + 1 to know whether more follow)
  { name: 'in-process search (app.search)', run: (q) => app.search(q, { limit: 11 }), close: async () => undefined },
  await toolPath('in-process MCP (InMemoryTransport)', await mcpClient(memClient), () => inMemory.close()),
  await toolPath('stdio (docgraph mcp)', await mcpClient(new StdioClientTransport({ command: 'node', args: ['--import', 'tsx', cli, '--index', indexPath, 'mcp'], env: childEnv() })), async () => undefined),
  await toolPath('Streamable HTTP (docgraph serve)', await mcpClient(new StreamableHTTPClientTransport(new URL(serve.url + '/mcp'))), serve.stop),
];

log(`warming up (${queries.length} queries × ${paths.length} paths × 2) ...`);
for (let i = 0; i < 2; i++) for (const q of queries) for (const p of paths) await p.run(q);

const samples = new Map<string, number[]>(paths.map((p) => [p.name, []]));
const deltas = new Map<string, number[]>(paths.map((p) => [p.name, []]));
log(`measuring ${rounds} rounds ...`);
for (let r = 0; r < rounds; r++) {
  for (const [qi, q] of queries.entries()) {
    // rotate the order per query, so no path always runs first (cold) or last (after the others warmed the OS cache)
    const order = paths.map((_, i) => paths[(i + qi + r) % paths.length]!);
    const ms = new Map<Path, number>();
    for (const p of order) {
      // the best of `repeat` back-to-back calls: a warm call, with spikes from other load on the machine filtered out
      let best = Infinity;
      for (let k = 0; k < repeat; k++) {
        const t0 = performance.now();
        await p.run(q);
        best = Math.min(best, performance.now() - t0);
      }
      ms.set(p, best);
    }
    for (const p of paths) {
      samples.get(p.name)!.push(ms.get(p)!);
      deltas.get(p.name)!.push(ms.get(p)! - ms.get(paths[0]!)!);
    }
  }
}
for (const p of paths.slice().reverse()) await p.close();
await app.close();

const rows = paths.map((p) => {
  const s = summary(samples.get(p.name)!);
  const d = summary(deltas.get(p.name)!);
  return { path: p.name, n: samples.get(p.name)!.length, ...s, overheadP50: d.p50, overheadP95: d.p95 };
});
const machine = { date: new Date().toISOString().slice(0, 10), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg1m: Math.round(loadavg()[0]! * 10) / 10 };
if (json) {
  process.stdout.write(JSON.stringify({ machine, index: { documents: status.documents, sections: status.sections }, queries: queries.length, rounds, repeat, rows }, null, 2) + '\n');
} else {
  const lines = [
    `search_docs round trip, warm (best of ${repeat}), ${queries.length} queries × ${rounds} rounds; index: ${status.documents} documents, ${status.sections} sections;`,
    `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.date}, load average ${machine.loadavg1m} during the run`,
    '',
    '| path | n | p50 ms | p95 ms | mean ms | overhead p50 ms | overhead p95 ms |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.path} | ${r.n} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.mean)} | ${r === rows[0] ? '–' : f(r.overheadP50)} | ${r === rows[0] ? '–' : f(r.overheadP95)} |`),
    '',
    'overhead = per-query difference from in-process app.search in the same round (median and 95th percentile of those differences).',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
