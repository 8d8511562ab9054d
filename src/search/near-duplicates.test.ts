import { describe, expect, it } from 'vitest';
import { DUPLICATE_OVERLAP, overlap, shingles, withoutNearDuplicates } from './near-duplicates.js';

const diffOptions =
  'Generate patches in the unified format. Show a word diff, using the given mode to delimit changed words. ' +
  'Detect renames. Omit the preimage for deletes. Treat all files as text.';

describe('shingles and overlap', () => {
  it('folds case and punctuation: the same words give the same shingles', () => {
    expect(shingles('Detect renames, and omit THE preimage.')).toEqual(shingles('detect renames and omit the preimage'));
  });
  it('a text under five words has none, so it overlaps nothing', () => {
    expect(shingles('NAME git-log').size).toBe(0);
    expect(overlap(shingles('NAME git-log'), shingles(diffOptions))).toBe(0);
  });
  it('measures the share of the shorter text found in the longer one', () => {
    expect(overlap(shingles(diffOptions), shingles(`git log shows the commit logs. ${diffOptions} Walk the reflog too.`))).toBe(1);
    expect(overlap(shingles(diffOptions), shingles('A different passage about pushing branches to a remote over HTTP.'))).toBe(0);
  });
});

describe('withoutNearDuplicates', () => {
  const hit = (doc: string, text: string) => ({ doc, text });
  const run = (list: ReturnType<typeof hit>[], want = 10) => withoutNearDuplicates(list, (h) => h.doc, (h) => shingles(h.text), want).map((h) => h.doc);

  it('keeps the best-ranked copy of a passage and drops its copies on other pages', () => {
    const list = [hit('git-log', diffOptions), hit('git-show', `${diffOptions} Show the tag too.`), hit('git-blame', 'Annotate each line of a file with the commit that last changed it.'), hit('git-diff', diffOptions)];
    expect(run(list)).toEqual(['git-log', 'git-blame']);
  });
  it('never treats two sections of one page as copies, nor texts it does not have', () => {
    expect(run([hit('a', diffOptions), hit('a', diffOptions)])).toEqual(['a', 'a']);
    expect(withoutNearDuplicates([{ doc: 'a' }, { doc: 'b' }], (h) => h.doc, () => undefined, 10)).toHaveLength(2);
  });
  it('stops at `want` hits, counting only the ones kept', () => {
    const list = [hit('a', diffOptions), hit('b', diffOptions), hit('c', 'one two three four five six'), hit('d', 'seven eight nine ten eleven twelve')];
    expect(run(list, 2)).toEqual(['a', 'c']);
  });
  it('half of the shorter text is the line: just under it is not a copy', () => {
    const words = Array.from({ length: 24 }, (_, i) => `w${i}`);
    const a = words.join(' '); // 20 shingles
    const b = [...words.slice(0, 14), ...Array.from({ length: 10 }, (_, i) => `x${i}`)].join(' '); // shares 10 of its 20
    const c = [...words.slice(0, 13), ...Array.from({ length: 11 }, (_, i) => `y${i}`)].join(' '); // shares 9
    expect(overlap(shingles(a), shingles(b))).toBe(DUPLICATE_OVERLAP);
    expect(run([hit('p', a), hit('q', b)])).toEqual(['p']);
    expect(run([hit('p', a), hit('q', c)])).toEqual(['p', 'q']);
  });
});
