import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summedTop, TERM_SCORE_MAX_ROWS, TERM_SCORE_MIN_ROWS, TermScoreCache, termScoreList, termScoreRows, type TermScoreList } from './term-scores.js';

/** A small seeded generator (LCG), so every run scores the same rows. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// a few frequent words and many rare ones, so rows tie, lengths vary and idf spans a wide range
const VOCAB = Array.from({ length: 120 }, (_, i) => `w${i}`);
const word = (r: () => number): string => VOCAB[Math.floor(VOCAB.length * r() ** 3)]!;
const text = (r: () => number, max: number): string => Array.from({ length: 1 + Math.floor(r() * max) }, () => word(r)).join(' ');
const phrase = (t: string): string => `"${t}"`;

describe('summedTop over single-term FTS5 scores', () => {
  let db: Database.Database;
  let load: (p: string) => TermScoreList;
  let orQuery: (phrases: string[]) => Map<number, number>;

  beforeEach(() => {
    db = new Database(':memory:');
    // the index's own table (migrations.ts): contentless with deletes, three weighted fields
    db.exec(`CREATE VIRTUAL TABLE sections_fts USING fts5(heading, context, body, content = '', contentless_delete = 1,
             tokenize = "unicode61 remove_diacritics 2 tokenchars '_'")`);
    const r = prng(7);
    const ins = db.prepare('INSERT INTO sections_fts (rowid, heading, context, body) VALUES (?, ?, ?, ?)');
    for (let rowid = 1; rowid <= 600; rowid++) ins.run(rowid, text(r, 4), text(r, 8), text(r, 120));
    // deleted rows leave tombstones behind in a contentless_delete table: the scores must still agree
    const del = db.prepare('DELETE FROM sections_fts WHERE rowid = ?');
    for (let rowid = 3; rowid <= 600; rowid += 7) del.run(rowid);
    const single = db.prepare('SELECT rowid, -bm25(sections_fts, 4, 1.5, 1) FROM sections_fts WHERE sections_fts MATCH ?').raw(true);
    load = (p) => termScoreList(single.all(p) as [number, number][]);
    const or = db.prepare('SELECT rowid, -bm25(sections_fts, 4, 1.5, 1) FROM sections_fts WHERE sections_fts MATCH ?').raw(true);
    orQuery = (phrases) => new Map(or.all(phrases.join(' OR ')) as [number, number][]);
  });
  afterEach(() => db.close());

  it('gives every row of an OR query the score FTS5 gives it, bit for bit', () => {
    const r = prng(11);
    let rows = 0;
    for (let q = 0; q < 60; q++) {
      const phrases = [...new Set(Array.from({ length: 1 + Math.floor(r() * 6) }, () => phrase(word(r))))];
      const expected = orQuery(phrases);
      const got = summedTop(phrases.map(load), Number.MAX_SAFE_INTEGER);
      expect(got).toHaveLength(expected.size);
      for (const { rowid, score } of got) expect(Object.is(score, expected.get(rowid)), `row ${rowid} of ${phrases.join(' OR ')}`).toBe(true);
      // rowids past the dense range take the merge: the same sums
      const far = phrases.map(load).map((l) => ({ rowids: l.rowids.map((r) => r + 2 ** 40), scores: l.scores }));
      const merged = new Map(summedTop(far, Number.MAX_SAFE_INTEGER).map((h) => [h.rowid - 2 ** 40, h.score]));
      expect(merged.size).toBe(expected.size);
      for (const [rowid, score] of merged) expect(Object.is(score, expected.get(rowid))).toBe(true);
      rows += got.length;
    }
    expect(rows).toBeGreaterThan(5000);
  });

  it('keeps exactly the rows scoring at least the limit-th best, ties at the cut included', () => {
    const r = prng(13);
    let tiesAtCut = 0;
    for (let q = 0; q < 60; q++) {
      const phrases = [...new Set(Array.from({ length: 1 + Math.floor(r() * 4) }, () => phrase(word(r))))];
      const limit = 1 + Math.floor(r() * 40);
      const all = [...orQuery(phrases).values()].sort((a, b) => b - a);
      const cut = all[Math.min(limit, all.length) - 1];
      const got = summedTop(phrases.map(load), limit);
      expect(got.length).toBe(all.filter((s) => s >= cut!).length);
      expect(got.every((h) => h.score >= cut!)).toBe(true);
      if (got.length > limit) tiesAtCut++;
    }
    expect(tiesAtCut).toBeGreaterThan(0);
  });

  it('returns nothing for no rows or no room', () => {
    expect(summedTop([load(phrase('absent'))], 10)).toEqual([]);
    expect(summedTop([load(phrase('w0'))], 0)).toEqual([]);
  });

  it('merges lists by rowid whatever order their rows came in, and any rowid', () => {
    const lists = [termScoreList([[2 ** 40, 0.25], [1, 0.5]]), termScoreList([[7, 2], [2 ** 40, 0.125]])];
    expect([...lists[0]!.rowids]).toEqual([1, 2 ** 40]);
    expect(summedTop(lists, 2).sort((a, b) => a.rowid - b.rowid)).toEqual([
      { rowid: 1, score: 0.5 },
      { rowid: 7, score: 2 },
    ]);
    expect(summedTop(lists, 3).find((h) => h.rowid === 2 ** 40)?.score).toBe(0.375);
  });
});

describe('TermScoreCache', () => {
  const list = (n: number): TermScoreList => ({ rowids: new Float64Array(n), scores: new Float64Array(n) });

  it('loads a term once, keeps the most recently used within its row budget, and never keeps a list larger than it', () => {
    const cache = new TermScoreCache(10);
    const loads: string[] = [];
    const load = (n: number) => (p: string) => {
      loads.push(p);
      return list(n);
    };
    const a = cache.get('a', load(4));
    expect(cache.get('a', load(4))).toBe(a);
    cache.get('b', load(4));
    cache.get('a', load(4)); // a is now the most recently used
    cache.get('c', load(4)); // 12 rows > 10: b, the least recently used, leaves
    expect(cache.size).toBe(8);
    cache.get('a', load(4));
    cache.get('b', load(4));
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    cache.get('huge', load(11));
    cache.get('huge', load(11));
    expect(loads.filter((p) => p === 'huge')).toHaveLength(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('shrinks to a new bound by dropping the least recently used lists, and grows without dropping any', () => {
    const cache = new TermScoreCache(12);
    const loads: string[] = [];
    const load = (p: string) => {
      loads.push(p);
      return list(4);
    };
    for (const p of ['a', 'b', 'c', 'a']) cache.get(p, load); // b is now the least recently used
    cache.resize(8);
    expect(cache.bound).toBe(8);
    expect(cache.size).toBe(8);
    cache.get('a', load);
    cache.get('c', load);
    expect(loads).toEqual(['a', 'b', 'c']);
    cache.resize(100);
    cache.get('b', load);
    expect(cache.size).toBe(12);
    cache.resize(0);
    expect(cache.size).toBe(0);
    cache.get('a', load);
    expect(cache.size).toBe(0);
  });
});

describe('termScoreRows', () => {
  it('grows with the sections between a floor and a ceiling, unless a bound is configured', () => {
    expect(termScoreRows(0)).toBe(TERM_SCORE_MIN_ROWS);
    expect(termScoreRows(10_000)).toBe(TERM_SCORE_MIN_ROWS);
    expect(termScoreRows(100_000)).toBe(1_600_000); // 16 a section
    expect(termScoreRows(1_000_000)).toBe(16_000_000);
    expect(termScoreRows(5_000_000)).toBe(TERM_SCORE_MAX_ROWS);
    expect(TERM_SCORE_MIN_ROWS * 16).toBe(16 * 2 ** 20); // 16 MiB, the bound before it grew
    expect(TERM_SCORE_MAX_ROWS * 16).toBe(256 * 2 ** 20);
    expect(termScoreRows(1_000_000, 1)).toBe(65_536); // 1 MiB of 16-byte rows
    expect(termScoreRows(1_000_000, 0)).toBe(0);
    expect(termScoreRows(10, 0.5)).toBe(32_768);
  });
});
