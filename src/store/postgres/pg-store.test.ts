// The Store contract on a real PostgreSQL 15 (DOCGRAPH_TEST_POSTGRES; .ci/run starts it): each test
// in a schema of its own, dropped after.
import { afterEach, describe, expect, it } from 'vitest';
import { storeContract } from '../store.contract.js';
import type { Store } from '../store.js';
import { PgStore } from './pg-store.js';
import { freshSchema } from '../../../test/helpers/postgres.js';

const opened: Store[] = [];
const schemas: { drop: () => Promise<void> }[] = [];
let last: { url: string; schema: string } | undefined;

async function open(where: { url: string; schema: string }): Promise<PgStore> {
  const store = await PgStore.open({ ...where, maxConnections: 2 });
  opened.push(store);
  return store;
}

afterEach(async () => {
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
  { measuresBytes: true, anotherHandle: () => open(last!) },
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
});
