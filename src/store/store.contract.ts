/**
 * The contract every Store implementation must meet (DESIGN §5). Each
 * implementation's test file calls `storeContract` with a factory that
 * returns a fresh, empty store; the suite closes it after each test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeFacts } from '../domain/entity-facts.js';
import { isDocgraphError } from '../domain/errors.js';
import { queryWordKeys, wordKeys } from '../domain/names.js';
import { checksum, documentId, entityId, sectionId, sourceId as makeSourceId } from '../domain/ids.js';
import { terms } from '../domain/text.js';
import type { DocumentMeta, DocumentRecord, SectionLink, SectionRecord } from '../domain/types.js';
import { matchesFilters } from './filters.js';
import type { DocumentWrite, SearchFilters, Store, StoredEmbedder } from './store.js';

const SRC_A = makeSourceId('fs', '/docs/a');
const SRC_B = makeSourceId('fs', '/docs/b');
const EMBEDDER: StoredEmbedder = { id: 'test:v1', provider: 'test', model: 'fixed-4d', dimensions: 4 };

/** A section as a test writes it: heading (empty for a preamble), body, optional vector and links. */
export interface SectionSpec {
  heading: string;
  text: string;
  /** Index of the parent in the same list. */
  parent?: number;
  vector?: number[];
  links?: SectionLink[];
  aliases?: string[];
}

export interface DocSpec {
  sourceId?: string;
  uri: string;
  title?: string;
  meta?: DocumentMeta;
  indexedAt?: string;
  sections: SectionSpec[];
}

/** Scales to unit length: stores hold what embedders return (L2-normalised vectors). */
export function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v) || 1;
  return Float32Array.from(v, (x) => x / n);
}

/** Builds a DocumentWrite the way ingest does: deterministic ids, index terms per field. */
export function documentWrite(spec: DocSpec): DocumentWrite {
  const src = spec.sourceId ?? SRC_A;
  const docId = documentId(src, spec.uri);
  const title = spec.title ?? spec.uri;
  const ids: string[] = [];
  const paths: string[][] = [];
  const sections: SectionRecord[] = [];
  const vectors = new Map<string, Float32Array>();
  const lexical = new Map<string, { heading: string; context: string; body: string }>();
  spec.sections.forEach((s, seq) => {
    const parentPath = s.parent === undefined ? [] : paths[s.parent]!;
    const headingPath = s.heading === '' ? [] : [...parentPath, s.heading];
    paths.push(headingPath);
    const ordinal = paths.slice(0, seq).filter((p) => p.join('\u001f') === headingPath.join('\u001f')).length;
    const id = sectionId(docId, headingPath, ordinal);
    ids.push(id);
    sections.push({
      id,
      docId,
      parentId: s.parent === undefined ? null : ids[s.parent]!,
      seq,
      ordinal,
      level: s.heading === '' ? 0 : headingPath.length,
      heading: s.heading,
      anchor: s.heading.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '-'),
      aliases: s.aliases ?? [],
      headingPath,
      text: s.text,
      part: 0,
      tokens: Math.ceil(s.text.length / 4),
      checksum: checksum(headingPath.join(' > ') + '\n\n' + s.text),
      links: s.links ?? [],
    });
    if (s.vector) vectors.set(id, unit(s.vector));
    lexical.set(id, {
      heading: terms(s.heading).join(' '),
      context: terms([title, ...parentPath].join(' ')).join(' '),
      body: terms(s.text).join(' '),
    });
  });
  const document: DocumentRecord = {
    id: docId,
    sourceId: src,
    uri: spec.uri,
    title,
    format: spec.uri.endsWith('.html') ? 'html' : 'markdown',
    checksum: checksum(JSON.stringify(spec)),
    bytes: JSON.stringify(spec).length,
    meta: spec.meta ?? {},
    indexedAt: spec.indexedAt ?? '2025-01-01T00:00:00.000Z',
  };
  return { document, sections, vectors, lexical };
}

function sectionIdsOf(w: DocumentWrite): string[] {
  return w.sections.map((s) => s.id);
}

/** What an implementation declares beyond the core contract; the suite runs or skips the tests that need it. */
export interface StoreCapabilities {
  /** `stats().bytes` measures the index's storage (a file, a database); false: it is always 0 (process memory). */
  measuresBytes: boolean;
  /**
   * Opens another handle on the store `makeStore` made last (another
   * process's connection). Absent when a store lives in one handle only.
   */
  anotherHandle?: () => Store | Promise<Store>;
  /**
   * Starts counting the entity rows the store `makeStore` made last rewrites
   * (an UPDATE of the row: one re-merge of the entity from its facts), with a
   * trigger the test file adds; returns the count so far. Absent when the test
   * file cannot reach the store's tables from outside.
   */
  countEntityRewrites?: () => Promise<() => Promise<number>>;
}

export function storeContract(name: string, makeStore: () => Store | Promise<Store>, capabilities: StoreCapabilities): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      for (const [id, location] of [
        [SRC_A, '/docs/a'],
        [SRC_B, '/docs/b'],
      ] as const) {
        await store.upsertSource({ id, kind: 'fs', location, createdAt: '2025-01-01T00:00:00.000Z' });
      }
    });

    afterEach(async () => {
      await store.close();
    });

    it('keeps a source\'s name and version, unique together; lists, marks refreshed and removes an empty source', async () => {
      await store.upsertSource({ id: 'src_lib1', kind: 'git', location: 'https://x/lib.git', createdAt: '2025-01-02T00:00:00.000Z', name: 'lib', version: '1.0', options: { ref: 'v1' } });
      await store.upsertSource({ id: 'src_lib2', kind: 'git', location: 'https://x/lib.git#v2', createdAt: '2025-01-03T00:00:00.000Z', name: 'lib', version: '2.0' });
      const taken = await store
        .upsertSource({ id: 'src_lib3', kind: 'fs', location: '/elsewhere', createdAt: '2025-01-04T00:00:00.000Z', name: 'lib', version: '1.0' })
        .then(() => undefined, (e: unknown) => e);
      expect(isDocgraphError(taken) && taken.code).toBe('INVALID_INPUT');
      // a name without a version is another source than the same name with one
      await store.upsertSource({ id: 'src_lib4', kind: 'fs', location: '/lib', createdAt: '2025-01-05T00:00:00.000Z', name: 'lib' });
      const all = await store.sources();
      expect(all.map((x) => [x.id, x.name, x.version])).toEqual([
        [SRC_A, SRC_A, null],
        [SRC_B, SRC_B, null],
        ['src_lib1', 'lib', '1.0'],
        ['src_lib2', 'lib', '2.0'],
        ['src_lib4', 'lib', null],
      ]);
      expect(all[2]).toMatchObject({ options: { ref: 'v1' }, revision: null, refreshedAt: null });
      // re-registering keeps the name unless asked to rename
      await store.upsertSource({ id: 'src_lib1', kind: 'git', location: 'https://x/lib.git', createdAt: '2025-01-09T00:00:00.000Z', name: 'other', version: '9' });
      expect((await store.sources())[2]).toMatchObject({ name: 'lib', version: '1.0', createdAt: '2025-01-02T00:00:00.000Z' });
      await store.markRefreshed('src_lib1', 'abc123', '2025-02-01T00:00:00.000Z');
      expect((await store.listSources()).find((x) => x.id === 'src_lib1')).toMatchObject({ revision: 'abc123', refreshedAt: '2025-02-01T00:00:00.000Z', documents: 0 });
      const w = documentWrite({ uri: 'a.md', sourceId: 'src_lib2', sections: [{ heading: 'A', text: 'zanzibarite' }] });
      await store.writeDocument(w);
      expect(await store.deleteSource('src_lib2')).toBe(false);
      expect(await store.deleteSource('src_lib1')).toBe(true);
      expect((await store.sources()).map((x) => x.id)).not.toContain('src_lib1');
      // filters by several sources
      const hits = await store.lexicalSearch(terms('zanzibarite'), 10, { sourceIds: ['src_lib2', SRC_A] });
      expect(hits.map((h) => h.sectionId)).toEqual([w.sections[0]!.id]);
      expect(await store.lexicalSearch(terms('zanzibarite'), 10, { sourceIds: [] })).toEqual([]);
    });

    async function write(spec: DocSpec): Promise<DocumentWrite> {
      const w = documentWrite(spec);
      await store.writeDocument(w);
      return w;
    }

    const tlsGuide: DocSpec = {
      uri: 'guides/tls.md',
      title: 'Rotate the TLS certificate',
      meta: { tags: ['how-to', 'tls'], version: '3.2' },
      sections: [
        { heading: 'Rotate the TLS certificate', text: 'Agents refuse an expired certificate.', vector: [1, 0, 0, 0] },
        { heading: 'Rotate without downtime', text: 'Run `acme certs rotate` with the new chain.', parent: 0, vector: [0.9, 0.1, 0, 0], links: [{ href: '../reference/cli.md#acme-certs-rotate', text: 'cli', targetUri: 'reference/cli.md', targetAnchor: 'acme-certs-rotate' }] },
        { heading: 'Rotate with a restart', text: 'Replace the files and restart the server.', parent: 0, vector: [0.7, 0.7, 0, 0], aliases: ['restart', 'offline-rotation'] },
      ],
    };
    const errorsRef: DocSpec = {
      uri: 'reference/errors.md',
      title: 'Errors',
      meta: { tags: ['reference'] },
      sections: [
        { heading: 'ACME_E1042: Health check timed out', text: 'The release did not answer its health check in time.', vector: [0, 0, 1, 0] },
        { heading: 'EADDRINUSE', text: 'Another process holds the port; zanzibarite marks this doc.', vector: [0, 0, 0.8, 0.6] },
      ],
    };

    describe('sources', () => {
      it('lists sources with their document counts; upsert updates in place', async () => {
        await write(tlsGuide);
        await write(errorsRef);
        await write({ ...tlsGuide, sourceId: SRC_B });
        await store.upsertSource({ id: SRC_A, kind: 'fs', location: '/moved/a', createdAt: '2030-01-01T00:00:00.000Z' });
        const sources = await store.listSources();
        expect(sources).toHaveLength(2);
        const a = sources.find((s) => s.id === SRC_A)!;
        expect(a).toMatchObject({ kind: 'fs', location: '/moved/a', documents: 2 });
        expect(sources.find((s) => s.id === SRC_B)).toMatchObject({ location: '/docs/b', documents: 1 });
      });
    });

    describe('documents', () => {
      it('writes a document and reads it back, by id and by uri', async () => {
        const w = await write(tlsGuide);
        expect(await store.getDocument(w.document.id)).toEqual(w.document);
        expect(await store.getDocumentByUri('guides/tls.md')).toEqual(w.document);
        expect(await store.getDocumentByUri('guides/tls.md', SRC_A)).toEqual(w.document);
        expect(await store.getDocumentByUri('guides/tls.md', SRC_B)).toBeUndefined();
        expect(await store.getDocument('d_missing')).toBeUndefined();
        expect(await store.getDocumentByUri('nope.md')).toBeUndefined();
      });

      it('reads several documents in one call, skipping ids that do not exist', async () => {
        const a = await write(tlsGuide);
        const b = await write(errorsRef);
        const got = await store.getDocuments([b.document.id, 'd_missing', a.document.id, a.document.id]);
        expect(got.map((d) => d.id).sort()).toEqual([a.document.id, b.document.id].sort());
        expect(got.find((d) => d.id === a.document.id)).toEqual(a.document);
        expect(await store.getDocuments([])).toEqual([]);
      });

      it('round-trips sections with every field, in document order', async () => {
        const w = await write(tlsGuide);
        const sections = await store.getDocumentSections(w.document.id);
        expect(sections).toEqual(w.sections);
        expect(sections[1]!.parentId).toBe(sections[0]!.id);
        expect(sections[1]!.links[0]).toMatchObject({ targetUri: 'reference/cli.md', targetAnchor: 'acme-certs-rotate' });
        expect(sections[2]!.aliases).toEqual(['restart', 'offline-rotation']);
        expect(sections[0]!.aliases).toEqual([]);
      });

      it('gets sections by id in the order asked, skipping unknown ids', async () => {
        const w = await write(tlsGuide);
        const [a, b, c] = sectionIdsOf(w);
        const got = await store.getSections([c!, 's_unknown', a!]);
        expect(got.map((s) => s.id)).toEqual([c, a]);
        expect(await store.getSections([])).toEqual([]);
        expect(b).toBeDefined();
      });

      it('gets section keys by id in the order asked, skipping unknown ids, as getSections has them', async () => {
        const w = await write(tlsGuide);
        const [a, b, c] = sectionIdsOf(w);
        const keys = await store.sectionKeys([c!, 's_unknown', a!, b!]);
        expect(keys).toEqual((await store.getSections([c!, a!, b!])).map((s) => ({ id: s.id, docId: s.docId, parentId: s.parentId, anchor: s.anchor, headingPath: s.headingPath })));
        expect(keys[2]!.headingPath.length).toBeGreaterThan(1);
        expect(keys[2]!.parentId).toBeTruthy();
        expect(await store.sectionKeys([])).toEqual([]);
      });

      it('lists documents by uri with section counts, optionally for one source', async () => {
        await write(tlsGuide);
        await write(errorsRef);
        await write({ ...errorsRef, sourceId: SRC_B });
        const all = await store.listDocuments();
        const [first, second] = [SRC_A, SRC_B].sort();
        expect(all.map((d) => [d.uri, d.sourceId, d.sections])).toEqual([
          ['guides/tls.md', SRC_A, 3],
          ['reference/errors.md', first, 2],
          ['reference/errors.md', second, 2],
        ]);
        expect((await store.listDocuments(SRC_B)).map((d) => d.uri)).toEqual(['reference/errors.md']);
        expect(all[0]).toMatchObject({ title: 'Rotate the TLS certificate', checksum: documentWrite(tlsGuide).document.checksum });
      });

      it('replaces a document wholesale: old sections, lexical rows and vectors go', async () => {
        await store.setEmbedder(EMBEDDER);
        const old = await write(tlsGuide);
        const next = await write({
          ...tlsGuide,
          title: 'TLS',
          sections: [{ heading: 'Certificates', text: 'Quuxification replaced the old text.', vector: [0, 1, 0, 0] }],
        });
        expect(next.document.id).toBe(old.document.id);
        expect((await store.getDocument(old.document.id))?.title).toBe('TLS');
        expect((await store.getDocumentSections(old.document.id)).map((s) => s.heading)).toEqual(['Certificates']);
        expect(await store.getSections(sectionIdsOf(old).filter((id) => !sectionIdsOf(next).includes(id)))).toEqual([]);
        expect(await store.lexicalSearch(terms('downtime restart'), 10)).toEqual([]);
        expect((await store.lexicalSearch(terms('quuxification'), 10)).map((h) => h.sectionId)).toEqual(sectionIdsOf(next));
        const near = await store.vectorSearch(unit([1, 0, 0, 0]), 10);
        expect(near.map((h) => h.sectionId)).toEqual(sectionIdsOf(next));
        const stats = await store.stats();
        expect(stats).toMatchObject({ documents: 1, sections: 1, vectors: 1 });
      });

      it('counts the sections that hold each term, and follows writes and deletes', async () => {
        await store.setEmbedder(EMBEDDER);
        await write(tlsGuide);
        const gone = await write(errorsRef);
        const before = await store.stats();
        const [zanzibarite] = terms('zanzibarite');
        const [absent] = terms('quuxification');
        const first = await store.termSectionCounts([zanzibarite!, absent!]);
        expect(first.sections).toBe(before.sections);
        expect(first.counts).toEqual(new Map([[zanzibarite!, 1], [absent!, 0]]));
        await store.deleteDocument(gone.document.id);
        const after = await store.termSectionCounts([zanzibarite!]);
        expect(after.counts.get(zanzibarite!)).toBe(0);
        expect(after.sections).toBe((await store.stats()).sections);
        await write({ uri: 'q.md', sections: [{ heading: 'Q', text: 'quuxification here' }, { heading: 'R', text: 'and quuxification there' }] });
        expect((await store.termSectionCounts([absent!])).counts.get(absent!)).toBe(2);
      });

      it('deletes a document with its sections, lexical rows and vectors', async () => {
        await store.setEmbedder(EMBEDDER);
        await write(tlsGuide);
        const gone = await write(errorsRef);
        expect(await store.lexicalSearch(terms('zanzibarite'), 10)).toHaveLength(1);

        expect(await store.deleteDocument(gone.document.id)).toBe(true);
        expect(await store.getDocument(gone.document.id)).toBeUndefined();
        expect(await store.getDocumentByUri(errorsRef.uri)).toBeUndefined();
        expect(await store.getDocumentSections(gone.document.id)).toEqual([]);
        expect(await store.getSections(sectionIdsOf(gone))).toEqual([]);
        expect(await store.getSectionVectors(gone.document.id)).toEqual(new Map());
        expect(await store.lexicalSearch(terms('zanzibarite EADDRINUSE health'), 10)).toEqual([]);
        const near = await store.vectorSearch(unit([0, 0, 1, 0]), 10);
        expect(near.some((h) => sectionIdsOf(gone).includes(h.sectionId))).toBe(false);
        expect(near).toHaveLength(3); // the other document's vectors are still there
        expect(await store.stats()).toMatchObject({ documents: 1, sections: 3, vectors: 3 });
        expect(await store.deleteDocument(gone.document.id)).toBe(false);

        // nothing of it comes back through rows that later writes re-use
        const next = await write({ uri: 'next.md', sections: [{ heading: 'Next', text: 'fresh words only' }, { heading: 'More', text: 'still fresh' }] });
        expect(await store.lexicalSearch(terms('zanzibarite EADDRINUSE health'), 10)).toEqual([]);
        expect((await store.lexicalSearch(terms('fresh'), 10)).map((h) => h.sectionId).sort()).toEqual(sectionIdsOf(next).sort());
      });

      it('iterates all sections, and adds vectors to existing sections by id', async () => {
        await store.setEmbedder(EMBEDDER);
        const w = await write({ uri: 'plain.md', sections: [{ heading: 'A', text: 'alpha' }, { heading: 'B', text: 'beta' }] });
        const seen: string[] = [];
        for await (const s of store.allSections()) seen.push(s.id);
        expect(seen).toEqual(sectionIdsOf(w));
        expect((await store.stats()).vectors).toBe(0);
        await store.putVectors(new Map([[w.sections[1]!.id, unit([0, 1, 0, 0])], ['s_missing', unit([1, 0, 0, 0])]]));
        expect((await store.stats()).vectors).toBe(1);
        const hits = await store.vectorSearch(unit([0, 1, 0, 0]), 5);
        expect(hits.map((h) => h.sectionId)).toEqual([w.sections[1]!.id]);
        await store.putVectors(new Map([[w.sections[1]!.id, unit([0, 0, 0, 1])]]));
        expect((await store.vectorSearch(unit([0, 0, 0, 1]), 5))[0]?.score).toBeCloseTo(1, 5);
      });
    });

    describe('vector re-use', () => {
      it('returns a document’s stored vectors keyed by section checksum', async () => {
        const w = await write(tlsGuide);
        const byChecksum = await store.getSectionVectors(w.document.id);
        expect(byChecksum.size).toBe(3);
        for (const s of w.sections) {
          expect([...byChecksum.get(s.checksum)!]).toEqual([...w.vectors.get(s.id)!]);
        }
        expect(await store.getSectionVectors('d_missing')).toEqual(new Map());
      });

      it('omits sections written without a vector', async () => {
        const w = await write({ uri: 'x.md', sections: [{ heading: 'A', text: 'a', vector: [1, 0, 0, 0] }, { heading: 'B', text: 'b' }] });
        expect([...(await store.getSectionVectors(w.document.id)).keys()]).toEqual([w.sections[0]!.checksum]);
      });
    });

    describe('lexical search', () => {
      it('ranks a heading match above a body match', async () => {
        const w = await write({
          uri: 'a.md',
          title: 'Guide',
          sections: [
            { heading: 'Overview of releases', text: 'Rollback undoes a release; a rollback is itself a release with its own id.' },
            { heading: 'Rollback', text: 'This section has other words about releases and hosts and groups of hosts.' },
          ],
        });
        const hits = await store.lexicalSearch(terms('rollback'), 10);
        expect(hits.map((h) => h.sectionId)).toEqual([w.sections[1]!.id, w.sections[0]!.id]);
        expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      });

      it('matches any term and ranks more matching terms higher; respects the limit', async () => {
        const w = await write({
          uri: 'b.md',
          sections: [
            { heading: 'One', text: 'canary only' },
            { heading: 'Two', text: 'canary rollout with a health timeout' },
            { heading: 'Three', text: 'nothing relevant here' },
          ],
        });
        const hits = await store.lexicalSearch(terms('canary health timeout'), 10);
        expect(hits.map((h) => h.sectionId)).toEqual([w.sections[1]!.id, w.sections[0]!.id]);
        expect(await store.lexicalSearch(terms('canary health timeout'), 1)).toHaveLength(1);
        expect(await store.lexicalSearch(terms('canary'), 0)).toEqual([]);
        expect(await store.lexicalSearch([], 10)).toEqual([]);
        expect(await store.lexicalSearch(['', ''], 10)).toEqual([]);
      });

      it('scales a weighted term: its share of every score, and a weight of 0 leaves it out, with and without a filter', async () => {
        const w = await write({
          uri: 'c.md',
          sections: [
            { heading: 'One', text: 'canary only' },
            { heading: 'Two', text: 'timeout only' },
            { heading: 'Three', text: 'canary and timeout' },
            // enough sections without either term that both have a real idf
            ...['Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine'].map((heading) => ({ heading, text: 'nothing relevant here' })),
          ],
        });
        const [one, two, three] = w.sections.map((s) => s.id);
        const q = terms('canary timeout');
        const [canary, timeout] = q as [string, string];
        const plain = new Map((await store.lexicalSearch(q, 10)).map((h) => [h.sectionId, h.score]));
        const canaryAlone = new Map((await store.lexicalSearch([canary], 10)).map((h) => [h.sectionId, h.score]));
        const half = new Map([[canary, 0.5]]);
        for (const filters of [undefined, { uriPrefix: 'c.md' }]) {
          const weighted = new Map((await store.lexicalSearch(q, 10, filters, half)).map((h) => [h.sectionId, h.score]));
          // "canary" alone is half as strong, "timeout" unchanged, both: half of canary's share
          expect(weighted.get(one!)).toBeCloseTo(plain.get(one!)! / 2, 9);
          expect(weighted.get(two!)).toBeCloseTo(plain.get(two!)!, 9);
          expect(weighted.get(three!)).toBeCloseTo(plain.get(three!)! - canaryAlone.get(three!)! / 2, 9);
          const hits = await store.lexicalSearch(q, 10, filters, new Map([[canary, 0]]));
          expect(hits.map((h) => h.sectionId).sort()).toEqual([two!, three!].sort());
          expect(await store.lexicalSearch([canary], 10, filters, new Map([[canary, 0]]))).toEqual([]);
          // a weight on a term the query does not hold changes nothing
          expect((await store.lexicalSearch([timeout], 10, filters, half)).map((h) => h.score)).toEqual((await store.lexicalSearch([timeout], 10, filters)).map((h) => h.score));
        }
        expect(await store.lexicalSearch(q, 10, { uriPrefix: 'elsewhere/' }, half)).toEqual([]);
      });

      it('takes terms with characters a query language would treat as syntax', async () => {
        await write(errorsRef);
        for (const t of ['"', 'a"b', 'NEAR', 'AND', 'or', '*', 'col:x', '(x)', '^x']) {
          await expect(store.lexicalSearch([t], 5)).resolves.toBeInstanceOf(Array);
        }
        expect((await store.lexicalSearch(['acme_e1042'], 5)).length).toBe(1);
      });

      it('filters by uri prefix, tags and source, combined with AND', async () => {
        const guide = await write(tlsGuide);
        const ref = await write(errorsRef);
        const other = await write({ ...errorsRef, sourceId: SRC_B, uri: 'guides/errors.md', meta: { tags: ['how-to'] } });
        const q = terms('certificate health process rotate release');
        const docsOf = async (filters: Parameters<Store['lexicalSearch']>[2]): Promise<string[]> => {
          const hits = await store.lexicalSearch(q, 50, filters);
          const secs = await store.getSections(hits.map((h) => h.sectionId));
          return [...new Set(secs.map((s) => s.docId))].sort();
        };
        expect(await docsOf(undefined)).toEqual([guide.document.id, ref.document.id, other.document.id].sort());
        expect(await docsOf({ uriPrefix: 'guides/' })).toEqual([guide.document.id, other.document.id].sort());
        expect(await docsOf({ uriPrefix: 'guides/t' })).toEqual([guide.document.id]);
        expect(await docsOf({ uriPrefix: '%' })).toEqual([]);
        expect(await docsOf({ tags: ['reference'] })).toEqual([ref.document.id]);
        expect(await docsOf({ tags: ['how-to'] })).toEqual([guide.document.id, other.document.id].sort());
        expect(await docsOf({ tags: ['how-to', 'tls'] })).toEqual([guide.document.id]);
        expect(await docsOf({ tags: ['missing'] })).toEqual([]);
        expect(await docsOf({ sourceId: SRC_B })).toEqual([other.document.id]);
        expect(await docsOf({ sourceId: SRC_A, uriPrefix: 'guides/' })).toEqual([guide.document.id]);
      });

      it('filters as the shared reference says (store/filters.ts), in lexical search and sectionsMatching alike', async () => {
        const docs = [
          await write(tlsGuide),
          await write(errorsRef),
          await write({ ...errorsRef, sourceId: SRC_B, uri: 'guides/errors.md', meta: { tags: ['how-to'] } }),
          await write({ ...errorsRef, uri: 'guides/tls.md.bak', meta: {} }),
        ];
        const ids = docs.flatMap(sectionIdsOf);
        const q = terms('certificate health process rotate release');
        const cases: SearchFilters[] = [
          {},
          { uriPrefix: '' },
          { uriPrefix: 'guides/tls.md' },
          { uriPrefix: '_uides/' },
          { tags: [] },
          { tags: ['how-to'] },
          { tags: ['how-to', 'reference'] },
          { sourceId: SRC_B, tags: ['how-to'] },
          { sourceId: '', uriPrefix: 'reference/' },
        ];
        for (const f of cases) {
          const expected = docs.filter((d) => matchesFilters(d.document, f)).flatMap(sectionIdsOf).sort();
          expect([...(await store.sectionsMatching(ids, f))].sort(), JSON.stringify(f)).toEqual(expected);
          const lexical = (await store.lexicalSearch(q, 50, f)).map((h) => h.sectionId);
          expect(lexical.every((id) => expected.includes(id)), JSON.stringify(f)).toBe(true);
        }
      });
    });

    describe('vector search', () => {
      beforeEach(async () => {
        await store.setEmbedder(EMBEDDER);
      });

      it('orders by cosine similarity, best first, with scores in [-1, 1]', async () => {
        const g = await write(tlsGuide);
        const e = await write(errorsRef);
        const hits = await store.vectorSearch(unit([1, 0, 0, 0]), 10);
        const [rotate, downtime, restart] = sectionIdsOf(g);
        const [health, addr] = sectionIdsOf(e);
        expect(hits.map((h) => h.sectionId)).toEqual([rotate, downtime, restart, expect.anything(), expect.anything()]);
        expect(new Set(hits.slice(3).map((h) => h.sectionId))).toEqual(new Set([health, addr]));
        expect(hits[0]!.score).toBeCloseTo(1, 5);
        expect(hits[1]!.score).toBeCloseTo(0.9 / Math.hypot(0.9, 0.1), 5);
        expect(hits[2]!.score).toBeCloseTo(Math.SQRT1_2, 5);
        for (const h of hits) expect(h.score).toBeGreaterThanOrEqual(-1.0001);
        for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
        expect(await store.vectorSearch(unit([1, 0, 0, 0]), 2)).toEqual(hits.slice(0, 2));
        expect(await store.vectorSearch(unit([1, 0, 0, 0]), 0)).toEqual([]);
      });

      it('filters by uri prefix, tags and source', async () => {
        const g = await write(tlsGuide);
        const e = await write(errorsRef);
        const b = await write({ ...tlsGuide, sourceId: SRC_B, uri: 'other/tls.md', meta: {} });
        const q = unit([1, 0, 0.5, 0]);
        const ids = async (filters: Parameters<Store['vectorSearch']>[2]): Promise<Set<string>> =>
          new Set((await store.vectorSearch(q, 50, filters)).map((h) => h.sectionId));
        expect(await ids({ uriPrefix: 'reference/' })).toEqual(new Set(sectionIdsOf(e)));
        expect(await ids({ tags: ['tls'] })).toEqual(new Set(sectionIdsOf(g)));
        expect(await ids({ sourceId: SRC_B })).toEqual(new Set(sectionIdsOf(b)));
        expect(await ids({ tags: ['nope'] })).toEqual(new Set());
        expect((await ids(undefined)).size).toBe(8);
      });

      it('returns nothing from an empty store', async () => {
        expect(await store.vectorSearch(unit([1, 0, 0, 0]), 10)).toEqual([]);
      });

      it('refuses a query vector of other dimensions with EMBEDDER_MISMATCH', async () => {
        await write(tlsGuide);
        const err = await store.vectorSearch(unit([1, 0, 0]), 10).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isDocgraphError(err) && err.code).toBe('EMBEDDER_MISMATCH');
      });

      it('sees vectors written after an earlier search', async () => {
        await write(tlsGuide);
        expect(await store.vectorSearch(unit([0, 0, 0, 1]), 1)).toHaveLength(1);
        const late = await write({ uri: 'late.md', sections: [{ heading: 'Late', text: 'late', vector: [0, 0, 0, 1] }] });
        expect((await store.vectorSearch(unit([0, 0, 0, 1]), 1))[0]?.sectionId).toBe(late.sections[0]!.id);
      });
    });

    describe('embedder record', () => {
      it('records the embedder; the same id keeps the vectors', async () => {
        expect(await store.getEmbedder()).toBeUndefined();
        await store.setEmbedder(EMBEDDER);
        await write(tlsGuide);
        expect(await store.getEmbedder()).toEqual(EMBEDDER);
        await store.setEmbedder({ ...EMBEDDER });
        expect((await store.stats()).vectors).toBe(3);
        expect(await store.vectorSearch(unit([1, 0, 0, 0]), 10)).toHaveLength(3);
      });

      it('a different embedder id clears every vector (never mixes vector spaces)', async () => {
        await store.setEmbedder(EMBEDDER);
        const w = await write(tlsGuide);
        expect(await store.vectorSearch(unit([1, 0, 0, 0]), 10)).toHaveLength(3);
        const next: StoredEmbedder = { id: 'test:v2', provider: 'test', model: 'fixed-4d', dimensions: 4 };
        await store.setEmbedder(next);
        expect(await store.getEmbedder()).toEqual(next);
        expect((await store.stats()).vectors).toBe(0);
        expect(await store.vectorSearch(unit([1, 0, 0, 0]), 10)).toEqual([]);
        expect(await store.getSectionVectors(w.document.id)).toEqual(new Map());
        // sections and the lexical index are untouched
        expect((await store.stats()).sections).toBe(3);
        expect(await store.lexicalSearch(terms('downtime'), 10)).toHaveLength(1);
      });

      it('records the embedder and its blobs together', async () => {
        await store.setEmbedder(EMBEDDER, { model: Uint8Array.from([4, 5, 6]) });
        expect(await store.getEmbedder()).toEqual(EMBEDDER);
        expect(await store.getBlob('model')).toEqual(Uint8Array.from([4, 5, 6]));
      });

      it('refuses vectors computed for an embedder the index no longer uses', async () => {
        await store.setEmbedder(EMBEDDER);
        const w = await write({ uri: 'plain.md', sections: [{ heading: 'A', text: 'alpha' }] });
        const next: StoredEmbedder = { id: 'test:v2', provider: 'test', model: 'fixed-4d', dimensions: 4 };
        await store.setEmbedder(next);
        expect(await store.putVectors(new Map([[w.sections[0]!.id, unit([1, 0, 0, 0])]]), EMBEDDER.id)).toBe(false);
        expect((await store.stats()).vectors).toBe(0);
        expect(await store.putVectors(new Map([[w.sections[0]!.id, unit([1, 0, 0, 0])]]), next.id)).toBe(true);
        expect((await store.stats()).vectors).toBe(1);
      });
    });

    describe('graph', () => {
      const cacheSize = { id: entityId('ConfigParameter', 'cache_size'), type: 'ConfigParameter' as const, name: 'cache_size' };

      /** A document whose first section defines (or mentions) cache_size and says `attributes` about it. */
      async function describeEntity(spec: DocSpec, role: 'DEFINES' | 'MENTIONS', aliases: string[], attributes: Record<string, unknown>): Promise<DocumentWrite> {
        const w = documentWrite(spec);
        const sid = w.sections[0]!.id;
        w.entities = [{ ...cacheSize, aliases, attributes }];
        w.edges = [{ src: sid, dst: cacheSize.id, type: role, weight: 1, evidence: sid }];
        await store.writeDocument(w);
        return w;
      }
      const reference: DocSpec = { uri: 'reference/settings.md', sections: [{ heading: 'cache_size', text: 'In megabytes. Default: 64.' }] };
      const guide: DocSpec = { uri: 'guides/tuning.md', sections: [{ heading: 'Tuning', text: 'Raise the cache_size setting.' }] };

      it('merges what each document says about an entity, whatever the order they were written in', async () => {
        await describeEntity(guide, 'MENTIONS', ['cache size'], { kind: 'setting', tags: ['perf'] });
        await describeEntity(reference, 'DEFINES', ['cache-size'], { kind: 'field', default: '64', unit: 'megabytes', tags: ['memory'] });
        const [merged] = await store.getEntities([cacheSize.id]);
        // the defining document wins a key; arrays and aliases are unioned; keys are sorted
        expect(merged).toEqual({ ...cacheSize, aliases: ['cache size', 'cache-size'], attributes: { default: '64', kind: 'field', tags: ['memory', 'perf'], unit: 'megabytes' } });
        expect(JSON.stringify(merged!.attributes)).toBe('{"default":"64","kind":"field","tags":["memory","perf"],"unit":"megabytes"}');
        // rewriting the guide (now written last) changes nothing
        await describeEntity(guide, 'MENTIONS', ['cache size'], { kind: 'setting', tags: ['perf'] });
        expect(await store.getEntities([cacheSize.id])).toEqual([merged]);
        expect((await store.findEntities(['cache size'])).map((e) => e.id)).toEqual([cacheSize.id]);
      });

      it('an entity many documents state different values about is their merge, whatever order they are written and deleted in', async () => {
        // kinds and defaults that disagree: a write skips the re-merge when an earlier fact states the key (graph-writes), so every order must agree
        const said: { role: 'DEFINES' | 'MENTIONS'; aliases: string[]; attributes: Record<string, unknown> }[] = [
          { role: 'MENTIONS', aliases: [], attributes: { kind: 'method' } },
          { role: 'MENTIONS', aliases: [], attributes: { kind: 'property', default: '1' } },
          { role: 'MENTIONS', aliases: ['cache size'], attributes: { kind: 'method', tags: ['perf'] } },
          { role: 'DEFINES', aliases: [], attributes: { default: '64' } },
          { role: 'MENTIONS', aliases: [], attributes: { kind: 'function', unit: 'megabytes' } },
          { role: 'MENTIONS', aliases: [], attributes: { kind: 'property', tags: ['memory'] } },
        ];
        const docs = said.map((x, i) => ({ ...x, spec: { uri: `doc-${i}.md`, sections: [{ heading: `Doc ${i}`, text: 'cache_size' }] } }));
        const expected = (held: typeof docs) =>
          mergeFacts(held.map((d) => ({ defines: d.role === 'DEFINES', docId: documentId(SRC_A, d.spec.uri), aliases: d.aliases, attributes: d.attributes })));
        let seed = 7;
        const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        for (let round = 0; round < 6; round++) {
          const order = [...docs].sort(() => rand() - 0.5);
          for (const [i, d] of order.entries()) {
            await describeEntity(d.spec, d.role, d.aliases, d.attributes);
            expect(await store.getEntities([cacheSize.id])).toEqual([{ ...cacheSize, ...expected(order.slice(0, i + 1)) }]);
          }
          const gone = [...order].sort(() => rand() - 0.5);
          for (const [i, d] of gone.entries()) {
            await store.deleteDocument(documentId(SRC_A, d.spec.uri));
            const left = gone.slice(i + 1);
            expect(await store.getEntities([cacheSize.id])).toEqual(left.length === 0 ? [] : [{ ...cacheSize, ...expected(left) }]);
          }
        }
      });

      it.skipIf(!capabilities.countEntityRewrites)('re-merges an entity other documents hold exactly when a new document\'s fact changes it', async () => {
        const rewrites = await capabilities.countEntityRewrites!();
        await describeEntity(reference, 'DEFINES', ['cache-size'], { kind: 'field', default: '64', tags: ['memory'] });
        const [defined] = await store.getEntities([cacheSize.id]);
        expect(await rewrites()).toBe(0); // a new entity is written as its document describes it
        // a guide that says nothing new: a known alias and array value, a kind the defining reference (merged first) states otherwise
        await describeEntity(guide, 'MENTIONS', ['cache-size'], { kind: 'setting', default: '64', tags: ['memory'] });
        expect(await store.getEntities([cacheSize.id])).toEqual([defined]);
        expect(await rewrites()).toBe(0);
        // then documents that each change it, and some that do not, in one order and (in a fresh round) another:
        // a write re-merges the entity once exactly when the merge of all its facts differs from what was stored
        type Said = { role: 'DEFINES' | 'MENTIONS'; aliases: string[]; attributes: Record<string, unknown>; spec: DocSpec };
        const said: Omit<Said, 'spec'>[] = [
          { role: 'MENTIONS', aliases: [], attributes: { unit: 'megabytes' } }, // a key no fact states
          { role: 'MENTIONS', aliases: [], attributes: { unit: 'bytes', kind: 'property' } }, // stated already: wins unit only if it merges before fact-0
          { role: 'MENTIONS', aliases: ['cache size'], attributes: {} }, // a new alias
          { role: 'MENTIONS', aliases: [], attributes: { tags: ['perf'] } }, // a new array value
          { role: 'DEFINES', aliases: [], attributes: { kind: 'method', since: 'v2' } }, // wins kind only if it merges before the reference
          { role: 'DEFINES', aliases: [], attributes: { default: '64', kind: 'field' } }, // what the entity says already
        ];
        const docs: Said[] = said.map((x, i) => ({ ...x, spec: { uri: `fact-${i}.md`, sections: [{ heading: `Fact ${i}`, text: 'cache_size' }] } }));
        const base: Said[] = [
          { role: 'DEFINES', aliases: ['cache-size'], attributes: { kind: 'field', default: '64', tags: ['memory'] }, spec: reference },
          { role: 'MENTIONS', aliases: ['cache-size'], attributes: { kind: 'setting', default: '64', tags: ['memory'] }, spec: guide },
        ];
        const mergeOf = (held: readonly Said[]) => ({
          ...cacheSize,
          ...mergeFacts(held.map((d) => ({ defines: d.role === 'DEFINES', docId: documentId(SRC_A, d.spec.uri), aliases: d.aliases, attributes: d.attributes }))),
        });
        let unchanged = 0;
        for (const order of [docs, [...docs].reverse()]) {
          for (const d of docs) await store.deleteDocument(documentId(SRC_A, d.spec.uri));
          const held = [...base];
          for (const d of order) {
            const before = mergeOf(held);
            held.push(d);
            const after = mergeOf(held);
            expect(await store.getEntities([cacheSize.id])).toEqual([before]);
            const count = await rewrites();
            await describeEntity(d.spec, d.role, d.aliases, d.attributes);
            expect(await store.getEntities([cacheSize.id])).toEqual([after]);
            const same = JSON.stringify(after) === JSON.stringify(before);
            if (same) unchanged++;
            expect({ uri: d.spec.uri, rewrites: (await rewrites()) - count }).toEqual({ uri: d.spec.uri, rewrites: same ? 0 : 1 });
          }
        }
        expect(unchanged).toBeGreaterThan(1); // both answers were exercised
      });

      it('a rewritten or deleted document takes back what it said; the entity goes with the last document that holds it', async () => {
        await describeEntity(reference, 'DEFINES', ['cache-size'], { default: '64', unit: 'megabytes' });
        await describeEntity(guide, 'MENTIONS', ['cache size'], { kind: 'setting' });
        await describeEntity(reference, 'DEFINES', [], { unit: 'megabytes' });
        expect(await store.getEntities([cacheSize.id])).toEqual([{ ...cacheSize, aliases: ['cache size'], attributes: { kind: 'setting', unit: 'megabytes' } }]);
        expect(await store.findEntities(['cache-size'])).toEqual([]);
        expect(await store.deleteDocument(documentId(SRC_A, reference.uri))).toBe(true);
        expect(await store.getEntities([cacheSize.id])).toEqual([{ ...cacheSize, aliases: ['cache size'], attributes: { kind: 'setting' } }]);
        expect(await store.edgesOf([cacheSize.id], 'in')).toHaveLength(1);
        await store.writeDocument(documentWrite(guide)); // the guide no longer names it
        expect(await store.getEntities([cacheSize.id])).toEqual([]);
        expect(await store.findEntities(['cache_size', 'cache size'])).toEqual([]);
        expect((await store.stats()).entities).toBe(0);
      });

      it('records, with each write and delete, the relinking its dependents need, until it is cleared', async () => {
        const w = documentWrite(guide);
        const ids = w.sections.map((s) => s.id);
        await store.writeDocument(w);
        expect(await store.pendingRelinks()).toEqual([{ docId: w.document.id, before: [] }]); // a new document: links by document id
        expect(await store.clearRelink(w.document.id, ['not what was read'])).toBe(false);
        expect(await store.clearRelink(w.document.id, [])).toBe(true);
        expect(await store.pendingRelinks()).toEqual([]);
        // a rewrite records the section ids it had; a second one before the clear merges them
        const next = documentWrite({ ...guide, sections: [{ heading: 'Tuning again', text: 'Other text.' }] });
        await store.writeDocument(next);
        expect(await store.pendingRelinks(w.document.id)).toEqual([{ docId: w.document.id, before: [...ids].sort() }]);
        await store.writeDocument(w);
        const merged = [...new Set([...ids, ...next.sections.map((s) => s.id)])].sort();
        expect(await store.pendingRelinks(w.document.id)).toEqual([{ docId: w.document.id, before: merged }]);
        expect(await store.clearRelink(w.document.id, merged)).toBe(true);
        // a delete records what the document had; deleting what is not there records nothing
        expect(await store.deleteDocument(w.document.id)).toBe(true);
        expect(await store.pendingRelinks()).toEqual([{ docId: w.document.id, before: [...ids].sort() }]);
        await store.clearRelink(w.document.id, [...ids].sort());
        expect(await store.deleteDocument(w.document.id)).toBe(false);
        expect(await store.pendingRelinks()).toEqual([]);
      });

      it('keeps the untyped names of a document until it is rewritten or deleted, found from either side', async () => {
        const g = documentWrite(guide);
        const r = documentWrite(reference);
        const gs = g.sections[0]!.id;
        const rs = r.sections[0]!.id;
        g.untypedNames = [
          { sectionId: gs, name: '__dirname', count: 2 },
          { sectionId: gs, name: 'cache_size', count: 1 },
        ];
        r.untypedNames = [{ sectionId: rs, name: '__dirname', count: 1 }];
        await store.writeDocument(g);
        await store.writeDocument(r);
        expect(await store.sectionsNaming(['__dirname'])).toEqual([
          { sectionId: gs, name: '__dirname', count: 2 },
          { sectionId: rs, name: '__dirname', count: 1 },
        ]);
        expect(await store.sectionsNaming(['__dirname'], 1)).toEqual([{ sectionId: gs, name: '__dirname', count: 2 }]);
        expect(await store.sectionsNaming([])).toEqual([]);
        expect((await store.namesIn([gs])).map((n) => n.name).sort()).toEqual(['__dirname', 'cache_size']);
        // a rewrite replaces the document's names; a delete removes them
        await store.writeDocument({ ...g, untypedNames: [{ sectionId: gs, name: 'process.argv', count: 1 }] });
        expect((await store.namesIn([gs])).map((n) => n.name)).toEqual(['process.argv']);
        expect(await store.deleteDocument(r.document.id)).toBe(true);
        expect(await store.sectionsNaming(['__dirname'])).toEqual([]);
      });

      it('files a setting under the word keys of its name, and forgets them with the entity', async () => {
        const keys = wordKeys('cache_size');
        expect(keys.length).toBeGreaterThan(0);
        await describeEntity(reference, 'DEFINES', [], {});
        expect((await store.findEntities(keys)).map((e) => e.id)).toEqual([cacheSize.id]);
        expect((await store.findEntities(queryWordKeys('what is the default size of the cache?'))).map((e) => e.id)).toEqual([cacheSize.id]);
        // word keys are a lookup index, not aliases the entity shows
        expect((await store.getEntities([cacheSize.id]))[0]!.aliases).toEqual([]);
        await store.deleteDocument(documentId(SRC_A, reference.uri));
        expect(await store.findEntities(keys)).toEqual([]);
      });

      it("replaces a document's links only while it is the version the caller read", async () => {
        const w = documentWrite(tlsGuide);
        const [a, b, c] = w.sections.map((s) => s.id) as [string, string, string];
        w.edges = [
          { src: b, dst: 'd_000000000000000000000001', type: 'LINKS_TO', weight: 1, evidence: b },
          { src: a, dst: b, type: 'PARENT_OF', weight: 1, evidence: b },
        ];
        await store.writeDocument(w);
        const moved = [{ src: b, dst: c, type: 'LINKS_TO' as const, weight: 2, evidence: b }];
        expect(await store.replaceLinks(w.document.id, 'an older checksum', moved)).toBe(false);
        expect((await store.edgesOf([b], 'out', ['LINKS_TO'])).map((e) => e.dst)).toEqual(['d_000000000000000000000001']);
        expect(await store.replaceLinks(w.document.id, w.document.checksum, moved)).toBe(true);
        expect(await store.edgesOf([b], 'out', ['LINKS_TO'])).toEqual(moved);
        expect(await store.edgesOf([a], 'out', ['PARENT_OF'])).toHaveLength(1); // other edges stay
        await expect(store.replaceLinks(w.document.id, w.document.checksum, [{ src: a, dst: b, type: 'PARENT_OF', weight: 1, evidence: b }])).rejects.toThrow(/LINKS_TO/);
        expect(await store.replaceLinks('d_000000000000000000000002', w.document.checksum, moved)).toBe(false);
      });

      it('tells which documents link to a section or a document', async () => {
        const w = documentWrite(tlsGuide);
        const [a, b, c] = w.sections.map((s) => s.id) as [string, string, string];
        const target = 'd_000000000000000000000009';
        w.edges = [
          { src: b, dst: target, type: 'LINKS_TO', weight: 1, evidence: b },
          { src: c, dst: 's_000000000000000000000009', type: 'LINKS_TO', weight: 1, evidence: c },
          { src: a, dst: b, type: 'PARENT_OF', weight: 1, evidence: a },
        ];
        await store.writeDocument(w);
        const id = w.document.id;
        expect(await store.linkingDocuments([target])).toEqual([id]);
        expect(await store.linkingDocuments([target, 's_000000000000000000000009'])).toEqual([id]);
        expect(await store.linkingDocuments([b])).toEqual([]); // a PARENT_OF edge is no link
        expect(await store.linkingDocuments(['s_000000000000000000000008'])).toEqual([]);
        expect(await store.linkingDocuments([])).toEqual([]);
        await store.deleteDocument(id);
        expect(await store.linkingDocuments([target])).toEqual([]);
      });
    });

    describe('blobs', () => {
      it('stores, overwrites and returns bytes exactly; undefined when missing', async () => {
        expect(await store.getBlob('model')).toBeUndefined();
        const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
        await store.putBlob('model', bytes);
        expect(await store.getBlob('model')).toEqual(bytes);
        await store.putBlob('model', Uint8Array.from([1, 2, 3]));
        expect(await store.getBlob('model')).toEqual(Uint8Array.from([1, 2, 3]));
        await store.putBlob('empty', new Uint8Array(0));
        expect(await store.getBlob('empty')).toEqual(new Uint8Array(0));
      });

      it('keeps blobs apart from the embedder record', async () => {
        await store.putBlob('embedder', Uint8Array.from([9]));
        expect(await store.getEmbedder()).toBeUndefined();
        await store.setEmbedder(EMBEDDER);
        expect(await store.getBlob('embedder')).toEqual(Uint8Array.from([9]));
      });
    });

    describe('stats and lifecycle', () => {
      it('counts what is stored and reports the last indexing time', async () => {
        expect(await store.stats()).toMatchObject({ sources: 2, documents: 0, sections: 0, vectors: 0, lastIndexedAt: null });
        await write({ ...tlsGuide, indexedAt: '2025-03-01T10:00:00.000Z' });
        await write({ ...errorsRef, indexedAt: '2025-02-01T10:00:00.000Z' });
        const stats = await store.stats();
        expect(stats).toMatchObject({ sources: 2, documents: 2, sections: 5, vectors: 5, lastIndexedAt: '2025-03-01T10:00:00.000Z' });
        if (capabilities.measuresBytes) expect(stats.bytes).toBeGreaterThan(0);
        else expect(stats.bytes).toBe(0);
      });

      it('close() is idempotent', async () => {
        await store.close();
        await store.close();
      });
    });
    describe.skipIf(!capabilities.anotherHandle)('two handles on one store', () => {
      it("another handle's writes reach this one's reads and vector search", async () => {
        const writer = await capabilities.anotherHandle!();
        try {
          await writer.setEmbedder(EMBEDDER);
          const a = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'a', vector: [1, 0, 0, 0] }] });
          await writer.writeDocument(a);

          // this handle searches now (an implementation may load its vectors here) ...
          expect((await store.vectorSearch(unit([0, 1, 0, 0]), 5)).map((h) => h.sectionId)).toEqual([a.sections[0]!.id]);
          expect(await store.getDocument(a.document.id)).toEqual(a.document);

          // ... and must see the other handle add, replace and delete
          const b = documentWrite({ uri: 'b.md', sections: [{ heading: 'B', text: 'b', vector: [0, 1, 0, 0] }] });
          await writer.writeDocument(b);
          expect((await store.vectorSearch(unit([0, 1, 0, 0]), 1))[0]?.sectionId).toBe(b.sections[0]!.id);

          await writer.deleteDocument(b.document.id);
          expect((await store.vectorSearch(unit([0, 1, 0, 0]), 5)).map((h) => h.sectionId)).toEqual([a.sections[0]!.id]);

          await writer.setEmbedder({ ...EMBEDDER, id: 'test:v2' });
          expect(await store.vectorSearch(unit([1, 0, 0, 0]), 5)).toEqual([]);
          expect(await store.getEmbedder()).toMatchObject({ id: 'test:v2' });
        } finally {
          await writer.close();
        }
      });
    });
  });
}
