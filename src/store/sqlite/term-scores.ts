/**
 * BM25 of an FTS5 OR query, summed in JavaScript from each term's own
 * scores, which are kept between searches.
 *
 * FTS5's bm25() scores a row as 0 + c₁ + c₂ + … over the query's phrases in
 * order, where cᵢ depends only on phrase i, the row and index-wide figures
 * (row count, mean row length): idf(i) · fᵢ·(k1+1) / (fᵢ + k1·(1 − b + b·|D|/avgdl)).
 * A query of phrase i alone scores every row that holds it as exactly cᵢ
 * (the same double: same operands, same order of operations), and a row
 * without phrase i adds 0. So summing the single-phrase scores of the
 * phrases, in the query's order, gives bit for bit the score the OR query
 * gives (checked on every row of both dev sets, and in term-scores.test.ts).
 *
 * What that buys: FTS5 scores every matching row of a query (a quarter of
 * the Python docs' sections for a typical query), one docsize lookup each;
 * a term's scores are the same for every query until the index changes, and
 * the terms of documentation queries recur ("file", "error", "async").
 */
import { scaledScore } from '../lexical.js';

/** One term's rows and their BM25 contribution (cᵢ above), in rowid order. */
export interface TermScoreList {
  rowids: Float64Array;
  scores: Float64Array;
}

/** Bytes a cached row takes: its rowid and its score, a double each. */
export const TERM_SCORE_ROW_BYTES = 16;
/** The default bound's floor, in rows (16 MiB): what every index gets, however small. */
export const TERM_SCORE_MIN_ROWS = 1 << 20;
/** The default bound's ceiling, in rows (256 MiB): reached at 1M sections. */
export const TERM_SCORE_MAX_ROWS = 1 << 24;
/**
 * The default bound in rows per section of the index: room for sixteen lists
 * as long as the index (a term in every section), or ~50 of the longest the
 * lexical retriever asks for (it leaves out terms in more than 30% of the
 * sections, COMMON_TERM_SHARE in search/search.ts).
 */
export const TERM_SCORE_ROWS_PER_SECTION = 16;

/**
 * Rows the term-score cache of an index of `sections` sections keeps:
 * `configuredMiB` (search.termScoreCacheMiB) when given, else
 * TERM_SCORE_ROWS_PER_SECTION a section, between TERM_SCORE_MIN_ROWS and
 * TERM_SCORE_MAX_ROWS. A fixed bound stops being enough as an index grows: a
 * common term's list is as long as a large share of the index, and a list
 * larger than the bound is never kept, so FTS5 scores it again on every search
 * (at 1M sections, ~460 ms a query).
 */
export function termScoreRows(sections: number, configuredMiB?: number): number {
  if (configuredMiB !== undefined) return Math.floor((configuredMiB * 2 ** 20) / TERM_SCORE_ROW_BYTES);
  return Math.min(TERM_SCORE_MAX_ROWS, Math.max(TERM_SCORE_MIN_ROWS, TERM_SCORE_ROWS_PER_SECTION * sections));
}

/**
 * Terms' score lists kept between searches, least recently used out first,
 * at most `capacity` rows over all terms (TERM_SCORE_ROW_BYTES a row). The
 * owner clears it whenever the index changes. Whether a list is kept changes
 * only the time a search takes, never its scores: a list not kept is loaded
 * again, the same rows and the same doubles.
 */
export class TermScoreCache {
  private readonly lists = new Map<string, TermScoreList>();
  private rows = 0;

  constructor(private capacity: number) {}

  /** The bound, in rows over all terms. */
  get bound(): number {
    return this.capacity;
  }

  /** A new bound, in rows; least recently used lists leave until the rest fit. */
  resize(capacity: number): void {
    this.capacity = capacity;
    this.evictFor(0);
  }

  /** The list of `phrase`, from the cache or from `load` (kept when it fits). */
  get(phrase: string, load: (phrase: string) => TermScoreList): TermScoreList {
    const kept = this.lists.get(phrase);
    if (kept) {
      this.lists.delete(phrase); // most recently used last
      this.lists.set(phrase, kept);
      return kept;
    }
    const list = load(phrase);
    const n = list.rowids.length;
    if (n > this.capacity) return list;
    this.evictFor(n);
    this.lists.set(phrase, list);
    this.rows += n;
    return list;
  }

  /** Drops the least recently used lists until `n` more rows fit. */
  private evictFor(n: number): void {
    for (const [key, old] of this.lists) {
      if (this.rows + n <= this.capacity) break;
      this.lists.delete(key);
      this.rows -= old.rowids.length;
    }
  }

  clear(): void {
    this.lists.clear();
    this.rows = 0;
  }

  /** Rows held over all terms. */
  get size(): number {
    return this.rows;
  }
}

/** A term's list from its rows ([rowid, score], as FTS5 returns them: by rowid), sorted by rowid if they are not. */
export function termScoreList(rows: readonly (readonly [number, number])[]): TermScoreList {
  let sorted = true;
  for (let i = 1; i < rows.length && sorted; i++) if (rows[i]![0] <= rows[i - 1]![0]) sorted = false;
  const ordered = sorted ? rows : [...rows].sort((a, b) => a[0] - b[0]);
  const list = { rowids: new Float64Array(ordered.length), scores: new Float64Array(ordered.length) };
  ordered.forEach(([rowid, score], i) => {
    list.rowids[i] = rowid;
    list.scores[i] = score;
  });
  return list;
}

/**
 * Rows by summed score, in the order given (the query's phrase order: the
 * order of summation is FTS5's, so the sums are its scores), and the score of
 * the `limit`-th best row: every row scoring at least that is returned, so the
 * caller can break ties at the cut as SQL would (by section id). Unordered.
 */
/** A list whose scores are `weight` times the given list's (the same list when the weight is 1). */
export function scaled(list: TermScoreList, weight: number): TermScoreList {
  if (weight === 1) return list;
  return { rowids: list.rowids, scores: list.scores.map((x) => scaledScore(x, weight)) };
}

/** The rows of a list that `allow` holds. */
export function restricted(list: TermScoreList, allow: ReadonlySet<number>): TermScoreList {
  const keep: number[] = [];
  for (let i = 0; i < list.rowids.length; i++) if (allow.has(list.rowids[i]!)) keep.push(i);
  return { rowids: Float64Array.from(keep, (i) => list.rowids[i]!), scores: Float64Array.from(keep, (i) => list.scores[i]!) };
}

export function summedTop(lists: readonly TermScoreList[], limit: number): { rowid: number; score: number }[] {
  let postings = 0;
  let max = 0;
  for (const { rowids } of lists) {
    postings += rowids.length;
    if (rowids.length > 0 && rowids[rowids.length - 1]! > max) max = rowids[rowids.length - 1]!;
  }
  if (postings === 0 || limit <= 0) return [];
  const { rows, sums } = max < DENSE_ROWIDS && Number.isInteger(max) ? denseSums(lists, max, postings) : mergedSums(lists, postings);
  const cut = kthLargest(sums, Math.min(limit, sums.length));
  const out: { rowid: number; score: number }[] = [];
  for (let i = 0; i < rows.length; i++) if (sums[i]! >= cut) out.push({ rowid: rows[i]!, score: sums[i]! });
  return out;
}

/**
 * Below this rowid the sums go in arrays indexed by rowid (the fastest way,
 * ~5× a merge), kept for the next call: at most 9 bytes a rowid, 18 MiB.
 * Rowids grow as documents are rewritten; past this, the lists are merged.
 */
const DENSE_ROWIDS = 1 << 21;
let acc = new Float64Array(0);
let seen = new Uint8Array(0);

/** The sums in arrays indexed by rowid (cleared after use: a search thread runs one search at a time). */
function denseSums(lists: readonly TermScoreList[], max: number, postings: number): { rows: Float64Array; sums: Float64Array } {
  if (acc.length <= max) {
    acc = new Float64Array(Math.min(DENSE_ROWIDS, Math.max(max + 1, acc.length * 2)));
    seen = new Uint8Array(acc.length);
  }
  const order = new Float64Array(postings);
  let n = 0;
  for (const { rowids, scores } of lists) {
    for (let i = 0; i < rowids.length; i++) {
      const r = rowids[i]!;
      if (seen[r] === 0) {
        seen[r] = 1;
        order[n++] = r;
      }
      acc[r] = acc[r]! + scores[i]!;
    }
  }
  const rows = order.subarray(0, n);
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    sums[i] = acc[r]!;
    acc[r] = 0;
    seen[r] = 0;
  }
  return { rows, sums };
}

/** The sums by merging the lists by rowid (each is sorted by rowid): no memory sized by rowids. */
function mergedSums(lists: readonly TermScoreList[], postings: number): { rows: Float64Array; sums: Float64Array } {
  const at = new Int32Array(lists.length);
  const rows = new Float64Array(postings);
  const sums = new Float64Array(postings);
  let n = 0;
  for (;;) {
    let next = Infinity;
    for (let k = 0; k < lists.length; k++) {
      const r = lists[k]!.rowids[at[k]!];
      if (r !== undefined && r < next) next = r;
    }
    if (next === Infinity) break;
    // the lists holding this row, in the query's order
    let sum = 0;
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k]!;
      if (list.rowids[at[k]!] === next) sum += list.scores[at[k]!++]!;
    }
    rows[n] = next;
    sums[n++] = sum;
  }
  return { rows: rows.subarray(0, n), sums: sums.subarray(0, n) };
}

/** The k-th largest of `values` (1 ≤ k ≤ length): a min-heap of the k largest seen, most values rejected at its root. */
function kthLargest(values: Float64Array, k: number): number {
  const heap = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    // sift up
    let j = i;
    heap[j] = values[i]!;
    while (j > 0) {
      const p = (j - 1) >> 1;
      if (heap[p]! <= heap[j]!) break;
      const t = heap[p]!;
      heap[p] = heap[j]!;
      heap[j] = t;
      j = p;
    }
  }
  for (let i = k; i < values.length; i++) {
    const v = values[i]!;
    if (v <= heap[0]!) continue;
    // replace the root and sift down
    let j = 0;
    heap[0] = v;
    for (;;) {
      const l = 2 * j + 1;
      const r = l + 1;
      let m = j;
      if (l < k && heap[l]! < heap[m]!) m = l;
      if (r < k && heap[r]! < heap[m]!) m = r;
      if (m === j) break;
      const t = heap[m]!;
      heap[m] = heap[j]!;
      heap[j] = t;
      j = m;
    }
  }
  return heap[0]!;
}
