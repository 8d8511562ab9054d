/**
 * What lexical ranking means for every Store implementation: BM25 over three
 * fields of a section, fed with our own code-aware terms (domain/text.ts), so
 * every backend ranks the same sections the same way.
 *
 * SQLite computes it in FTS5 (`bm25(sections_fts, 4, 1.5, 1)`); a backend
 * without FTS5 keeps term statistics in tables and computes the same formula
 * (`bm25Score` is the reference, FTS5's own):
 *
 *   score = Σ_terms idf(t) · f(t) · (k1 + 1) / (f(t) + k1 · (1 − b + b · |D| / avgdl))
 *   idf(t) = max(ln((N − n(t) + 0.5) / (n(t) + 0.5)), 1e-6)
 *
 * where f(t) is the term's count in the section weighted per field, |D| the
 * section's term count over all fields (unweighted), avgdl the mean of |D|,
 * N the sections with lexical rows and n(t) those that hold the term.
 */

/** BM25 field weights: heading, context (title + parent headings), body. */
export const LEXICAL_WEIGHTS = { heading: 4, context: 1.5, body: 1 } as const;
/** FTS5's BM25 constants. */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** The lexical fields of one section, each a space-separated list of terms. */
export interface LexicalFields {
  heading: string;
  context: string;
  body: string;
}

/**
 * The index token a term becomes, as FTS5's `unicode61 remove_diacritics 2
 * tokenchars '_'` tokenizer makes it: lower case, diacritics removed. Our
 * terms hold only letters, digits and `_` (domain/text.ts), so each is one token.
 */
export function lexicalToken(term: string): string {
  const lower = term.toLowerCase();
  if (/^[\x00-\x7f]*$/.test(lower)) return lower;
  return lower.normalize('NFD').replace(/\p{M}+/gu, '');
}

/** Per-token counts of one section's fields, and its length over all fields. */
export function termCounts(fields: LexicalFields): { counts: Map<string, [heading: number, context: number, body: number]>; length: number } {
  const counts = new Map<string, [number, number, number]>();
  let length = 0;
  const add = (text: string, field: 0 | 1 | 2): void => {
    for (const term of text.split(' ')) {
      if (term === '') continue;
      const token = lexicalToken(term);
      if (token === '') continue;
      length++;
      let c = counts.get(token);
      if (!c) counts.set(token, (c = [0, 0, 0]));
      c[field]++;
    }
  };
  add(fields.heading, 0);
  add(fields.context, 1);
  add(fields.body, 2);
  return { counts, length };
}

/** FTS5's BM25 of one section for one term (see the header); sum it over the query's terms. */
export function bm25Score(idf: number, weightedFrequency: number, length: number, averageLength: number): number {
  return (idf * (weightedFrequency * (BM25_K1 + 1))) / (weightedFrequency + BM25_K1 * (1 - BM25_B + (BM25_B * length) / averageLength));
}

/** A term's BM25 contribution scaled by its query weight (TermWeights); every backend scales the same way. */
export function scaledScore(score: number, weight: number): number {
  return weight === 1 ? score : score * weight;
}

/** FTS5's idf: never zero or negative, so a term in most sections still counts a little. */
export function bm25Idf(sections: number, holding: number): number {
  const idf = Math.log((sections - holding + 0.5) / (holding + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}
