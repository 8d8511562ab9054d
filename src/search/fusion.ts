import type { Retriever } from '../domain/types.js';
import type { ScoredSection } from '../store/store.js';

export interface FusedCandidate {
  sectionId: string;
  score: number;
  parts: Partial<Record<Retriever, { score: number; rank: number }>>;
}

export interface FusionWeights {
  /** Weight of each retriever's list. */
  weights: Partial<Record<Retriever, number>>;
  /** RRF constant: larger flattens the advantage of the very top ranks. */
  k: number;
}

/** Tuned on the development set (docs/benchmarks.md). */
export const DEFAULT_FUSION: FusionWeights = { weights: { lexical: 1, vector: 0.5, entity: 1, graph: 0.5 }, k: 20 };

/**
 * Weighted reciprocal-rank fusion: score = Σ w_r / (k + rank_r). Rank-based,
 * so BM25 and cosine scores need no calibration against each other. Each
 * candidate keeps its raw score and rank per retriever, for explanations.
 */
export function fuse(lists: Partial<Record<Retriever, ScoredSection[]>>, fusion: FusionWeights = DEFAULT_FUSION): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  for (const [retriever, list] of Object.entries(lists) as [Retriever, ScoredSection[]][]) {
    const w = fusion.weights[retriever] ?? 0;
    list.forEach((hit, i) => {
      const rank = i + 1;
      let c = byId.get(hit.sectionId);
      if (!c) {
        c = { sectionId: hit.sectionId, score: 0, parts: {} };
        byId.set(hit.sectionId, c);
      }
      c.score += w / (fusion.k + rank);
      c.parts[retriever] = { score: hit.score, rank };
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || (a.sectionId < b.sectionId ? -1 : 1));
}
