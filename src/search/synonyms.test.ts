import { describe, expect, it } from 'vitest';
import { terms } from '../domain/text.js';
import type { SynonymTable } from './synonyms.js';
import { defaultSynonyms, synonymTable } from './synonyms.js';

const expand = (table: SynonymTable, q: string) => table.expand(q, terms(q));

describe('query synonyms', () => {
  it('ask for the word the docs use when the query has an abbreviation or an everyday word', () => {
    expect(expand(defaultSynonyms(), 'temp dir that deletes itself')).toEqual({ terms: [...terms('temporary'), ...terms('directory')], words: ['temporary', 'directory'] });
    expect(expand(defaultSynonyms(), 'copy the Folders over').words).toEqual(['directory']); // plural, any case
    expect(expand(defaultSynonyms(), 'duplicate a repo').words).toEqual(['copy', 'repository']);
  });

  it('go one way only: the full word does not ask for its abbreviation', () => {
    expect(expand(defaultSynonyms(), 'error in the temporary directory')).toEqual({ terms: [], words: [] });
  });

  it('leave identifiers alone: parts of ERR_X, maxListeners or dictConfig do not expand', () => {
    expect(expand(defaultSynonyms(), 'ERR_REQUIRE_ESM maxListeners dictConfig async_hooks').words).toEqual([]);
  });

  it('add nothing the query already holds', () => {
    expect(expand(defaultSynonyms(), 'dir or directory')).toEqual({ terms: [], words: [] });
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
