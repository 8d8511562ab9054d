import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';
import type { SearchHit } from '../domain/types.js';
import type { SearchMode } from '../search/search.js';

const goldenLine = z.object({
  id: z.string(),
  intent: z.string().default('all'),
  query: z.string().min(1),
  relevant: z
    .array(z.object({ doc: z.string().min(1), anchor: z.string().min(1).optional(), heading: z.string().optional(), grade: z.number().int().min(1).max(3) }))
    .min(1),
});
export type GoldenQuery = z.infer<typeof goldenLine>;

/** Reads a golden JSONL file; throws InvalidInputError naming the first bad line. */
export function readGolden(path: string): GoldenQuery[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InvalidInputError(`cannot read ${path}`, { field: 'golden', allowed: 'a JSONL file: one {id, intent, query, relevant:[{doc, anchor?, heading?, grade}]} per line' });
  }
  const out: GoldenQuery[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new InvalidInputError(`${path}:${i + 1} is not valid JSON`);
    }
    const r = goldenLine.safeParse(json);
    if (!r.success) throw new InvalidInputError(`${path}:${i + 1}: ${r.error.issues[0]!.path.join('.')} ${r.error.issues[0]!.message}`, { allowed: '{id, intent, query, relevant:[{doc, anchor?, heading?, grade}]}' });
    out.push(r.data);
  });
  if (out.length === 0) throw new InvalidInputError(`${path} holds no queries`);
  return out;
}

export interface QueryMetrics {
  ndcg10: number;
  recall10: number;
  mrr10: number;
  hit1: number;
  hit5: number;
  /** null when the query names no grade-2 section (anchor or heading) to find. */
  sectionHit5: number | null;
}

/** What scoring needs of a hit: its document and the section it cites. */
export type ScoredHit = Pick<SearchHit, 'uri' | 'anchor' | 'heading'>;

/** The heading comparison of the shared scorer (score.mjs): backticks and all whitespace removed, case folded. */
function scorerHeading(h: string): string {
  return h.replace(/[`\s]/g, '').toLowerCase();
}

/**
 * Metrics for one query, defined exactly as ../shared/eval/score.mjs defines
 * them, so `docgraph eval` and the outside scorer agree on the same hits.
 * Document level: a document counts once, at the rank of its first hit
 * (later hits on it keep their positions and gain nothing); nDCG@10 with
 * gain = grade (2 or 1) and a log2 discount; MRR@10, Hit@1 and Hit@5 look for
 * a grade-2 document. Section Hit@5: one of the first five hits is a grade-2
 * entry's document and its anchor (case-insensitive) or heading.
 */
export function scoreQuery(g: GoldenQuery, hits: readonly ScoredHit[]): QueryMetrics {
  const grades = new Map<string, number>();
  for (const r of g.relevant) grades.set(r.doc, Math.max(grades.get(r.doc) ?? 0, r.grade));
  const seen = new Set<string>();
  const ranked = hits.map((h) => (seen.has(h.uri) ? undefined : (seen.add(h.uri), h.uri)));
  const gain = (d: string | undefined): number => (d === undefined ? 0 : (grades.get(d) ?? 0));
  const top = ranked.slice(0, 10);
  const dcg = top.reduce((s, d, i) => s + gain(d) / Math.log2(i + 2), 0);
  const ideal = [...grades.values()].sort((a, b) => b - a).slice(0, 10);
  const idcg = ideal.reduce((s, x, i) => s + x / Math.log2(i + 2), 0);
  const firstTwo = top.findIndex((d) => gain(d) >= 2);
  const targets = g.relevant.filter((r) => r.grade >= 2 && (r.anchor || r.heading));
  const cites = (h: ScoredHit, t: GoldenQuery['relevant'][number]): boolean =>
    h.uri === t.doc &&
    ((t.anchor !== undefined && h.anchor !== '' && t.anchor.trim().toLowerCase() === h.anchor.trim().toLowerCase()) ||
      (t.heading !== undefined && h.heading !== '' && scorerHeading(t.heading) === scorerHeading(h.heading)));
  return {
    ndcg10: idcg > 0 ? dcg / idcg : 0,
    recall10: grades.size > 0 ? top.filter((d) => gain(d) >= 1).length / grades.size : 0,
    mrr10: firstTwo >= 0 ? 1 / (firstTwo + 1) : 0,
    hit1: firstTwo === 0 ? 1 : 0,
    hit5: firstTwo >= 0 && firstTwo < 5 ? 1 : 0,
    sectionHit5: targets.length === 0 ? null : hits.slice(0, 5).some((h) => targets.some((t) => cites(h, t))) ? 1 : 0,
  };
}

/**
 * What `docgraph eval` compares: the search modes, and the plain BM25 floor
 * at page and section level (src/eval/bm25.ts: the same tokenizer, no
 * field weights, no fusion, no graph).
 */
export type EvalMode = SearchMode | 'bm25-page' | 'bm25-section';
export const EVAL_MODES: readonly EvalMode[] = ['bm25-page', 'bm25-section', 'lexical', 'vector', 'fused', 'graph'];

export interface EvalRow extends QueryMetrics {
  mode: EvalMode;
  intent: string;
  queries: number;
  /** Queries with a grade-2 section to find: the ones section Hit@5 averages over. */
  sectionQueries: number;
  p50Ms: number;
  p95Ms: number;
}

export interface EvalReport {
  golden: string;
  queries: number;
  rows: EvalRow[];
  perQuery: { id: string; mode: EvalMode; metrics: QueryMetrics; ms: number }[];
}

/**
 * Runs every golden query in each mode (after one warm-up pass) and averages
 * the metrics overall and per intent. `run` is the search function under
 * test; it returns the hits in rank order (ten are scored).
 */
export async function runEval(
  golden: readonly GoldenQuery[],
  modes: readonly EvalMode[],
  run: (query: string, mode: EvalMode) => Promise<readonly ScoredHit[]>,
  goldenName = 'golden',
): Promise<EvalReport> {
  const perQuery: EvalReport['perQuery'] = [];
  const located = new Set<EvalMode>(); // modes whose hits name sections at all (a page-level floor does not)
  for (const mode of modes) {
    for (const g of golden) await run(g.query, mode); // warm caches and the vector index
    for (const g of golden) {
      const t0 = performance.now();
      const hits = await run(g.query, mode);
      const ms = performance.now() - t0;
      if (hits.some((h) => h.anchor !== '' || h.heading !== '')) located.add(mode);
      perQuery.push({ id: g.id, mode, metrics: scoreQuery(g, hits), ms });
    }
  }
  const intents = ['all', ...new Set(golden.map((g) => g.intent))];
  const byId = new Map(golden.map((g) => [g.id, g]));
  const rows: EvalRow[] = [];
  for (const mode of modes) {
    for (const intent of intents) {
      const items = perQuery.filter((p) => p.mode === mode && (intent === 'all' || byId.get(p.id)?.intent === intent));
      if (items.length === 0) continue;
      const avg = (k: Exclude<keyof QueryMetrics, 'sectionHit5'>): number => items.reduce((s, p) => s + p.metrics[k], 0) / items.length;
      const sectioned = items.filter((p) => p.metrics.sectionHit5 !== null);
      const ms = items.map((p) => p.ms).sort((a, b) => a - b);
      rows.push({
        mode,
        intent,
        queries: items.length,
        sectionQueries: sectioned.length,
        ndcg10: avg('ndcg10'),
        recall10: avg('recall10'),
        mrr10: avg('mrr10'),
        hit1: avg('hit1'),
        hit5: avg('hit5'),
        sectionHit5: sectioned.length > 0 && located.has(mode) ? sectioned.reduce((s, p) => s + p.metrics.sectionHit5!, 0) / sectioned.length : null,
        p50Ms: percentile(ms, 0.5),
        p95Ms: percentile(ms, 0.95),
      });
    }
  }
  return { golden: goldenName, queries: golden.length, rows, perQuery };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
