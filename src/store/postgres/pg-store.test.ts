// The Store contract on a real PostgreSQL 15 (DOCGRAPH_TEST_POSTGRES; .ci/run starts it): each test
// in a schema of its own, dropped after.
import { afterEach, describe, expect, it } from 'vitest';
import { documentWrite, storeContract, unit } from '../store.contract.js';
import type { Store } from '../store.js';
import { PgStore } from './pg-store.js';
import { adminClient, adminQuery, entityRewriteCounter, freshSchema, TEST_POSTGRES_URL } from '../../../test/helpers/postgres.js';

const opened: Store[] = [];
const schemas: { drop: () => Promise<void> }[] = [];
const clients: { end: () => Promise<void> }[] = [];
let last: { url: string; schema: string } | undefined;

async function open(where: { url: string; schema: string }): Promise<PgStore> {
  const store = await PgStore.open({ ...where, maxConnections: 2 });
  opened.push(store);
  return store;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.end();
  for (const s of opened.splice(0)) await s.close();
  for (const s of schemas.splice(0)) await s.drop();
});

storeContract(
  'PgStore (PostgreSQL)',
  async () => {
    const fresh = await freshSchema('dgstore');
    schemas.push(fresh);
    last = fresh;
    return open(fresh);
  },
  {
    measuresBytes: true,
    anotherHandle: () => open(last!),
    countEntityRewrites: async () => {
      const counter = entityRewriteCounter(last!.schema);
      await adminQuery(TEST_POSTGRES_URL, counter.install);
      const client = await adminClient(TEST_POSTGRES_URL);
      clients.push(client);
      return async () => ((await client.query(counter.read)).rows[0] as { n: number }).n;
    },
  },
);

describe('PgStore (PostgreSQL specifics)', () => {
  it('migrates once when several processes open a new schema at once', async () => {
    const fresh = await freshSchema('dgrace');
    schemas.push(fresh);
    const stores = await Promise.all(Array.from({ length: 6 }, () => open(fresh)));
    await stores[0]!.upsertSource({ id: 's', kind: 'fs', location: '/d', createdAt: '2025-01-01T00:00:00.000Z' });
    for (const s of stores) expect((await s.listSources()).map((x) => x.id)).toEqual(['s']);
  });

  it('does not create an index when asked not to', async () => {
    const fresh = await freshSchema('dgnone');
    schemas.push(fresh);
    await expect(PgStore.open({ ...fresh, create: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("brings another process's vector index up to date from the change log, reloading whole only when it must", async () => {
    const fresh = await freshSchema('dgvec');
    schemas.push(fresh);
    const writer = await open(fresh);
    const reader = await open(fresh);
    const embedder = (id: string) => ({ id, provider: 'test', model: 'm', dimensions: 4 });
    await writer.setEmbedder(embedder('e1'));
    const a = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'a', vector: [1, 0, 0, 0] }, { heading: 'B', text: 'b', vector: [0, 1, 0, 0] }] });
    await writer.upsertSource({ id: a.document.sourceId, kind: 'fs', location: '/docs/a', createdAt: '2025-01-01T00:00:00.000Z' });
    await writer.writeDocument(a);
    const top = async (s: PgStore, v: number[]) => (await s.vectorSearch(unit(v), 10)).map((h) => h.sectionId);
    expect((await top(reader, [1, 0, 0, 0]))[0]).toBe(a.sections[0]!.id);
    expect(reader.vectorReloads).toBe(1);

    // another document, a replaced one, vectors added to a section by id: applied as changes
    const b = documentWrite({ uri: 'b.md', sections: [{ heading: 'C', text: 'c', vector: [0, 0, 1, 0] }, { heading: 'D', text: 'no vector yet' }] });
    await writer.writeDocument(b);
    const a2 = documentWrite({ uri: 'a.md', sections: [{ heading: 'A2', text: 'a2', vector: [0, 0, 0, 1] }] });
    await writer.writeDocument(a2);
    await writer.putVectors(new Map([[b.sections[1]!.id, unit([0.5, 0.5, 0, 0])]]));
    const queries = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0.3, 0.3, 0.3, 0.3]];
    const check = async (): Promise<void> => {
      const whole = await open(fresh); // a process that loads every vector now
      for (const q of queries) expect(await top(reader, q), JSON.stringify(q)).toEqual(await top(whole, q));
    };
    await check();
    expect(new Set(await top(reader, [1, 0, 0, 0]))).toEqual(new Set([a2.sections[0]!.id, b.sections[0]!.id, b.sections[1]!.id]));
    expect(reader.vectorReloads).toBe(1);

    expect(await writer.deleteDocument(b.document.id)).toBe(true);
    await check();
    expect(await top(reader, [0, 0, 1, 0])).toEqual([a2.sections[0]!.id]);
    expect(reader.vectorReloads).toBe(1);

    // a new embedder drops every vector: that is a whole reload
    await writer.setEmbedder(embedder('e2'));
    expect(await top(reader, [1, 0, 0, 0])).toEqual([]);
    expect(reader.vectorReloads).toBe(2);
  });
});
