import { describe, expect, it } from 'vitest';
import { filterClauses, matchesFilters } from './filters.js';

const doc = { sourceId: 's1', uri: 'guides/tls.md', meta: { tags: ['how-to', 'tls'] } };

describe('search filters', () => {
  it('ignores absent and empty fields, and keeps one clause per tag', () => {
    expect(filterClauses(undefined)).toEqual([]);
    expect(filterClauses({ sourceId: '', uriPrefix: '', tags: [] })).toEqual([]);
    expect(filterClauses({ sourceId: 's', uriPrefix: 'a/', tags: ['x', 'y'] })).toEqual([
      { field: 'source', values: ['s'] },
      { field: 'uriPrefix', value: 'a/' },
      { field: 'tag', value: 'x' },
      { field: 'tag', value: 'y' },
    ]);
  });

  it('ANDs the clauses: source equal, uri prefix, every tag present', () => {
    expect(matchesFilters(doc, {})).toBe(true);
    expect(matchesFilters(doc, { sourceId: 's1', uriPrefix: 'guides/', tags: ['tls'] })).toBe(true);
    expect(matchesFilters(doc, { sourceId: 's2' })).toBe(false);
    expect(matchesFilters(doc, { sourceIds: ['s2', 's1'] })).toBe(true);
    expect(matchesFilters(doc, { sourceIds: [] })).toBe(false);
    expect(matchesFilters(doc, { uriPrefix: 'guides/x' })).toBe(false);
    expect(matchesFilters(doc, { tags: ['tls', 'reference'] })).toBe(false);
    expect(matchesFilters({ ...doc, meta: {} }, { tags: ['tls'] })).toBe(false);
  });
});
