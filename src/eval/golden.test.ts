import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../domain/errors.js';
import type { SearchHit } from '../domain/types.js';
import { percentile, readGolden, runEval, scoreQuery, type GoldenQuery } from './golden.js';

function hit(uri: string, heading = 'Overview'): SearchHit {
  return { sectionId: `s_${uri}_${heading}`, docId: `d_${uri}`, source: 'docs', version: null, uri, anchor: '', heading, headingPath: [heading], title: uri, snippet: '', score: 0, confidence: 0, parts: {} };
}

const golden = (relevant: GoldenQuery['relevant'], intent = 'how-to'): GoldenQuery => ({ id: 'q1', intent, query: 'q', relevant });

describe('scoreQuery: document-level metrics (graded 2/1)', () => {
  // relevant: a (2), b (1), c (1); ranked documents: x, a, b, y (a's second hit is not a new document)
  const g = golden([
    { doc: 'a.md', grade: 2 },
    { doc: 'b.md', grade: 1 },
    { doc: 'c.md', grade: 1 },
  ]);
  const hits = [hit('x.md'), hit('a.md'), hit('a.md', 'Other'), hit('b.md'), hit('y.md')];

  it('nDCG@10 with gain = grade and log2 discounts (as ../shared/eval/score.mjs)', () => {
    // x, a, a again (a repeat: a non-relevant position), b at rank 4
    const dcg = 2 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 2 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(scoreQuery(g, hits).ndcg10).toBeCloseTo(dcg / idcg, 10);
    expect(scoreQuery(g, hits).ndcg10).toBeCloseTo(0.54059, 4);
  });

  it('MRR and Hit@k look for a grade-2 document, not any relevant one', () => {
    expect(scoreQuery(g, [hit('b.md'), hit('x.md'), hit('a.md')])).toMatchObject({ mrr10: 1 / 3, hit1: 0, hit5: 1, recall10: 2 / 3 });
    expect(scoreQuery(g, [hit('b.md'), hit('c.md')])).toMatchObject({ mrr10: 0, hit1: 0, hit5: 0, recall10: 2 / 3 });
  });

  it('Recall@10, MRR@10, Hit@1 and Hit@5', () => {
    expect(scoreQuery(g, hits)).toMatchObject({ recall10: 2 / 3, mrr10: 1 / 2, hit1: 0, hit5: 1 });
    // a repeated document keeps its rank: b is the fourth position, not the third
    expect(scoreQuery(g, [hit('x.md'), hit('x.md', 'Again'), hit('x.md', 'More'), hit('y.md'), hit('z.md'), hit('a.md')])).toMatchObject({ mrr10: 1 / 6, hit5: 0 });
  });

  it('a perfect ranking scores 1 everywhere', () => {
    expect(scoreQuery(g, [hit('a.md'), hit('b.md'), hit('c.md')])).toMatchObject({ ndcg10: 1, recall10: 1, mrr10: 1, hit1: 1, hit5: 1 });
    // the two grade-1 documents may swap without loss
    expect(scoreQuery(g, [hit('a.md'), hit('c.md'), hit('b.md')]).ndcg10).toBeCloseTo(1, 12);
  });

  it('nothing relevant found scores 0', () => {
    expect(scoreQuery(g, [hit('x.md'), hit('y.md')])).toEqual({ ndcg10: 0, recall10: 0, mrr10: 0, hit1: 0, hit5: 0, sectionHit5: null });
    expect(scoreQuery(g, [])).toMatchObject({ ndcg10: 0, mrr10: 0 });
  });

  it('counts only the first 10 distinct documents, and Hit@5 only the first 5', () => {
    const noise = Array.from({ length: 10 }, (_, i) => hit(`n${i}.md`));
    expect(scoreQuery(g, [...noise, hit('a.md')])).toMatchObject({ ndcg10: 0, recall10: 0, mrr10: 0 });
    const sixth = [...noise.slice(0, 5), hit('a.md')];
    expect(scoreQuery(g, sixth)).toMatchObject({ mrr10: 1 / 6, hit5: 0 });
  });

  it('a document listed twice keeps its best grade', () => {
    const twice = golden([
      { doc: 'a.md', grade: 1 },
      { doc: 'a.md', heading: 'Install', grade: 2 },
    ]);
    expect(scoreQuery(twice, [hit('a.md')])).toMatchObject({ ndcg10: 1, recall10: 1 });
  });
});

describe('scoreQuery: section Hit@5', () => {
  const g = golden([
    { doc: 'api/fs.md', heading: '`fs.readFile(path[, options], callback)`', grade: 2 },
    { doc: 'api/fs.md', heading: 'File modes', grade: 1 },
  ]);

  it('matches a grade-2 (doc, heading) in the top five, ignoring backticks, case and whitespace', () => {
    const hits = [hit('x.md'), hit('api/fs.md', 'FS.READFILE(path[,  options], callback)')];
    expect(scoreQuery(g, hits).sectionHit5).toBe(1);
    expect(scoreQuery(g, [hit('api/fs.md', 'fs.readFile(path[,options],callback)')]).sectionHit5).toBe(1);
  });

  it('matches a grade-2 anchor case-insensitively, and is null when the query names no grade-2 section', () => {
    const anchored = golden([{ doc: 'library/json.html', anchor: 'json.dumps', grade: 2 }]);
    const at = (anchor: string): SearchHit => ({ ...hit('library/json.html', 'whatever'), anchor });
    expect(scoreQuery(anchored, [at('JSON.dumps')]).sectionHit5).toBe(1);
    expect(scoreQuery(anchored, [at('json.loads')]).sectionHit5).toBe(0);
    expect(scoreQuery(golden([{ doc: 'a.md', grade: 2 }, { doc: 'b.md', heading: 'Intro', grade: 1 }]), [hit('a.md')]).sectionHit5).toBeNull();
  });

  it('needs the same document and a grade-2 heading within the first five hits', () => {
    expect(scoreQuery(g, [hit('other.md', 'fs.readFile(path[, options], callback)')]).sectionHit5).toBe(0);
    expect(scoreQuery(g, [hit('api/fs.md', 'File modes')]).sectionHit5).toBe(0);
    const late = [...Array.from({ length: 5 }, (_, i) => hit(`n${i}.md`)), hit('api/fs.md', 'fs.readFile(path[, options], callback)')];
    expect(scoreQuery(g, late).sectionHit5).toBe(0);
  });
});

describe('readGolden', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-golden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads JSONL, skipping blank lines and defaulting the intent', () => {
    const p = file('ok.jsonl', '{"id":"1","query":"rotate tls","relevant":[{"doc":"tls.md","grade":2}]}\n\n{"id":"2","intent":"error","query":"E1042","relevant":[{"doc":"errors.md","heading":"E1042","grade":1}]}\n');
    const queries = readGolden(p);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({ id: '1', intent: 'all' });
    expect(queries[1]!.relevant[0]).toEqual({ doc: 'errors.md', heading: 'E1042', grade: 1 });
  });

  it.each([
    ['bad-json.jsonl', '{"id":"1","query":"q","relevant":[{"doc":"a","grade":2}]}\n{not json\n', /bad-json\.jsonl:2 is not valid JSON/],
    ['bad-grade.jsonl', '{"id":"1","query":"q","relevant":[{"doc":"a","grade":5}]}\n', /bad-grade\.jsonl:1: relevant\.0\.grade/],
    ['no-relevant.jsonl', '{"id":"1","query":"q","relevant":[]}\n', /no-relevant\.jsonl:1: relevant/],
    ['empty.jsonl', '\n\n', /holds no queries/],
  ])('rejects %s with InvalidInputError naming the line', (name, text, message) => {
    const p = file(name, text);
    expect(() => readGolden(p)).toThrow(InvalidInputError);
    expect(() => readGolden(p)).toThrow(message);
  });

  it('rejects a missing file', () => {
    expect(() => readGolden(join(dir, 'missing.jsonl'))).toThrow(/cannot read/);
  });
});

describe('runEval', () => {
  const queries: GoldenQuery[] = [
    { id: 'q1', intent: 'how-to', query: 'rotate', relevant: [{ doc: 'a.md', grade: 2 }] },
    { id: 'q2', intent: 'error', query: 'e1042', relevant: [{ doc: 'b.md', grade: 2 }] },
  ];
  const answers: Record<string, string[]> = { rotate: ['a.md'], e1042: ['x.md', 'b.md'] };

  it('averages metrics overall and per intent, for each mode, after a warm-up pass', async () => {
    const calls: string[] = [];
    const run = async (query: string, mode: string): Promise<SearchHit[]> => {
      calls.push(`${mode}:${query}`);
      return (mode === 'lexical' ? answers[query]! : []).map((u) => hit(u));
    };
    const report = await runEval(queries, ['lexical', 'vector'], run, 'set.jsonl');
    expect(calls).toHaveLength(8); // 2 modes × 2 queries × (warm-up + measured)
    expect(report).toMatchObject({ golden: 'set.jsonl', queries: 2 });
    const row = (mode: string, intent: string) => report.rows.find((r) => r.mode === mode && r.intent === intent)!;
    expect(row('lexical', 'all')).toMatchObject({ queries: 2, mrr10: (1 + 1 / 2) / 2, hit1: 0.5, hit5: 1, recall10: 1 });
    expect(row('lexical', 'how-to')).toMatchObject({ queries: 1, mrr10: 1, ndcg10: 1 });
    expect(row('lexical', 'error')).toMatchObject({ queries: 1, mrr10: 0.5 });
    expect(row('vector', 'all')).toMatchObject({ queries: 2, mrr10: 0, ndcg10: 0 });
    expect(report.rows).toHaveLength(6);
    expect(report.perQuery).toHaveLength(4);
  });
});

describe('percentile (nearest rank)', () => {
  it('picks the value at ceil(p·n)', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(v, 0.5)).toBe(5);
    expect(percentile(v, 0.95)).toBe(10);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBe(0);
  });
});
