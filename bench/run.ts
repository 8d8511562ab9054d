/**
 * docgraph benchmarks (recorded in docs/benchmarks.md):
 *  - node:      ingest of the Node.js API docs (3 runs, median), re-ingest of the
 *               unchanged folder, warm search latency over the dev golden queries;
 *  - python:    the same on the Python 3.11 docs (Sphinx HTML, 46 MB) and their dev set;
 *  - synthetic: the same at ≥ 100,000 sections, on Markdown recombined from the
 *               Node.js docs (deterministic);
 *  - vectors:   the store's flat in-memory index against sqlite-vec at 10k and
 *               100k vectors of 384 dimensions.
 *
 *   npm run bench [-- --only node,python,synthetic,vectors] [-- --runs 3] [-- --sections 100000]
 *
 * Every ingest, search and vector step runs in its own child process, so each
 * peak RSS is that step's own. Prints Markdown tables; raw results go to
 * bench/.out/. The machine may be shared and noisy: medians are quoted, CPU
 * time is shown next to wall time, and only numbers from one run are compared.
 * Every search table has a floor row, "bm25 floor": the plain BM25 of
 * `docgraph eval` (one row per section, no fusion, no graph) timed in the same
 * process, so figures can be read as ratios to it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SEARCH_MODES, type SearchMode } from '../src/search/search.js';
import { scanFolder } from '../src/sources/filesystem.js';
import { runTask } from './lib/child.js';
import { machineInfo } from './lib/machine.js';
import { median, medianRun, mib, num, table } from './lib/stats.js';
import { writeSyntheticCorpus, type SyntheticCorpus } from './synthetic.js';
import type { IngestTaskResult } from './tasks/ingest.js';
import type { SearchTaskResult } from './tasks/search.js';
import type { PrepareResult, QueryResult, VectorImpl } from './tasks/vectors.js';

const repo = resolve(import.meta.dirname, '..');
const shared = resolve(repo, '..', 'shared', 'eval');
const PARTS = ['node', 'python', 'synthetic', 'vectors'] as const;
/** Every retrieval mode the product has, the default (first) included. */
const MODES: SearchMode[] = [...SEARCH_MODES];

/** The bars the product must reach (issue: benchmarks). */
const BARS = { nodeIngestSeconds: 10, nodeSearchP95Ms: 50, largeSearchP95Ms: 150, pythonIngestSeconds: 30, pythonSearchP95Ms: 10 };

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: PARTS.join(',') },
    runs: { type: 'string', default: '3' },
    'synthetic-runs': { type: 'string', default: '1' },
    sections: { type: 'string', default: '100000' },
    'sections-per-file': { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    'synthetic-rounds': { type: 'string', default: '3' },
    'vector-sizes': { type: 'string', default: '10000,100000' },
    'vector-queries': { type: 'string', default: '100' },
    limit: { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
    'timeout-min': { type: 'string', default: '15' },
    corpus: { type: 'string' },
    golden: { type: 'string', default: join(shared, 'node-dev-golden.jsonl') },
    out: { type: 'string', default: join(repo, 'bench', '.out') },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`usage: npm run bench -- [--only ${PARTS.join(',')}] [--runs 3] [--synthetic-runs 3] [--sections 100000]
  [--sections-per-file 50] [--rounds 5] [--synthetic-rounds 3] [--vector-sizes 10000,100000] [--vector-queries 100]
  [--limit 10] [--seed 42] [--corpus <dir>] [--golden <jsonl>] [--out bench/.out] [--keep]
  [--timeout-min 15] (longest one ingest or search step may run: raise it for --sections 1000000)`);
  process.exit(0);
}

function int(name: keyof typeof values, min: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number ≥ ${min}`);
    process.exit(2);
  }
  return n;
}

const only = new Set(String(values.only).split(',').map((s) => s.trim()));
for (const p of only) {
  if (!(PARTS as readonly string[]).includes(p)) {
    console.error(`--only: unknown part "${p}" (${PARTS.join(', ')})`);
    process.exit(2);
  }
}
const opts = {
  runs: int('runs', 1),
  syntheticRuns: int('synthetic-runs', 1),
  sections: int('sections', 100),
  sectionsPerFile: int('sections-per-file', 2),
  rounds: int('rounds', 1),
  syntheticRounds: int('synthetic-rounds', 1),
  vectorSizes: String(values['vector-sizes']).split(',').map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 200) {
      console.error('--vector-sizes must be whole numbers ≥ 200, comma-separated');
      process.exit(2);
    }
    return n;
  }),
  vectorQueries: int('vector-queries', 10),
  limit: int('limit', 1),
  seed: int('seed', 0),
  timeoutMs: int('timeout-min', 1) * 60_000,
};
const work = mkdtempSync(join(tmpdir(), 'docgraph-bench-'));
const started = performance.now();

interface IngestSummary {
  corpus: { files: number; bytes: number };
  runs: IngestTaskResult[];
  processSeconds: number[];
  median: {
    wallSeconds: number;
    cpuSeconds: number;
    processSeconds: number;
    sections: number;
    peakRssBytes: number;
    indexBytes: number;
    reingestSeconds: number;
    /** Phases of the median run (by wall time), so they add up to its wall time. */
    timings: Record<string, number> & { wallMs: number };
  };
}

interface Results {
  machine: ReturnType<typeof machineInfo>;
  options: typeof opts & { only: string[] };
  node?: { corpus: string; ingest: IngestSummary; search: SearchTaskResult; load: Load };
  python?: { corpus: string; ingest: IngestSummary; search: SearchTaskResult; load: Load };
  synthetic?: { corpus: SyntheticCorpus; ingest: IngestSummary; search: SearchTaskResult; load: Load };
  vectors?: { prepare: PrepareResult[]; query: QueryResult[]; agreement: { n: number; recall: number }[]; load?: Load };
  bars?: { bar: string; value: number; limit: number; pass: boolean }[];
  totalSeconds?: number;
}

/** 1-minute load average before and after a part: how busy the (shared) machine was. */
interface Load {
  start: number;
  end: number;
}

function loadNow(): number {
  return Math.round(loadavg()[0]! * 10) / 10;
}

const results: Results = { machine: machineInfo(), options: { ...opts, only: [...only] } };
const m = results.machine;
console.log(`# docgraph benchmarks, ${m.date}\n`);
console.log(`${m.cpus} × ${m.cpuModel}, ${m.ramGiB} GiB RAM, Node ${m.node} (${m.platform}), commit ${m.commit}\n`);

try {
  if (only.has('node')) {
    const corpus = values.corpus ?? execFileSync(join(shared, 'get-corpus.sh'), ['node'], { encoding: 'utf8' }).trim();
    const start = loadNow();
    const ingest = await ingestRuns('node', corpus, opts.runs);
    const search = await searchRun('node', opts.rounds, values.golden!, opts.runs);
    results.node = { corpus, ingest, search, load: { start, end: loadNow() } };
    print('Node.js API docs', ingest, search, results.node.load);
  }
  if (only.has('python')) {
    const corpus = execFileSync(join(shared, 'get-corpus.sh'), ['python'], { encoding: 'utf8' }).trim();
    const start = loadNow();
    const ingest = await ingestRuns('python', corpus, opts.runs);
    const search = await searchRun('python', opts.rounds, join(shared, 'python-dev-golden.jsonl'), opts.runs);
    results.python = { corpus, ingest, search, load: { start, end: loadNow() } };
    print('Python 3.11 docs', ingest, search, results.python.load);
  }
  if (only.has('synthetic')) {
    const corpusDir = join(work, 'synthetic-corpus');
    const source = values.corpus ?? execFileSync(join(shared, 'get-corpus.sh'), ['node'], { encoding: 'utf8' }).trim();
    const files = Math.ceil(opts.sections / opts.sectionsPerFile);
    log(`writing a synthetic corpus of ${files} files × ${opts.sectionsPerFile} sections`);
    const corpus = writeSyntheticCorpus(source, corpusDir, { files, sectionsPerFile: opts.sectionsPerFile, seed: opts.seed });
    const start = loadNow();
    const ingest = await ingestRuns('synthetic', corpusDir, opts.syntheticRuns);
    const search = await searchRun('synthetic', opts.syntheticRounds, values.golden!, opts.syntheticRuns);
    results.synthetic = { corpus, ingest, search, load: { start, end: loadNow() } };
    print(`Synthetic corpus (${num(corpus.files, 0)} files, ${num(ingest.median.sections, 0)} sections)`, ingest, search, results.synthetic.load);
    if (!values.keep) rmSync(corpusDir, { recursive: true, force: true });
  }
  if (only.has('vectors')) {
    const start = loadNow();
    results.vectors = await vectorRuns();
    results.vectors.load = { start, end: loadNow() };
    printVectors(results.vectors);
  }
  results.bars = bars(results);
  if (results.bars.length > 0) {
    console.log('\n## Bars\n');
    console.log(table(['bar', 'measured', 'limit', ''], results.bars.map((b) => [b.bar, num(b.value, 1), num(b.limit, 0), b.pass ? 'pass' : '**FAIL**']), ['l', 'r', 'r', 'l']));
  }
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  results.totalSeconds = (performance.now() - started) / 1000;
  mkdirSync(values.out!, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(results, null, 2);
  writeFileSync(join(values.out!, `bench-${stamp}.json`), json);
  writeFileSync(join(values.out!, 'latest.json'), json);
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
  log(`done in ${num(results.totalSeconds, 0)} s; raw results in ${join(values.out!, 'latest.json')}`);
}

function log(s: string): void {
  process.stderr.write(`[bench ${num((performance.now() - started) / 1000, 0)} s] ${s}\n`);
}

/** Ingests `dir` into a fresh index `runs` times (each in a child process); keeps the last index for the search run. */
async function ingestRuns(name: string, dir: string, runs: number): Promise<IngestSummary> {
  const scan = scanFolder(dir);
  const corpus = { files: scan.files.length, bytes: scan.files.reduce((n, f) => n + f.size, 0) };
  const out: IngestTaskResult[] = [];
  const processSeconds: number[] = [];
  for (let r = 0; r < runs; r++) {
    const indexDir = join(work, `${name}-index-${r}`);
    rmSync(indexDir, { recursive: true, force: true });
    log(`${name}: ingest run ${r + 1}/${runs}`);
    const { result, processSeconds: ps } = await runTask<IngestTaskResult>('ingest', { dir, index: join(indexDir, 'index.db') }, { timeoutMs: opts.timeoutMs, nodeArgs: ingestNodeArgs(name) });
    log(`${name}: ${num(result.fresh.report.sections, 0)} sections in ${num(result.fresh.wallSeconds, 2)} s`);
    out.push(result);
    processSeconds.push(ps);
    if (r < runs - 1) rmSync(indexDir, { recursive: true, force: true });
  }
  const med = (f: (x: IngestTaskResult) => number): number => median(out.map(f));
  return {
    corpus,
    runs: out,
    processSeconds,
    median: {
      wallSeconds: med((x) => x.fresh.wallSeconds),
      cpuSeconds: med((x) => x.fresh.cpuSeconds),
      processSeconds: median(processSeconds),
      sections: med((x) => x.fresh.report.sections),
      peakRssBytes: med((x) => x.peakRssBytes),
      indexBytes: med((x) => x.indexBytes),
      reingestSeconds: med((x) => x.reingest.wallSeconds),
      timings: breakdown(medianRun(out, (x) => x.fresh.wallSeconds)),
    },
  };
}

/**
 * An ingest holds every parsed record until its document is written: about
 * 5.3 KiB of JS heap a section (1M synthetic sections: 5.3 GiB after the
 * parse, 6–7 GiB in the write phase), past Node 20's default heap limit
 * (~4 GiB). Large synthetic runs get a heap of 8 KiB a section + 2 GiB.
 */
function ingestNodeArgs(name: string): string[] {
  if (name !== 'synthetic' || opts.sections < 300_000) return [];
  return [`--max-old-space-size=${Math.ceil((opts.sections * 8) / 1024) + 2048}`];
}

function breakdown(run: IngestTaskResult): IngestSummary['median']['timings'] {
  return { ...(run.fresh.report.timings ?? {}), wallMs: run.fresh.wallSeconds * 1000 };
}

async function searchRun(name: string, rounds: number, golden: string, runs: number): Promise<SearchTaskResult> {
  const index = join(work, `${name}-index-${runs - 1}`, 'index.db');
  log(`${name}: search latency, ${rounds} rounds`);
  const { result } = await runTask<SearchTaskResult>('search', { index, golden, rounds, limit: opts.limit, modes: MODES }, { timeoutMs: opts.timeoutMs });
  if (!values.keep) rmSync(join(index, '..'), { recursive: true, force: true });
  return result;
}

function print(title: string, ingest: IngestSummary, search: SearchTaskResult, load: Load): void {
  const x = ingest.median;
  const runs = ingest.runs.length;
  console.log(`\n## ${title}\n`);
  console.log(`1-minute load average: ${load.start} at the start, ${load.end} at the end (${m.cpus} CPUs).\n`);
  console.log(`Ingest into a fresh index, builtin embedder, median of ${runs} run${runs === 1 ? '' : 's'} (each in its own process):\n`);
  console.log(
    table(
      ['files', 'MB', 'sections', 'wall s', 'CPU s', 'files/s', 'sections/s', 'MB/s', 'peak RSS MiB', 'index MiB', 're-ingest s', 'process s'],
      [
        [
          num(ingest.corpus.files, 0),
          num(ingest.corpus.bytes / 1e6, 1),
          num(x.sections, 0),
          num(x.wallSeconds, 2),
          num(x.cpuSeconds, 2),
          num(ingest.corpus.files / x.wallSeconds, 0),
          num(x.sections / x.wallSeconds, 0),
          num(ingest.corpus.bytes / 1e6 / x.wallSeconds, 2),
          mib(x.peakRssBytes),
          mib(x.indexBytes),
          num(x.reingestSeconds, 2),
          num(x.processSeconds, 2),
        ],
      ],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  const t = x.timings;
  const total = t.wallMs;
  const phase = (label: string, ms: number | undefined, what: string): string[] => [label, num((ms ?? NaN) / 1000, 2), num((100 * (ms ?? NaN)) / total, 0) + ' %', what];
  console.log(`\nWhere the ingest time goes (the median run's phases, from the ingest report's timings):\n`);
  console.log(
    table(
      ['phase', 's', 'share', 'what'],
      [
        phase('parse', t.parseMs, 'read, checksum, Markdown/HTML → sections, records, lexical terms, entities and edges (all but links); on parse threads for runs ≥ 8 MB'),
        phase('fit', t.fitMs, 'link-anchor map, then fit the builtin embedder (IDF + LSA) on the corpus'),
        phase('embed', t.embedMs, 'embed every section'),
        phase('write', t.writeMs, 'resolve links, then SQLite: sections, FTS5, vectors, graph (one transaction per document)'),
        phase('other', total - ['parseMs', 'fitMs', 'embedMs', 'writeMs'].reduce((n, k) => n + (t[k] ?? 0), 0), 'open, migrate, deletes, close (WAL checkpoint)'),
      ],
      ['l', 'r', 'r', 'l'],
    ),
  );
  console.log(`\nWarm search, in process, ${search.queries} dev queries × ${search.rounds} rounds, limit ${search.limit} (ms):\n`);
  console.log(
    table(
      ['mode', 'p50', 'p95', 'p99', 'mean', 'CPU p50', 'CPU p95', 'first query'],
      [
        ...MODES.map((mode) => {
          const l = search.latency[mode]!;
          const c = search.cpu[mode]!;
          return [mode, num(l.p50), num(l.p95), num(l.p99), num(l.mean), num(c.p50), num(c.p95), num(search.firstMs[mode] ?? NaN, 0)];
        }),
        ['bm25 floor', num(search.floor.p50), num(search.floor.p95), num(search.floor.p99), num(search.floor.mean), '', '', ''],
        ...(search.fts5Floor
          ? [['fts5 floor', num(search.fts5Floor.latency.p50), num(search.fts5Floor.latency.p95), num(search.fts5Floor.latency.p99), num(search.fts5Floor.latency.mean), num(search.fts5Floor.cpu.p50), num(search.fts5Floor.cpu.p95), '']]
          : []),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(`\nSearch process peak RSS: ${mib(search.peakRssBytes)} MiB. "first query" is cold (model and vector index load).`);
}

async function vectorRuns(): Promise<NonNullable<Results['vectors']>> {
  const dims = 384;
  const k = 100;
  const prepare: PrepareResult[] = [];
  const query: QueryResult[] = [];
  const agreement: { n: number; recall: number }[] = [];
  for (const n of opts.vectorSizes) {
    const dir = join(work, `vectors-${n}`);
    mkdirSync(dir, { recursive: true });
    const flatDb = join(dir, 'flat.db');
    const vecDb = join(dir, 'vec.db');
    log(`vectors: writing ${num(n, 0)} × ${dims}`);
    prepare.push((await runTask<PrepareResult>('vectors-prepare', { n, dims, seed: opts.seed, flatDb, vecDb })).result);
    const byImpl = new Map<VectorImpl, QueryResult>();
    for (const impl of ['flat', 'flat-js', 'sqlite-vec'] as const) {
      log(`vectors: ${impl} at ${num(n, 0)}, ${opts.vectorQueries} queries`);
      const { result } = await runTask<QueryResult>('vectors-query', { impl, db: impl === 'sqlite-vec' ? vecDb : flatDb, n, dims, k, queries: opts.vectorQueries, seed: opts.seed });
      byImpl.set(impl, result);
      query.push(result);
    }
    const a = byImpl.get('flat')!.topIds;
    const b = byImpl.get('sqlite-vec')!.topIds;
    let same = 0;
    let total = 0;
    a.forEach((ids, i) => {
      const other = new Set(b[i]);
      same += ids.filter((id) => other.has(id)).length;
      total += ids.length;
    });
    agreement.push({ n, recall: total === 0 ? NaN : same / total });
    rmSync(dir, { recursive: true, force: true });
  }
  return { prepare, query, agreement };
}

function printVectors(v: NonNullable<Results['vectors']>): void {
  console.log(`\n## Vector index: flat (in memory; native scan, and its JS scan) vs sqlite-vec\n`);
  if (v.load) console.log(`1-minute load average: ${v.load.start} at the start, ${v.load.end} at the end (${m.cpus} CPUs).\n`);
  console.log(`Exact top-100 by cosine over seeded random unit vectors, 384 dims, ${opts.vectorQueries} queries after 5 warm-ups, each implementation in its own process (ms, MiB):\n`);
  const rows = v.query.map((q) => {
    const p = v.prepare.find((x) => x.n === q.n)!;
    const flat = q.impl !== 'sqlite-vec';
    return [
      q.impl,
      num(q.n, 0),
      num(flat ? p.flatWriteMs : p.vecWriteMs, 0),
      mib(flat ? p.flatFileBytes : p.vecFileBytes),
      num(q.loadMs, 0),
      num(q.firstQueryMs, 1),
      num(q.latency.p50, 1),
      num(q.latency.p95, 1),
      num(q.cpu.p50, 1),
      mib(q.rssGrowthBytes),
      mib(q.peakRssBytes),
    ];
  });
  console.log(
    table(
      ['index', 'vectors', 'write ms', 'file MiB', 'load ms', 'first query', 'p50', 'p95', 'CPU p50', 'RSS growth', 'peak RSS'],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(`\nAgreement of the two top-100 lists (share of flat's ids that sqlite-vec also returns): ${v.agreement.map((a) => `${num(a.n, 0)}: ${num(a.recall * 100, 1)} %`).join(', ')}.`);
  console.log('"write" is inserting the vectors (flat: BLOB rows, as the store keeps them; sqlite-vec: a vec0 table); "load" is reading them into memory (flat) or opening the file and loading the extension (sqlite-vec).');
}

function bars(r: Results): NonNullable<Results['bars']> {
  const out: NonNullable<Results['bars']> = [];
  if (r.node) {
    out.push({ bar: 'Node.js docs ingest, wall s (median)', value: r.node.ingest.median.wallSeconds, limit: BARS.nodeIngestSeconds, pass: r.node.ingest.median.wallSeconds < BARS.nodeIngestSeconds });
    for (const mode of MODES) {
      const p95 = r.node.search.latency[mode]!.p95;
      out.push({ bar: `Node.js docs search p95, ${mode}, ms`, value: p95, limit: BARS.nodeSearchP95Ms, pass: p95 <= BARS.nodeSearchP95Ms });
    }
  }
  if (r.python) {
    out.push({ bar: 'Python docs ingest, wall s (median)', value: r.python.ingest.median.wallSeconds, limit: BARS.pythonIngestSeconds, pass: r.python.ingest.median.wallSeconds <= BARS.pythonIngestSeconds });
    const p95 = r.python.search.latency.graph!.p95;
    out.push({ bar: 'Python docs search p95, graph, ms', value: p95, limit: BARS.pythonSearchP95Ms, pass: p95 <= BARS.pythonSearchP95Ms });
  }
  if (r.synthetic) {
    for (const mode of MODES) {
      const p95 = r.synthetic.search.latency[mode]!.p95;
      out.push({ bar: `${num(r.synthetic.ingest.median.sections, 0)} sections search p95, ${mode}, ms`, value: p95, limit: BARS.largeSearchP95Ms, pass: p95 <= BARS.largeSearchP95Ms });
    }
  }
  return out;
}
