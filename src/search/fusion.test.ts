import { describe, expect, it } from 'vitest';
import { DEFAULT_FUSION, fuse } from './fusion.js';

const list = (...ids: string[]): { sectionId: string; score: number }[] => ids.map((sectionId, i) => ({ sectionId, score: 10 - i }));

describe('fuse: weighted reciprocal-rank fusion', () => {
  it('sums w / (k + rank) over the lists (hand-computed)', () => {
    const fused = fuse({ lexical: list('a', 'b'), vector: list('b', 'c') }, { weights: { lexical: 1, vector: 0.5 }, k: 20 });
    expect(fused.map((c) => c.sectionId)).toEqual(['b', 'a', 'c']);
    const score = Object.fromEntries(fused.map((c) => [c.sectionId, c.score]));
    expect(score.b).toBeCloseTo(1 / 22 + 0.5 / 21, 12);
    expect(score.a).toBeCloseTo(1 / 21, 12);
    expect(score.c).toBeCloseTo(0.5 / 22, 12);
  });

  it("keeps each retriever's raw score and 1-based rank", () => {
    const fused = fuse({
      lexical: [
        { sectionId: 'a', score: 7.5 },
        { sectionId: 'b', score: 3.25 },
      ],
      vector: [{ sectionId: 'b', score: 0.91 }],
    });
    const b = fused.find((c) => c.sectionId === 'b')!;
    expect(b.parts).toEqual({ lexical: { score: 3.25, rank: 2 }, vector: { score: 0.91, rank: 1 } });
    expect(fused.find((c) => c.sectionId === 'a')!.parts).toEqual({ lexical: { score: 7.5, rank: 1 } });
  });

  it('a bigger k flattens the advantage of the top ranks', () => {
    // a: first in one list only; b: third in both
    const lists = { lexical: list('a', 'p', 'b'), vector: list('x', 'q', 'b') };
    const sharp = fuse(lists, { weights: { lexical: 1, vector: 1 }, k: 0 });
    const flat = fuse(lists, { weights: { lexical: 1, vector: 1 }, k: 60 });
    expect(sharp.map((c) => c.sectionId).slice(0, 3)).toEqual(['a', 'x', 'b']); // 1/1 > 1/3 + 1/3
    expect(flat[0]!.sectionId).toBe('b'); // 2/63 > 1/61
  });

  it('weights decide between lists', () => {
    const lists = { lexical: list('lex'), vector: list('vec') };
    expect(fuse(lists, { weights: { lexical: 1, vector: 0.5 }, k: 20 })[0]!.sectionId).toBe('lex');
    expect(fuse(lists, { weights: { lexical: 0.5, vector: 1 }, k: 20 })[0]!.sectionId).toBe('vec');
  });

  it('a retriever without a weight adds nothing but is still explained', () => {
    const fused = fuse({ lexical: list('a'), graph: list('g') }, { weights: { lexical: 1 }, k: 20 });
    expect(fused.map((c) => [c.sectionId, c.score])).toEqual([
      ['a', 1 / 21],
      ['g', 0],
    ]);
    expect(fused[1]!.parts.graph).toEqual({ score: 10, rank: 1 });
  });

  it('breaks ties by section id, so the order is deterministic', () => {
    const fused = fuse({ lexical: list('b', 'x'), vector: list('a', 'y') }, { weights: { lexical: 1, vector: 1 }, k: 20 });
    expect(fused.map((c) => c.sectionId)).toEqual(['a', 'b', 'x', 'y']);
  });

  it('returns nothing for no candidates', () => {
    expect(fuse({})).toEqual([]);
    expect(fuse({ lexical: [], vector: [] })).toEqual([]);
  });

  it('uses DEFAULT_FUSION when no weights are given', () => {
    const lists = { lexical: list('a', 'b'), vector: list('b', 'a') };
    expect(fuse(lists)).toEqual(fuse(lists, DEFAULT_FUSION));
    const { weights, k } = DEFAULT_FUSION;
    expect(fuse({ lexical: list('a'), vector: list('a') })[0]!.score).toBeCloseTo(((weights.lexical ?? 0) + (weights.vector ?? 0)) / (k + 1), 12);
    expect(weights.lexical).toBeGreaterThan(0);
    expect(weights.vector).toBeGreaterThan(0);
  });
});
