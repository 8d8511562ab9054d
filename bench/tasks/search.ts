/**
 * Warm in-process search latency over the golden queries: every mode, several
 * rounds, rounds interleaved across modes so machine noise hits all alike.
 */
import Database from 'better-sqlite3';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';
import { terms } from '../../src/domain/text.js';
import { readGolden } from '../../src/eval/golden.js';
import { LEXICAL_WEIGHTS } from '../../src/store/lexical.js';
import type { SearchMode } from '../../src/search/search.js';
import { latency, type Latency } from '../lib/stats.js';

export interface SearchTaskResult {
  queries: number;
  rounds: number;
  limit: number;
  /** The first query of each mode (cold: loads the model / vector index), ms. */
  firstMs: Partial<Record<SearchMode, number>>;
  /** Wall-clock time per query, ms. */
  latency: Partial<Record<SearchMode, Latency>>;
  /** CPU time (user + system) of this process per query, ms: less disturbed by other load on a shared machine. */
  cpu: Partial<Record<SearchMode, Latency>>;
  /** Per mode, the slowest queries (median over rounds), to show where the tail comes from. */
  slowest: Partial<Record<SearchMode, { query: string; ms: number }[]>>;
  peakRssBytes: number;
  /** Peak RSS before the floor's in-memory BM25 index is built (the search process's own), bytes. */
  peakRssBeforeFloorBytes: number;
  /**
   * Above the approximate-search threshold the vector index's HNSW graph builds
   * in the background after the first vector query, and queries are exact until
   * it is ready: `latency` / `cpu` above are measured while it builds. Here,
   * the same rounds once it is ready, then once more, with the build's wall
   * and CPU time (the process's, queries included). While it builds, one
   * untimed pass of the queries runs every KEEP_WARM_MS, as a server in use
   * would keep answering: without it the process sits idle for the whole
   * build (~8 min at 1M), and a machine that reclaims page cache left idle
   * (this VM's DAMON pages out file pages unused for 60 s) makes the first
   * rounds after it read the index from disk, a cost of idling, not of the graph.
   */
  afterGraph?: {
    waitSeconds: number;
    waitCpuSeconds: number;
    ready: boolean;
    latency: Partial<Record<SearchMode, Latency>>;
    cpu: Partial<Record<SearchMode, Latency>>;
    /** The same rounds run a second time, straight after the first (a server that has been answering for a while). */
    steady: { latency: Partial<Record<SearchMode, Latency>>; cpu: Partial<Record<SearchMode, Latency>> };
    peakRssBytes: number;
  };
  /** The plain BM25 floor of `docgraph eval` (one row per section), ms per query, timed in this process. */
  floor: Latency;
  /**
   * A SQLite index's plain FTS5 floor: one OR query of all the query's terms,
   * FTS5's own bm25 order, the top `limit` rows with their section ids (no
   * kept scores, no terms left out, nothing else), on a connection of its own,
   * wall and CPU ms per query, timed in this process after the modes.
   */
  fts5Floor?: { latency: Latency; cpu: Latency };
}

export async function searchTask(args: { index: string; golden: string; rounds: number; limit: number; modes: SearchMode[]; termScoreCacheMiB?: number }): Promise<SearchTaskResult> {
  const queries = readGolden(args.golden).map((g) => g.query);
  // `index` is a SQLite file or a postgres:// URL: `store` takes either
  const loaded = loadConfig({ cwd: '/', env: {}, overrides: { store: args.index } });
  const config = args.termScoreCacheMiB === undefined ? loaded : { ...loaded, search: { ...loaded.search, termScoreCacheMiB: args.termScoreCacheMiB } };
  const app = await App.open(config);
  try {
    const firstMs: SearchTaskResult['firstMs'] = {};
    for (const mode of args.modes) {
      const t0 = performance.now();
      await app.search(queries[0]!, { mode, limit: args.limit });
      firstMs[mode] = performance.now() - t0;
      process.stderr.write(`[search] ${mode}: first query ${firstMs[mode]!.toFixed(0)} ms, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
      for (const q of queries) await app.search(q, { mode, limit: args.limit }); // warm-up pass
    }
    const timed = async () => {
      const samples = new Map<SearchMode, number[][]>(args.modes.map((m) => [m, queries.map(() => [])]));
      const cpuSamples = new Map<SearchMode, number[]>(args.modes.map((m) => [m, []]));
      for (let r = 0; r < args.rounds; r++) {
        for (const mode of args.modes) {
          for (const [i, q] of queries.entries()) {
            const c0 = process.cpuUsage();
            const t0 = performance.now();
            await app.search(q, { mode, limit: args.limit });
            samples.get(mode)![i]!.push(performance.now() - t0);
            const c = process.cpuUsage(c0);
            cpuSamples.get(mode)!.push((c.user + c.system) / 1000);
          }
        }
      }
      return { samples, cpuSamples };
    };
    const { samples, cpuSamples } = await timed();
    report('rounds', args.modes, samples, cpuSamples);
    const summarize = (run: Awaited<ReturnType<typeof timed>>) => ({
      latency: Object.fromEntries(args.modes.map((m) => [m, latency(run.samples.get(m)!.flat())])),
      cpu: Object.fromEntries(args.modes.map((m) => [m, latency(run.cpuSamples.get(m)!)])),
    });
    const keepWarm = async () => {
      for (const q of queries) await app.search(q, { mode: args.modes[0]!, limit: args.limit });
    };
    const afterGraph = await waitForGraph(app, keepWarm, async () => {
      const first = await timed();
      report('rounds after the graph', args.modes, first.samples, first.cpuSamples);
      const again = await timed();
      report('rounds after the graph, again', args.modes, again.samples, again.cpuSamples);
      return { ...summarize(first), steady: summarize(again) };
    });
    const peakRssBeforeFloorBytes = process.resourceUsage().maxRSS * 1024;
    // the floor: its index is built by the first evaluate call, then every query is timed as eval times it
    const judged = readGolden(args.golden);
    await app.evaluate(judged.slice(0, 1), ['bm25-section']);
    const floorMs: number[] = [];
    for (let r = 0; r < args.rounds; r++) {
      const report = await app.evaluate(judged, ['bm25-section']);
      for (const q of report.perQuery) floorMs.push(q.ms);
    }
    const fts5Floor = /^[a-z][a-z0-9+.-]*:\/\//i.test(args.index) ? undefined : timeFts5Floor(args.index, queries, args.rounds, args.limit);
    const result: SearchTaskResult = { queries: queries.length, rounds: args.rounds, limit: args.limit, firstMs, latency: {}, cpu: {}, slowest: {}, peakRssBytes: 0, peakRssBeforeFloorBytes, ...(afterGraph ? { afterGraph } : {}), floor: latency(floorMs), ...(fts5Floor ? { fts5Floor } : {}) };
    for (const mode of args.modes) {
      const perQuery = samples.get(mode)!;
      result.latency[mode] = latency(perQuery.flat());
      result.cpu[mode] = latency(cpuSamples.get(mode)!);
      result.slowest[mode] = perQuery
        .map((ms, i) => ({ query: queries[i]!, ms: latency(ms).p50 }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 3);
    }
    result.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    return result;
  } finally {
    await app.close();
  }
}

/** The plain FTS5 floor of a SQLite index (SearchTaskResult.fts5Floor): one warm-up pass, then `rounds`. */
function timeFts5Floor(path: string, queries: readonly string[], rounds: number, limit: number): { latency: Latency; cpu: Latency } {
  const db = new Database(path, { readonly: true });
  try {
    const { heading, context, body } = LEXICAL_WEIGHTS;
    const top = db.prepare(
      `SELECT s.id, s.doc_id FROM sections_fts JOIN sections s ON s.rowid = sections_fts.rowid
       WHERE sections_fts MATCH ? ORDER BY bm25(sections_fts, ${heading}, ${context}, ${body}) LIMIT ?`,
    );
    const matches = queries.map((q) => [...new Set(terms(q))].map((t) => '"' + t.replace(/"/g, '""') + '"').join(' OR ')).filter((m) => m !== '');
    for (const m of matches) top.all(m, limit);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const m of matches) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        top.all(m, limit);
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
    }
    const result = { latency: latency(wall), cpu: latency(cpu) };
    process.stderr.write(`[search] fts5 floor: p50 ${result.latency.p50.toFixed(1)} p95 ${result.latency.p95.toFixed(1)} ms, CPU p50 ${result.cpu.p50.toFixed(1)} p95 ${result.cpu.p95.toFixed(1)} ms\n`);
    return result;
  } finally {
    db.close();
  }
}

/** Longest wait for the background graph build (a 1M build took 375–432 s of CPU on this machine). */
const GRAPH_WAIT_MS = 30 * 60_000;

/** How often the wait for the graph runs its untimed pass of the queries (SearchTaskResult.afterGraph). */
const KEEP_WARM_MS = 30_000;

/**
 * If the store's vector index is building its HNSW graph, waits for it
 * (progress on stderr), running `keepWarm` every KEEP_WARM_MS meanwhile, and
 * runs `measure` once it is ready.
 */
async function waitForGraph<T>(app: App, keepWarm: () => Promise<void>, measure: () => Promise<T>): Promise<(T & { waitSeconds: number; waitCpuSeconds: number; ready: boolean; peakRssBytes: number }) | undefined> {
  const store = app.store as { vectorGraph?: { approximate: boolean; done: number; of: number } };
  const state = () => store.vectorGraph;
  if (!state() || state()!.approximate) return undefined;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let shown = t0;
  let warmed = t0;
  while (!state()!.approximate && performance.now() - t0 < GRAPH_WAIT_MS) {
    await new Promise((r) => setTimeout(r, 100));
    if (performance.now() - warmed > KEEP_WARM_MS) {
      await keepWarm();
      warmed = performance.now();
    }
    if (performance.now() - shown > 30_000) {
      shown = performance.now();
      const c = process.cpuUsage(c0);
      process.stderr.write(`[search] vector graph ${state()!.done}/${state()!.of} after ${((shown - t0) / 1000).toFixed(0)} s, cpu ${((c.user + c.system) / 1e6).toFixed(0)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
    }
  }
  const c = process.cpuUsage(c0);
  const waited = { waitSeconds: (performance.now() - t0) / 1000, waitCpuSeconds: (c.user + c.system) / 1e6, ready: state()!.approximate };
  process.stderr.write(`[search] vector graph ${waited.ready ? 'ready' : 'not ready'} after ${waited.waitSeconds.toFixed(0)} s (cpu ${waited.waitCpuSeconds.toFixed(0)} s)\n`);
  return { ...waited, ...(await measure()), peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** A phase's figures on stderr as soon as they are known, so a long run stopped later still leaves them. */
function report(what: string, modes: SearchMode[], samples: Map<SearchMode, number[][]>, cpu: Map<SearchMode, number[]>): void {
  const f = (x: number) => x.toFixed(1);
  for (const m of modes) {
    const l = latency(samples.get(m)!.flat());
    const c = latency(cpu.get(m)!);
    process.stderr.write(`[search] ${what}, ${m}: p50 ${f(l.p50)} p95 ${f(l.p95)} ms, CPU p50 ${f(c.p50)} p95 ${f(c.p95)} ms\n`);
  }
  process.stderr.write(`[search] ${what}: rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, peak ${((process.resourceUsage().maxRSS * 1024) / 2 ** 20).toFixed(0)} MiB\n`);
}
