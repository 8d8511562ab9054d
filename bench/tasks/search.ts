/**
 * Warm in-process search latency over the golden queries: every mode, several
 * rounds, rounds interleaved across modes so machine noise hits all alike.
 */
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';
import { readGolden } from '../../src/eval/golden.js';
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
  /** The plain BM25 floor of `docgraph eval` (one row per section), ms per query, timed in this process. */
  floor: Latency;
}

export async function searchTask(args: { index: string; golden: string; rounds: number; limit: number; modes: SearchMode[] }): Promise<SearchTaskResult> {
  const queries = readGolden(args.golden).map((g) => g.query);
  // `index` is a SQLite file or a postgres:// URL: `store` takes either
  const config = loadConfig({ cwd: '/', env: {}, overrides: { store: args.index } });
  const app = await App.open(config);
  try {
    const firstMs: SearchTaskResult['firstMs'] = {};
    for (const mode of args.modes) {
      const t0 = performance.now();
      await app.search(queries[0]!, { mode, limit: args.limit });
      firstMs[mode] = performance.now() - t0;
      for (const q of queries) await app.search(q, { mode, limit: args.limit }); // warm-up pass
    }
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
    // the floor: its index is built by the first evaluate call, then every query is timed as eval times it
    const judged = readGolden(args.golden);
    await app.evaluate(judged.slice(0, 1), ['bm25-section']);
    const floorMs: number[] = [];
    for (let r = 0; r < args.rounds; r++) {
      const report = await app.evaluate(judged, ['bm25-section']);
      for (const q of report.perQuery) floorMs.push(q.ms);
    }
    const result: SearchTaskResult = { queries: queries.length, rounds: args.rounds, limit: args.limit, firstMs, latency: {}, cpu: {}, slowest: {}, peakRssBytes: 0, floor: latency(floorMs) };
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
