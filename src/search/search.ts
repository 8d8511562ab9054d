import { InvalidInputError } from '../domain/errors.js';
import { terms } from '../domain/text.js';
import type { DocumentRecord, Retriever, SearchHit, SearchResult } from '../domain/types.js';
import type { Embedder } from '../embed/embedder.js';
import type { SearchFilters, Store } from '../store/store.js';
import { DEFAULT_FUSION, fuse, type FusionWeights } from './fusion.js';
import { makeSnippet } from './snippet.js';

export type SearchMode = 'fused' | 'lexical' | 'vector';
export const SEARCH_MODES: readonly SearchMode[] = ['fused', 'lexical', 'vector'];

export interface SearchOptions {
  /** Hits to return, 1–100. Default 10. */
  limit?: number;
  /** Skip this many hits first (for paging). Default 0. */
  offset?: number;
  mode?: SearchMode;
  filters?: SearchFilters;
  fusion?: FusionWeights;
}

export interface SearchDeps {
  store: Store;
  /** The embedder that built the stored vectors; without one, search is lexical only. */
  embedder: Embedder | undefined;
}

/** Candidates each retriever contributes before fusion. */
const CANDIDATES = 100;
export const MAX_QUERY_CHARS = 2000;

/**
 * Answers a query with ranked, citable sections: lexical (BM25) and vector
 * retrieval run side by side and are fused; each hit carries its uri, anchor,
 * heading path, a marked snippet, and the score parts that put it there. A
 * failing retriever degrades the answer (listed in `degraded`), it does not fail it.
 */
export async function search(deps: SearchDeps, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const started = performance.now();
  const q = query.trim();
  if (q === '') throw new InvalidInputError('the query is empty', { field: 'query', allowed: 'a question or keywords, 1–2000 characters' });
  if (q.length > MAX_QUERY_CHARS) throw new InvalidInputError(`the query is ${q.length} characters long`, { field: 'query', allowed: 'at most 2000 characters' });
  const limit = options.limit ?? 10;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new InvalidInputError(`limit must be a whole number from 1 to 100, got ${limit}`, { field: 'limit', allowed: '1–100' });
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidInputError(`offset must be a whole number ≥ 0, got ${offset}`, { field: 'offset', allowed: '≥ 0' });
  const mode = options.mode ?? 'fused';
  const queryTerms = terms(q);
  const degraded: Retriever[] = [];
  const want = Math.max(CANDIDATES, offset + limit);

  const lexical = mode === 'vector' ? undefined : deps.store.lexicalSearch(queryTerms, want, options.filters);
  const vector = mode === 'lexical' ? undefined : vectorCandidates(deps, q, want, options.filters).catch(() => {
    degraded.push('vector');
    return [];
  });
  const lists = { ...(lexical ? { lexical: await lexical } : {}), ...(vector ? { vector: await vector } : {}) };
  const fused = fuse(lists, options.fusion ?? DEFAULT_FUSION);
  const page = fused.slice(offset, offset + limit);

  const sections = new Map((await deps.store.getSections(page.map((c) => c.sectionId))).map((s) => [s.id, s]));
  const docs = new Map<string, DocumentRecord | undefined>();
  const termSet = new Set(queryTerms);
  const hits: SearchHit[] = [];
  for (const c of page) {
    const s = sections.get(c.sectionId);
    if (!s) continue; // deleted between retrieval and fetch
    if (!docs.has(s.docId)) docs.set(s.docId, await deps.store.getDocument(s.docId));
    const doc = docs.get(s.docId);
    if (!doc) continue;
    hits.push({
      sectionId: s.id,
      docId: s.docId,
      uri: doc.uri,
      anchor: s.anchor,
      heading: s.heading,
      headingPath: s.headingPath,
      title: doc.title,
      snippet: makeSnippet(s.text || s.heading, termSet),
      score: round(c.score),
      parts: Object.fromEntries(Object.entries(c.parts).map(([k, v]) => [k, { score: round(v.score), rank: v.rank }])),
    });
  }
  return { query: q, hits, degraded, tookMs: round(performance.now() - started) };
}

async function vectorCandidates(deps: SearchDeps, q: string, want: number, filters: SearchFilters | undefined) {
  if (!deps.embedder) throw new Error('no embedder');
  const [vec] = await deps.embedder.embed([q], 'query');
  return deps.store.vectorSearch(vec!, want, filters);
}

function round(n: number): number {
  return Math.round(n * 10000) / 10000;
}
