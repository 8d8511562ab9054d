import { describe, expect, it } from 'vitest';
import { terms } from '../domain/text.js';
import type { SynonymTable } from './synonyms.js';
import { defaultSynonyms, groupWeights, synonymTable } from './synonyms.js';
import { bm25Idf } from '../store/lexical.js';

const expand = (table: SynonymTable, q: string) => table.expand(q, terms(q));

describe('query synonyms', () => {
  it('ask for the word the docs use when the query has an abbreviation or an everyday word', () => {
    expect(expand(defaultSynonyms(), 'temp dir that deletes itself')).toEqual({
      terms: [...terms('temporary'), ...terms('directory')],
      words: ['temporary', 'directory'],
      groups: [
        [...terms('temp'), ...terms('temporary')],
        [...terms('dir'), ...terms('directory')],
      ],
    });
    expect(expand(defaultSynonyms(), 'copy the Folders over').words).toEqual(['directory']); // plural, any case
    expect(expand(defaultSynonyms(), 'duplicate a repo').words).toEqual(['copy', 'repository']);
  });

  it('go one way only: the full word does not ask for its abbreviation', () => {
    expect(expand(defaultSynonyms(), 'error in the temporary directory')).toEqual({ terms: [], words: [], groups: [] });
  });

  it('leave identifiers alone: parts of ERR_X, maxListeners or dictConfig do not expand', () => {
    expect(expand(defaultSynonyms(), 'ERR_REQUIRE_ESM maxListeners dictConfig async_hooks').words).toEqual([]);
  });

  it('add nothing the query already holds, but still pair the word with the one it stands for', () => {
    expect(expand(defaultSynonyms(), 'dir or directory')).toEqual({ terms: [], words: [], groups: [[...terms('dir'), ...terms('directory')]] });
  });

  it('take the user’s groups after the builtin ones, multi-word canonical forms included, and can leave the builtin ones out', () => {
    const mine = synonymTable({ builtin: true, groups: [['kubernetes', 'k8s'], ['virtual environment', 'venv']] });
    expect(expand(mine, 'k8s venv in a dir').words).toEqual(['kubernetes', 'virtual environment', 'directory']);
    expect(expand(mine, 'k8s venv in a dir').terms).toEqual([...terms('kubernetes'), ...terms('virtual environment'), ...terms('directory')]);
    const only = synonymTable({ builtin: false, groups: [['kubernetes', 'k8s']] });
    expect(expand(only, 'k8s dir').words).toEqual(['kubernetes']);
    expect(synonymTable({ builtin: false, groups: [] }).size).toBe(0);
  });
});

describe('a word and the one it stands for, weighed as one term', () => {
  const [folder, directory] = [terms('folder')[0]!, terms('directory')[0]!];
  it('scales each to the idf of the group, that of its most frequent member', () => {
    const w = groupWeights([[folder, directory]], 10_000, new Map([[folder, 10], [directory, 1000]]));
    // the rarer word counts as much as the common one would; the common one as itself
    expect(w?.get(folder)).toBeCloseTo(bm25Idf(10_000, 1000) / bm25Idf(10_000, 10), 12);
    expect(w?.has(directory)).toBe(false);
  });

  it('leave a group alone when the index holds only one of its words', () => {
    expect(groupWeights([[folder, directory]], 10_000, new Map([[folder, 0], [directory, 1000]]))).toBeUndefined();
    expect(groupWeights([[folder, directory]], 10_000, new Map([[directory, 1000]]))).toBeUndefined();
  });

  it('take the smallest weight when a term is in two groups', () => {
    const copy = terms('copy')[0]!;
    const w = groupWeights([[folder, directory], [folder, copy]], 10_000, new Map([[folder, 10], [directory, 100], [copy, 1000]]));
    expect(w?.get(folder)).toBeCloseTo(bm25Idf(10_000, 1000) / bm25Idf(10_000, 10), 12);
  });
});
