import type { Retriever } from '../domain/types.js';
import type { ScoredSection } from '../store/store.js';

export interface FusedCandidate {
  sectionId: string;
  score: number;
  parts: Partial<Record<Retriever, { score: number; rank: number }>>;
}

/** A hit that carries its rank from the list it was drawn from, instead of its position in this one. */
export type RankedSection = ScoredSection & { rank?: number };

export interface FusionWeights {
  /** Weight of each retriever's list. */
  weights: Partial<Record<Retriever, number>>;
  /** RRF constant: larger flattens the advantage of the very top ranks. */
  k: number;
}

const SCALED: ReadonlySet<Retriever> = new Set(['entity', 'graph', 'prior']);

/**
 * Chosen on both dev sets, leave-one-set-out (docs/benchmarks.md: "Leave-one-set-out"; graph 0.25 → 0.5 in
 * "Session 19", where Node and Python both read best).
 */
export const DEFAULT_FUSION: FusionWeights = { weights: { lexical: 1, vector: 0.5, entity: 1, graph: 0.5, prior: 0.15, page: 0.5 }, k: 20 };

/**
 * Weighted reciprocal-rank fusion: score = Σ w_r / (k + rank_r). Rank-based,
 * so BM25 and cosine scores need no calibration against each other; the
 * entity and graph lists, whose scores are evidence strengths in 0–1, scale
 * their term by that strength. Each
 * candidate keeps its raw score and rank per retriever, for explanations.
 */
export function fuse(lists: Partial<Record<Retriever, ScoredSection[]>>, fusion: FusionWeights = DEFAULT_FUSION): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  for (const [retriever, list] of Object.entries(lists) as [Retriever, ScoredSection[]][]) {
    const w = fusion.weights[retriever] ?? 0;
    list.forEach((hit, i) => {
      // a list that re-scores another's candidates (the type prior) keeps their ranks there
      const rank = (hit as RankedSection).rank ?? i + 1;
      let c = byId.get(hit.sectionId);
      if (!c) {
        c = { sectionId: hit.sectionId, score: 0, parts: {} };
        byId.set(hit.sectionId, c);
      }
      // graph retrievers score their evidence on 0–1 (a definition the query names is 1, a neighbour
      // or an incidental phrase much less): their rank credit is scaled by it, so weak evidence that
      // happens to rank first in a short list cannot outweigh the top lexical and vector hits
      const strength = SCALED.has(retriever) ? Math.min(1, Math.max(0, hit.score)) : 1;
      c.score += (w * strength) / (fusion.k + rank);
      c.parts[retriever] = { score: hit.score, rank };
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || (a.sectionId < b.sectionId ? -1 : 1));
}
