// The Store contract on PGlite with its pgvector extension, behind @electric-sql/pglite-socket: a real
// PostgreSQL wire-protocol server on 127.0.0.1 (a random port), reached through the `pg` driver as any
// server is. The machine's PostgreSQL 15 has no pgvector, so this is where the pgvector path
// (?vectors=pgvector: vector search as an ORDER BY in the database) runs. PGlite is one session, so
// every test uses the public schema, emptied (with the extension) before it.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentWrite, storeContract, unit } from '../store.contract.js';
import type { Store } from '../store.js';
import { PgStore, type VectorSearchChoice } from './pg-store.js';
import { entityRewriteCounter } from '../../../test/helpers/postgres.js';

let pglite: PGlite;
let server: PGLiteSocketServer;
let url: string;
const opened: Store[] = [];

beforeAll(async () => {
  pglite = await PGlite.create({ extensions: { vector } });
  server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  url = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await pglite?.close();
});

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

/** An empty database: the public schema dropped (the extension and every table with it) and made again. */
async function emptied(): Promise<void> {
  await pglite.exec('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
}

async function open(vectors: VectorSearchChoice = 'pgvector'): Promise<PgStore> {
  const store = await PgStore.open({ url, maxConnections: 2, vectors });
  opened.push(store);
  return store;
}

storeContract(
  'PgStore (PGlite with pgvector, over the wire protocol)',
  async () => {
    await emptied();
    const store = await open();
    expect(store.vectorSearchMode).toBe('pgvector');
    return store;
  },
  {
    measuresBytes: true,
    anotherHandle: () => open(),
    countEntityRewrites: async () => {
      const counter = entityRewriteCounter('public');
      for (const sql of counter.install) await pglite.exec(sql);
      return async () => (await pglite.query<{ n: number }>(counter.read)).rows[0]!.n;
    },
  },
);

describe('PgStore on PGlite: pgvector', () => {
  it('auto takes pgvector where the extension is, memory keeps the in-memory index, and both answer the same', async () => {
    await emptied();
    const auto = await open('auto');
    const memory = await open('memory');
    expect([auto.vectorSearchMode, memory.vectorSearchMode]).toEqual(['pgvector', 'memory']);
    await auto.setEmbedder({ id: 'e1', provider: 'test', model: 'm', dimensions: 4 });
    // ties on purpose: equal vectors in several documents, so the rowid rule decides the order and the cut
    const docs = ['a.md', 'b.md', 'c.md'].map((uri, i) =>
      documentWrite({
        uri,
        sections: [
          { heading: `H${i}`, text: 'x', vector: [1, 0, 0, 0] },
          { heading: `I${i}`, text: 'y', vector: [0.6, 0.8, 0, 0] },
          { heading: `J${i}`, text: 'z', vector: [0.1 * (i + 1), 0.2, 0.3, 0.4] },
        ],
      }),
    );
    await auto.upsertSource({ id: docs[0]!.document.sourceId, kind: 'fs', location: '/docs/a', createdAt: '2025-01-01T00:00:00.000Z' });
    // one written through each handle: the memory handle keeps the embeddings as well
    await auto.writeDocument(docs[0]!);
    await memory.writeDocument(docs[1]!);
    await auto.writeDocument(docs[2]!);
    await memory.putVectors(new Map([[docs[2]!.sections[2]!.id, unit([0, 0, 0.6, 0.8])]]));
    for (const q of [[1, 0, 0, 0], [0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5], [0, 0, 0.6, 0.8], [0.3, -0.2, 0.9, 0]]) {
      for (const limit of [1, 2, 4, 9, 20]) {
        const [p, m] = [await auto.vectorSearch(unit(q), limit), await memory.vectorSearch(unit(q), limit)];
        expect(p.map((h) => h.sectionId), `${JSON.stringify(q)} top ${limit}`).toEqual(m.map((h) => h.sectionId));
        for (const [i, h] of p.entries()) expect(h.score).toBeCloseTo(m[i]!.score, 12);
      }
    }
    expect(await auto.vectorSearch(unit([1, 0, 0, 0]), 3, { uriPrefix: 'b' })).toEqual(await memory.vectorSearch(unit([1, 0, 0, 0]), 3, { uriPrefix: 'b' }));
    await expect(auto.vectorSearch(unit([1, 0, 0]), 3)).rejects.toMatchObject({ code: 'EMBEDDER_MISMATCH' });
  });

  it('gives vectors written before the index had embeddings theirs when it opens (an index migrated to version 3)', async () => {
    await emptied();
    const first = await open();
    await first.setEmbedder({ id: 'e1', provider: 'test', model: 'm', dimensions: 4 });
    const w = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'a', vector: [0, 1, 0, 0] }, { heading: 'B', text: 'b', vector: [1, 0, 0, 0] }] });
    await first.upsertSource({ id: w.document.sourceId, kind: 'fs', location: '/docs/a', createdAt: '2025-01-01T00:00:00.000Z' });
    await first.writeDocument(w);
    await pglite.exec('DELETE FROM section_embeddings');
    // verify sees the drift (a handle that does not backfill: it reads the tables as they are)
    expect((await first.integrity.check(4)).problems).toMatchObject([{ uri: 'a.md', missingVectors: 2 }]);
    const again = await open();
    expect((await again.integrity.check(4)).problems).toEqual([]);
    expect((await again.vectorSearch(unit([1, 0, 0, 0]), 1)).map((h) => h.sectionId)).toEqual([w.sections[1]!.id]);
  });

  it('moves an index made before the extension was installed to pgvector when opened with ?vectors=pgvector; auto leaves it as it is', async () => {
    await emptied();
    // made without the extension (memory does not create it): migration 3 found none, so no embeddings table
    const before = await open('memory');
    await before.setEmbedder({ id: 'e1', provider: 'test', model: 'm', dimensions: 4 });
    const docs = ['a.md', 'b.md'].map((uri, i) =>
      documentWrite({ uri, sections: [{ heading: `H${i}`, text: 'x', vector: [1, 0, i, 0] }, { heading: `I${i}`, text: 'y', vector: [0, 1, 0, i + 1] }] }),
    );
    await before.upsertSource({ id: docs[0]!.document.sourceId, kind: 'fs', location: '/docs', createdAt: '2025-01-01T00:00:00.000Z' });
    for (const d of docs) await before.writeDocument(d);
    expect((await pglite.query("SELECT to_regclass('section_embeddings') AS t")).rows).toEqual([{ t: null }]);
    // auto: memory, and opening an existing index changes nothing in the database (no extension created for it)
    expect((await open('auto')).vectorSearchMode).toBe('memory');
    expect((await pglite.query("SELECT extname FROM pg_extension WHERE extname = 'vector'")).rows).toEqual([]);

    // pgvector: the extension, the table, every vector in it
    const moved = await open('pgvector');
    expect(moved.vectorSearchMode).toBe('pgvector');
    expect((await pglite.query("SELECT extname FROM pg_extension WHERE extname = 'vector'")).rows).toEqual([{ extname: 'vector' }]);
    expect((await pglite.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM section_embeddings')).rows).toEqual([{ n: 4 }]);
    expect((await moved.integrity.check(4)).problems).toEqual([]);
    for (const q of [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0.2, 0.1, 0.9]]) {
      expect(await moved.vectorSearch(unit(q), 3), JSON.stringify(q)).toEqual(await before.vectorSearch(unit(q), 3));
    }
    // from now on auto takes pgvector, and a new write keeps its embeddings
    const later = await open('auto');
    expect(later.vectorSearchMode).toBe('pgvector');
    const c = documentWrite({ uri: 'c.md', sections: [{ heading: 'C', text: 'z', vector: [0, 0, 1, 0] }] });
    await later.writeDocument(c);
    expect((await later.vectorSearch(unit([0, 0, 1, 0]), 1)).map((h) => h.sectionId)).toEqual([c.sections[0]!.id]);
    expect((await later.integrity.check(4)).problems).toEqual([]);
  });
});
