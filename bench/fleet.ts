/**
 * Fleet change latency: a file saved → found by `search_docs` on every
 * replica. The Node.js docs in a fresh PostgreSQL database, Redis for the
 * shared cache and notifications, three `docgraph serve --no-worker`
 * replicas and one `docgraph watch` (which queues the change and runs the
 * worker), all real processes. Each edit appends a word no page holds to a
 * random page; each replica is asked for that word every 20 ms (MCP over
 * HTTP) until its first hit is the page. Before the edits, every replica is
 * asked every query of the golden set (the Node dev set by default) and the
 * answers (uri, anchor, score of each hit) must be the same on all three.
 *
 *   node --import tsx bench/fleet.ts [--edits 30] [--corpus ~/.cache/docgraph-corpora/node]
 *     [--golden ../shared/eval/node-dev-golden.jsonl]
 *     [--store postgres://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { openBackend } from '../src/app/backend.js';
import { readGolden } from '../src/eval/golden.js';
import { machineInfo } from './lib/machine.js';
import { latency } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    edits: { type: 'string', default: '30' },
    corpus: { type: 'string', default: join(homedir(), '.cache', 'docgraph-corpora', 'node') },
    golden: { type: 'string', default: resolve(import.meta.dirname, '..', '..', 'shared', 'eval', 'node-dev-golden.jsonl') },
    store: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const EDITS = Number(values.edits);
const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'run.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCGRAPH_')));

// a database of its own on the server
const pg = (await import('pg')).default;
const dbName = `dgbench_fleet_${process.pid}`;
const admin = new pg.Client({ connectionString: values.store });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const storeUrl = new URL(values.store!);
storeUrl.pathname = '/' + dbName;

const dir = mkdtempSync(join(tmpdir(), 'docgraph-bench-fleet-'));
const docs = join(dir, 'docs');
cpSync(values.corpus!, docs, { recursive: true });
writeFileSync(join(dir, 'docgraph.config.yaml'), stringify({ store: storeUrl.toString(), redis: values.redis }));
const pages = readdirSync(docs).filter((f) => f.endsWith('.md'));

const children: ChildProcess[] = [];
function start(args: string[], ready: RegExp, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn('node', ['--import', TSX, CLI, ...args], { cwd: dir, env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (ready.test(err)) {
        clearInterval(t);
        resolve({ child, stderr: () => err });
      } else if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`docgraph ${args.join(' ')} exited:\n${err}`));
      }
    }, 20);
  });
}

try {
  const t0 = performance.now();
  const ingest = spawn('node', ['--import', TSX, CLI, 'ingest', 'docs'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  if ((await new Promise((r) => ingest.once('exit', r))) !== 0) throw new Error('ingest failed');
  const ingestS = (performance.now() - t0) / 1000;

  const replicas: Client[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await start(['serve', '--port', '0', '--no-worker'], /listening on http:\/\/\S+ /);
    const url = /listening on (http:\/\/\S+) /.exec(s.stderr())![1]!;
    const client = new Client({ name: 'fleet-bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url + '/mcp')));
    replicas.push(client);
  }
  // every replica answers the dev queries alike (graph mode, the default of search_docs). The replicas
  // share Redis's result cache, so each replica's turn starts with this index's cached searches deleted:
  // every answer compared is computed by the replica that gives it.
  const answer = async (client: Client, query: string): Promise<string> => {
    const r = (await client.callTool({ name: 'search_docs', arguments: { query, limit: 10 } })) as CallToolResult;
    if (r.isError) throw new Error(`search_docs failed for ${JSON.stringify(query)}: ${JSON.stringify(r.content)}`);
    const hits = (r.structuredContent as { hits?: { uri: string; anchor: string; score: number }[] } | undefined)?.hits ?? [];
    return JSON.stringify(hits.map((h) => [h.uri, h.anchor, h.score]));
  };
  const backend = await openBackend({ store: storeUrl.toString() });
  const cachedSearches = `docgraph:${backend.key}:search:*`;
  await backend.close();
  const { Redis } = await import('ioredis');
  const redis = new Redis(values.redis!);
  const forgetCached = async (): Promise<void> => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', cachedSearches, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(keys);
    } while (cursor !== '0');
  };
  const golden = readGolden(values.golden!);
  const answers: string[][] = [];
  for (const client of replicas) {
    await forgetCached();
    const mine: string[] = [];
    for (const g of golden) mine.push(await answer(client, g.query));
    answers.push(mine);
  }
  redis.disconnect();
  let differ = 0;
  golden.forEach((g, i) => {
    if (answers.some((a) => a[i] !== answers[0]![i])) {
      differ++;
      console.error(`replicas differ on ${g.id}: ${JSON.stringify(g.query)}`);
    }
  });
  const empty = answers[0]!.filter((a) => a === '[]').length;
  const agreement = `${golden.length} dev queries (${values.golden}) asked of each replica: ${differ} answered differently, ${empty} with no hits`;

  // info logs: each 'job completed' line carries the time the job's write was committed (epoch ms)
  const watch = await start(['watch', 'docs'], /watching/, { DOCGRAPH_LOG_LEVEL: 'info' });
  const completions = (): number[] =>
    watch
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"job completed"'))
      .map((l) => (JSON.parse(l) as { time: number }).time);

  const firstHit = async (client: Client, word: string): Promise<string | undefined> => {
    const r = (await client.callTool({ name: 'search_docs', arguments: { query: word, limit: 1 } })) as CallToolResult;
    return (r.structuredContent as { hits?: { uri: string }[] } | undefined)?.hits?.[0]?.uri;
  };
  const all: number[] = [];
  const each: number[] = [];
  const afterCommit: number[] = [];
  for (let e = 0; e < EDITS; e++) {
    const page = pages[Math.floor(Math.random() * pages.length)]!;
    const word = `zqfleet${e}x${process.pid}`;
    const saved = performance.now();
    const savedAt = Date.now();
    const doneBefore = completions().length;
    appendFileSync(join(docs, page), `\n\nFleet edit ${e}: ${word}.\n`);
    const found = await Promise.all(
      replicas.map(async (client) => {
        const deadline = Date.now() + 60_000;
        while ((await firstHit(client, word)) !== page) {
          if (Date.now() > deadline) throw new Error(`edit ${e} (${page}) not found within 60 s`);
          await sleep(20);
        }
        return performance.now() - saved;
      }),
    );
    each.push(...found);
    all.push(Math.max(...found));
    // committed → found everywhere: what the fleet adds to a single process's save → committed
    const committedAt = completions()[doneBefore];
    if (committedAt !== undefined) afterCommit.push(savedAt + Math.max(...found) - committedAt);
    await sleep(100 + Math.random() * 200);
  }
  const a = latency(all);
  const r = latency(each);
  const m = machineInfo();
  console.log(`fleet change latency: ${EDITS} edits to the Node.js docs (${pages.length} pages, ingest into PostgreSQL ${ingestS.toFixed(1)} s), 3 serve replicas + docgraph watch, PostgreSQL + Redis`);
  console.log(`machine: ${m.cpus} × ${m.cpuModel}, ${m.ramGiB} GiB, node ${m.node}, commit ${m.commit}, ${m.date}, load average ${loadavg()[0]!.toFixed(1)}`);
  console.log(`| saved → found | n | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|`);
  console.log(`| on every replica | ${a.n} | ${a.p50.toFixed(0)} | ${a.p95.toFixed(0)} | ${a.p99.toFixed(0)} | ${a.max.toFixed(0)} |`);
  console.log(`| on one replica | ${r.n} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} |`);
  const c = latency(afterCommit);
  console.log(`| committed → found on every replica | ${c.n} | ${c.p50.toFixed(0)} | ${c.p95.toFixed(0)} | ${c.p99.toFixed(0)} | ${c.max.toFixed(0)} |`);
  console.log(agreement);
  for (const c of replicas) await c.close();
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  rmSync(dir, { recursive: true, force: true });
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
