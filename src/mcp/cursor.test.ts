import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../domain/errors.js';
import { decodeCursor, encodeCursor, queryHash } from './cursor.js';

describe('paging cursors', () => {
  it('round-trip and stay opaque (base64url)', () => {
    const c = encodeCursor('search', { h: queryHash(['tls', {}]), o: 20 });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, 'search', 'search_docs')).toEqual({ h: queryHash(['tls', {}]), o: 20 });
  });

  it('refuse garbage, a cursor of another kind, and out-of-range offsets', () => {
    const section = encodeCursor('section', { id: 's_x', c: 10 });
    expect(() => decodeCursor(section, 'search', 'search_docs')).toThrow(InvalidInputError);
    expect(() => decodeCursor('%%%', 'search', 'search_docs')).toThrow(/not one search_docs returned/);
    const forged = Buffer.from(JSON.stringify({ v: 1, k: 'search', h: 'x', o: 10_000_000 })).toString('base64url');
    expect(() => decodeCursor(forged, 'search', 'search_docs')).toThrow(InvalidInputError);
  });

  it('carry the graph tools\' positions, each refused by the other tools', () => {
    const mentions = encodeCursor('mentions', { id: 'e_x', o: 7 });
    expect(decodeCursor(mentions, 'mentions', 'lookup_entity')).toEqual({ id: 'e_x', o: 7 });
    expect(decodeCursor(encodeCursor('traverse', { h: 'abc', o: 40 }), 'traverse', 'traverse')).toEqual({ h: 'abc', o: 40 });
    expect(() => decodeCursor(mentions, 'steps', 'get_procedure')).toThrow(/not one get_procedure returned/);
    expect(() => decodeCursor(encodeCursor('explain', { h: 'abc', o: 1 }), 'search', 'search_docs')).toThrow(InvalidInputError);
  });

  it('bind a search to its query and filters', () => {
    expect(queryHash(['tls', {}])).not.toBe(queryHash(['tls', { uriPrefix: 'guides/' }]));
  });
});
