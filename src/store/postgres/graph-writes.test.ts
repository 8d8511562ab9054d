// Two writers on two connections (two PgStore handles: two processes' pools) against a real
// PostgreSQL, ordered by row locks held from admin connections, never by timing: document A says
// something about an entity that document B's rewrite takes back. writeGraph used to read A's
// entities without a lock, so A judged its fact from the row as it was before B's uncommitted
// re-merge, and B's re-merge (which could not see A's fact) was what stayed: the alias only A
// states was lost; and when B's rewrite deleted the entity (its last other document), A's write
// failed on the facts' foreign key. The entity must end up the merge of the facts that are left.
import { afterEach, describe, expect, it } from 'vitest';
import { mergeFacts } from '../../domain/entity-facts.js';
import { documentId, entityId, sourceId } from '../../domain/ids.js';
import type { EntityRecord } from '../../domain/types.js';
import { adminClient, freshSchema } from '../../../test/helpers/postgres.js';
import { documentWrite } from '../store.contract.js';
import type { DocumentWrite } from '../store.js';
import { PgStore } from './pg-store.js';

type Client = Awaited<ReturnType<typeof adminClient>>;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const SRC = sourceId('fs', '/docs/a');
const setting = (name: string): Omit<EntityRecord, 'aliases' | 'attributes'> => ({ id: entityId('ConfigParameter', name), type: 'ConfigParameter', name });
/** The contested setting, and a setting A also names whose id sorts after it (A's insert reaches it last). */
const contested = setting('cache_size');
const gate = setting(['gate_a', 'gate_b', 'gate_c', 'gate_d', 'gate_e', 'gate_f'].find((n) => entityId('ConfigParameter', n) > contested.id)!);

/** `uri`, whose one section says `aliases` about each of `entities` (nothing when empty). */
function doc(uri: string, entities: { e: Omit<EntityRecord, 'aliases' | 'attributes'>; aliases: string[]; role: 'DEFINES' | 'MENTIONS' }[]): DocumentWrite {
  const w = documentWrite({ sourceId: SRC, uri, sections: [{ heading: uri, text: 'cache_size' }] });
  const sid = w.sections[0]!.id;
  w.entities = entities.map(({ e, aliases }) => ({ ...e, aliases, attributes: {} }));
  w.edges = entities.map(({ e, role }) => ({ src: sid, dst: e.id, type: role, weight: 1, evidence: sid }));
  return w;
}

/** Polls (bounded) until `pid` waits on a lock held by another backend; returns who blocks it. */
async function blocked(monitor: Client, pid: number): Promise<number[]> {
  for (let i = 0; i < 1000; i++) {
    const row = (await monitor.query(`SELECT pg_blocking_pids(${pid}) AS b`)).rows[0] as { b: number[] };
    if (row.b.length > 0) return row.b;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`backend ${pid} never waited on a lock`);
}

/** Polls (bounded) until some backend waits on a lock `holder` holds; returns its pid. */
async function blockedBy(monitor: Client, holder: number, except: readonly number[] = []): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const rows = (await monitor.query(`SELECT pid FROM pg_stat_activity WHERE ${holder} = ANY(pg_blocking_pids(pid))`)).rows as { pid: number }[];
    const pid = rows.map((r) => r.pid).find((p) => !except.includes(p));
    if (pid !== undefined) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no backend waited on ${holder}`);
}

/**
 * Writes `before` in order, then A and B at once on two handles: A's insert of its entities is held
 * at the gate entity (after it passed cache_size) while B rewrites and holds its transaction open
 * at the end (the index_state row every write moves last is locked meanwhile); then A goes on (with
 * the fix it waits for B's lock on cache_size) until it waits too, and both commit. Returns a handle to look with.
 */
async function race(before: readonly DocumentWrite[], a: DocumentWrite, b: DocumentWrite): Promise<PgStore> {
  const fresh = await freshSchema('dgrace');
  cleanup.push(fresh.drop);
  const open = async (): Promise<PgStore> => {
    const s = await PgStore.open({ ...fresh, maxConnections: 1 });
    cleanup.push(() => s.close());
    return s;
  };
  const [setup, writerA, writerB] = [await open(), await open(), await open()];
  await setup.upsertSource({ id: SRC, kind: 'fs', location: '/docs/a', createdAt: '2025-01-01T00:00:00.000Z' });
  for (const w of before) await setup.writeDocument(w);

  const clients: Client[] = [];
  for (let i = 0; i < 3; i++) {
    const c = await adminClient(fresh.url);
    cleanup.push(() => c.end());
    clients.push(c);
  }
  const [gateHolder, stateHolder, monitor] = clients as [Client, Client, Client];
  const pidOf = async (c: Client) => ((await c.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
  const [gatePid, statePid] = [await pidOf(gateHolder), await pidOf(stateHolder)];
  await stateHolder.query('BEGIN');
  await stateHolder.query(`SELECT generation FROM ${fresh.schema}.index_state FOR UPDATE`);
  await gateHolder.query('BEGIN');
  await gateHolder.query(`UPDATE ${fresh.schema}.entities SET name = name WHERE id = '${gate.id}'`);

  const writingA = writerA.writeDocument(a);
  const aPid = await blockedBy(monitor, gatePid);
  const writingB = writerB.writeDocument(b);
  await blockedBy(monitor, statePid, [aPid]);
  await gateHolder.query('ROLLBACK');
  await blocked(monitor, aPid);
  await stateHolder.query('COMMIT');
  await Promise.all([writingA, writingB]);
  return setup;
}

describe('PgStore: concurrent graph writes', () => {
  it('two writers that change one entity at once both count: no re-merge is lost', async () => {
    // the reference defines cache_size (alias cache-size) and names the gate; B's first version adds the alias "cache size",
    // its rewrite no longer names cache_size, and A states "cache size" too
    const store = await race(
      [doc('reference.md', [{ e: contested, aliases: ['cache-size'], role: 'DEFINES' }, { e: gate, aliases: [], role: 'MENTIONS' }]), doc('b.md', [{ e: contested, aliases: ['cache size'], role: 'MENTIONS' }])],
      doc('a.md', [{ e: contested, aliases: ['cache size'], role: 'MENTIONS' }, { e: gate, aliases: [], role: 'MENTIONS' }]),
      doc('b.md', []),
    );
    const expected = mergeFacts([
      { defines: true, docId: documentId(SRC, 'reference.md'), aliases: ['cache-size'], attributes: {} },
      { defines: false, docId: documentId(SRC, 'a.md'), aliases: ['cache size'], attributes: {} },
    ]);
    expect(expected.aliases).toEqual(['cache size', 'cache-size']);
    expect(await store.getEntities([contested.id])).toEqual([{ ...contested, ...expected }]);
    expect((await store.findEntities(['cache size'])).map((e) => e.id)).toEqual([contested.id]);
  });

  it('an entity deleted by its last other document while a writer names it is written again', async () => {
    // B is the only document that holds cache_size; its rewrite lets it go while A names it
    const store = await race(
      [doc('reference.md', [{ e: gate, aliases: [], role: 'MENTIONS' }]), doc('b.md', [{ e: contested, aliases: ['cache-size'], role: 'DEFINES' }])],
      doc('a.md', [{ e: contested, aliases: ['cache size'], role: 'MENTIONS' }, { e: gate, aliases: [], role: 'MENTIONS' }]),
      doc('b.md', []),
    );
    expect(await store.getEntities([contested.id])).toEqual([{ ...contested, aliases: ['cache size'], attributes: {} }]);
    expect((await store.findEntities(['cache size'])).map((e) => e.id)).toEqual([contested.id]);
  });
});
