import { terms } from '../domain/text.js';
import type { SectionRecord } from '../domain/types.js';
import type { ScoredHit } from './golden.js';

/** Okapi BM25 parameters of the floor: the usual defaults, not tuned. */
const K1 = 1.2;
const B = 0.75;

interface Row {
  hit: ScoredHit;
  length: number;
}

/**
 * The plain BM25 floor every eval report shows beside docgraph's modes:
 * one row per page (`page`) or per stored section (`section`), the same
 * code-aware tokenizer as the index, no field weights, no fusion, no graph.
 * In memory; built once per eval from the store's sections.
 */
export class Bm25Floor {
  private readonly rows: Row[] = [];
  private readonly postings = new Map<string, { row: number; tf: number }[]>();
  private avgLength = 0;

  private constructor() {}

  /** `uriOf` maps a section's document id to its uri. */
  static async build(sections: AsyncIterable<SectionRecord>, uriOf: (docId: string) => string | undefined, level: 'page' | 'section'): Promise<Bm25Floor> {
    const floor = new Bm25Floor();
    const pages = new Map<string, string[]>();
    for await (const s of sections) {
      const uri = uriOf(s.docId);
      if (uri === undefined) continue;
      const text = `${s.heading}\n${s.text}`;
      if (level === 'section') floor.add({ uri, anchor: s.anchor, heading: s.heading }, terms(text));
      else {
        let texts = pages.get(uri);
        if (!texts) pages.set(uri, (texts = []));
        texts.push(text);
      }
    }
    for (const [uri, texts] of [...pages].sort((a, b) => (a[0] < b[0] ? -1 : 1))) floor.add({ uri, anchor: '', heading: '' }, terms(texts.join('\n')));
    floor.avgLength = floor.rows.reduce((s, r) => s + r.length, 0) / Math.max(1, floor.rows.length);
    return floor;
  }

  private add(hit: ScoredHit, words: string[]): void {
    const row = this.rows.length;
    this.rows.push({ hit, length: words.length });
    const tf = new Map<string, number>();
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const [w, n] of tf) {
      let list = this.postings.get(w);
      if (!list) this.postings.set(w, (list = []));
      list.push({ row, tf: n });
    }
  }

  /** The best `limit` rows for `query`, best first (ties by insertion order). */
  search(query: string, limit = 10): ScoredHit[] {
    const scores = new Map<number, number>();
    const n = this.rows.length;
    for (const term of new Set(terms(query))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      for (const { row, tf } of list) {
        const norm = tf + K1 * (1 - B + (B * this.rows[row]!.length) / this.avgLength);
        scores.set(row, (scores.get(row) ?? 0) + (idf * tf * (K1 + 1)) / norm);
      }
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([row]) => this.rows[row]!.hit);
  }
}
