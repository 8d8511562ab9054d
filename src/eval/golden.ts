import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';
import type { SearchHit, SearchResult } from '../domain/types.js';
import type { SearchMode } from '../search/search.js';

const goldenLine = z.object({
  id: z.string(),
  intent: z.string().default('all'),
  query: z.string().min(1),
  relevant: z
    .array(z.object({ doc: z.string().min(1), heading: z.string().optional(), grade: z.number().int().min(1).max(3) }))
    .min(1),
});
export type GoldenQuery = z.infer<typeof goldenLine>;

/** Reads a golden JSONL file; throws InvalidInputError naming the first bad line. */
export function readGolden(path: string): GoldenQuery[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InvalidInputError(`cannot read ${path}`, { field: 'golden', allowed: 'a JSONL file: one {id, intent, query, relevant:[{doc, heading?, grade}]} per line' });
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
    if (!r.success) throw new InvalidInputError(`${path}:${i + 1}: ${r.error.issues[0]!.path.join('.')} ${r.error.issues[0]!.message}`, { allowed: '{id, intent, query, relevant:[{doc, heading?, grade}]}' });
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
  sectionHit5: number;
}

/** Comparable form of a heading: no Markdown code/emphasis marks, case or extra space. */
export function normalizeHeading(h: string): string {
  return h.replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Document of a hit, as the golden set names it: the uri's file name. */
function docOf(hit: SearchHit): string {
  return hit.uri;
}

/**
 * Metrics for one query. Document-level (graded 2/1): a ranked list of
 * distinct documents in first-hit order. Section-level Hit@5: one of the top
 * five sections is a grade-2 (doc, heading).
 */
export function scoreQuery(g: GoldenQuery, hits: readonly SearchHit[]): QueryMetrics {
  const grades = new Map<string, number>();
  for (const r of g.relevant) grades.set(r.doc, Math.max(grades.get(r.doc) ?? 0, r.grade));
  const docs: string[] = [];
  for (const h of hits) if (!docs.includes(docOf(h))) docs.push(docOf(h));
  const top = docs.slice(0, 10);
  let dcg = 0;
  top.forEach((d, i) => (dcg += ((2 ** (grades.get(d) ?? 0)) - 1) / Math.log2(i + 2)));
  const ideal = [...grades.values()].sort((a, b) => b - a).slice(0, 10);
  let idcg = 0;
  ideal.forEach((gr, i) => (idcg += (2 ** gr - 1) / Math.log2(i + 2)));
  const firstRel = top.findIndex((d) => grades.has(d));
  const sectionTargets = new Set(g.relevant.filter((r) => r.grade >= 2 && r.heading).map((r) => r.doc + '#' + normalizeHeading(r.heading!)));
  return {
    ndcg10: idcg > 0 ? dcg / idcg : 0,
    recall10: top.filter((d) => grades.has(d)).length / grades.size,
    mrr10: firstRel >= 0 ? 1 / (firstRel + 1) : 0,
    hit1: firstRel === 0 ? 1 : 0,
    hit5: firstRel >= 0 && firstRel < 5 ? 1 : 0,
    sectionHit5: hits.slice(0, 5).some((h) => sectionTargets.has(docOf(h) + '#' + normalizeHeading(h.heading))) ? 1 : 0,
  };
}

export interface EvalRow extends QueryMetrics {
  mode: SearchMode;
  intent: string;
  queries: number;
  p50Ms: number;
  p95Ms: number;
}

export interface EvalReport {
  golden: string;
  queries: number;
  rows: EvalRow[];
  perQuery: { id: string; mode: SearchMode; metrics: QueryMetrics; ms: number }[];
}

/**
 * Runs every golden query in each mode (after one warm-up pass) and averages
 * the metrics overall and per intent. `run` is the search function under test.
 */
export async function runEval(
  golden: readonly GoldenQuery[],
  modes: readonly SearchMode[],
  run: (query: string, mode: SearchMode) => Promise<SearchResult>,
  goldenName = 'golden',
): Promise<EvalReport> {
  const perQuery: EvalReport['perQuery'] = [];
  for (const mode of modes) {
    for (const g of golden) await run(g.query, mode); // warm caches and the vector index
    for (const g of golden) {
      const t0 = performance.now();
      const result = await run(g.query, mode);
      const ms = performance.now() - t0;
      perQuery.push({ id: g.id, mode, metrics: scoreQuery(g, result.hits), ms });
    }
  }
  const intents = ['all', ...new Set(golden.map((g) => g.intent))];
  const byId = new Map(golden.map((g) => [g.id, g]));
  const rows: EvalRow[] = [];
  for (const mode of modes) {
    for (const intent of intents) {
      const items = perQuery.filter((p) => p.mode === mode && (intent === 'all' || byId.get(p.id)?.intent === intent));
      if (items.length === 0) continue;
      const avg = (k: keyof QueryMetrics): number => items.reduce((s, p) => s + p.metrics[k], 0) / items.length;
      const ms = items.map((p) => p.ms).sort((a, b) => a - b);
      rows.push({
        mode,
        intent,
        queries: items.length,
        ndcg10: avg('ndcg10'),
        recall10: avg('recall10'),
        mrr10: avg('mrr10'),
        hit1: avg('hit1'),
        hit5: avg('hit5'),
        sectionHit5: avg('sectionHit5'),
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
