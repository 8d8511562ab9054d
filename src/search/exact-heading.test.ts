import { describe, expect, it } from 'vitest';
import { terms } from '../domain/text.js';
import type { SectionKey } from '../store/store.js';
import type { FusedCandidate } from './fusion.js';
import { exactHeadingFirst } from './search.js';

const key = (id: string, ...headingPath: string[]): SectionKey => ({ id, docId: `d-${id}`, parentId: null, anchor: id, headingPath });
const candidate = (sectionId: string, score: number): FusedCandidate => ({ sectionId, score, parts: {} });

describe('exactHeadingFirst', () => {
  const keys = new Map(
    [
      key('a', 'Forms API', 'Testing for multipart forms'),
      key('b', 'File uploads', 'Basic file uploads'),
      key('c', 'Forms API', 'Binding uploaded files to a form'),
      key('d', 'Forms', 'Binding Uploaded Files To A Form'),
      key('e', 'Overview'),
    ].map((k) => [k.id, k]),
  );
  const window = [candidate('a', 0.09), candidate('b', 0.08), candidate('c', 0.07), candidate('e', 0.06), candidate('d', 0.05)];

  it('puts the sections whose own heading is the query first, in their order, above the best score', () => {
    const out = exactHeadingFirst(window, keys, terms('binding uploaded files to a form'));
    expect(out.map((c) => c.sectionId)).toEqual(['c', 'd', 'a', 'b', 'e']);
    expect(out[0]!.score).toBeGreaterThan(out[1]!.score);
    expect(out[1]!.score).toBeGreaterThan(0.09);
    // sorted by score, the order stays
    expect([...out].sort((x, y) => y.score - x.score).map((c) => c.sectionId)).toEqual(out.map((c) => c.sectionId));
  });

  it('needs the same terms, at least two: more or fewer words, or a one-word query, change nothing', () => {
    for (const q of ['binding uploaded files to a form in django', 'binding uploaded files', 'overview']) {
      expect(exactHeadingFirst(window, keys, terms(q)).map((c) => c.sectionId)).toEqual(['a', 'b', 'c', 'e', 'd']);
    }
  });
});
