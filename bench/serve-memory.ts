/**
 * Memory of `docgraph serve` under sustained calls: closed-loop callers over
 * MCP Streamable HTTP sessions, then per phase the server's RSS and what its
 * resumability log holds (/health). Run with --trace-gc to see the live heap
 * after each mark-compact, the figure that tells a leak from heap growth.
 *
 *   npm run build
 *   node --import tsx bench/serve-memory.ts [PHASES=6] [CALLS_PER_PHASE=1500] [SESSIONS=10] [snap]
 *   SERVE_FLAGS=--trace-gc SERVE_OUT=1 node --import tsx bench/serve-memory.ts 6 1500 10 > gc.txt
 *
 * `snap` writes a heap snapshot after each phase (SIGUSR2) into the current
 * folder. Uses the Node.js docs index of bench/load.ts
 * (/tmp/docgraph-bench/node.db; run bench/load.ts once to build it).
 * DOCGRAPH_EVENT_STORE_MAX_BYTES is passed through, other DOCGRAPH_* are not.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readGolden } from '../src/eval/golden.js';

const root = resolve(import.meta.dirname, '..');
const phases = Number(process.argv[2] ?? 6);
const perPhase = Number(process.argv[3] ?? 1500);
const sessions = Number(process.argv[4] ?? 10);
const snap = process.argv[5] === 'snap';
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (!k.startsWith('DOCGRAPH_') || k === 'DOCGRAPH_EVENT_STORE_MAX_BYTES')) env[k] = v;
const flags = (process.env.SERVE_FLAGS ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...flags, '--heapsnapshot-signal=SIGUSR2', join(root, 'bin', 'docgraph.js'), '--index', '/tmp/docgraph-bench/node.db', 'serve', '--port', '0'], {
  env,
  stdio: ['ignore', process.env.SERVE_OUT ? 'inherit' : 'ignore', 'pipe'],
});
let err = '';
const url = await new Promise<string>((ok, fail) => {
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /listening on (http:\/\/\S+) /.exec(err);
    if (m) ok(m[1]!);
  });
  child.once('exit', (code) => fail(new Error(`serve exited with ${code}:\n${err}`)));
});
const queries = readGolden(join(root, '..', 'shared', 'eval', 'node-dev-golden.jsonl')).map((q) => q.query);
const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
const clients = await Promise.all(
  Array.from({ length: sessions }, async () => {
    const c = new Client({ name: 'docgraph-serve-memory', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(url + '/mcp')));
    return c;
  }),
);
let n = 0;
let shed = 0;
for (let p = 0; p < phases; p++) {
  await Promise.all(
    clients.map(async (c, i) => {
      for (let k = 0; k < perPhase / sessions; k++) {
        try {
          await c.callTool({ name: 'search_docs', arguments: { query: queries[(n++ * 7 + i) % queries.length]! } });
        } catch {
          shed++;
        }
      }
    }),
  );
  const health = (await (await fetch(url + '/health')).json()) as { event_store: unknown };
  let heap = '';
  if (snap) {
    const before = new Set(readdirSync('.'));
    child.kill('SIGUSR2');
    for (let t = 0; t < 120 && heap === ''; t++) {
      await sleep(500);
      heap = readdirSync('.').find((f) => f.endsWith('.heapsnapshot') && !before.has(f)) ?? '';
    }
  }
  console.log(`phase ${p}: calls ${(p + 1) * perPhase}, shed ${shed}, RSS ${rss().toFixed(0)} MiB, event store ${JSON.stringify(health.event_store)} ${heap}`);
}
await Promise.all(clients.map((c) => c.close()));
child.kill('SIGTERM');
