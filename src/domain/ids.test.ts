import { describe, expect, it } from 'vitest';
import { checksum, documentId, entityId, sectionId, sourceId } from './ids.js';

describe('deterministic ids', () => {
  it('gives the same input the same id, across calls', () => {
    expect(documentId('src_1', 'guide/install.md')).toBe(documentId('src_1', 'guide/install.md'));
    expect(sectionId('d_1', ['Install', 'Linux'], 0)).toBe(sectionId('d_1', ['Install', 'Linux'], 0));
    expect(entityId('ErrorCode', 'ACME_E1042')).toBe(entityId('ErrorCode', 'ACME_E1042'));
    expect(sourceId('fs', '/srv/docs')).toBe(sourceId('fs', '/srv/docs'));
  });

  it('pins the id format (a change would re-key every stored index)', () => {
    expect(documentId('src_1', 'guide/install.md')).toMatch(/^d_[0-9a-f]{24}$/);
    expect(sectionId('d_1', ['A'], 0)).toMatch(/^s_[0-9a-f]{24}$/);
    expect(entityId('Command', 'acme deploy')).toMatch(/^e_[0-9a-f]{24}$/);
    expect(sourceId('fs', '/srv/docs')).toMatch(/^src_[0-9a-f]{12}$/);
    expect(checksum('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(checksum(new TextEncoder().encode('abc'))).toBe(checksum('abc'));
  });

  it('tells apart every part of the key', () => {
    const ids = new Set([
      documentId('src_1', 'a.md'),
      documentId('src_2', 'a.md'),
      documentId('src_1', 'b.md'),
      sectionId('d_1', ['A', 'B'], 0),
      sectionId('d_1', ['A', 'B'], 1),
      sectionId('d_1', ['A'], 0),
      sectionId('d_2', ['A', 'B'], 0),
      entityId('Command', 'deploy'),
      entityId('Concept', 'deploy'),
    ]);
    expect(ids.size).toBe(9);
  });

  it('does not collide when parts are joined differently', () => {
    // naive joining with a space or slash would make these equal
    expect(sectionId('d_1', ['a b', 'c'], 0)).not.toBe(sectionId('d_1', ['a', 'b c'], 0));
    expect(sectionId('d_1', ['a/b'], 0)).not.toBe(sectionId('d_1', ['a', 'b'], 0));
    expect(documentId('src_1', 'x')).not.toBe(documentId('src_', '1x'));
  });

  it('keeps a section id when other sections are added elsewhere (path + ordinal, not position)', () => {
    // the id depends only on the doc, the heading path and the ordinal among equal paths
    const before = sectionId('d_1', ['Guide', 'Options'], 1);
    expect(sectionId('d_1', ['Guide', 'Options'], 1)).toBe(before);
    expect(sectionId('d_1', ['Guide', 'Options'], 0)).not.toBe(before);
  });
});
