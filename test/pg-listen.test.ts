// Issue 13: replicas that keep vectors in memory (no pgvector) follow other processes' writes through
// PostgreSQL LISTEN/NOTIFY. A real PostgreSQL 15, a real second process: a write in this one reaches
// the other's vector index within 1 s without that process searching, and its next search finds it.
import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { documentWrite } from '../src/store/store.contract.js';
import { openBackend } from '../src/app/backend.js';
import { helperJs } from './helpers/cli.js';
import { freshSchema, schemaUrl } from './helpers/postgres.js';

type Msg = { type: string; generation?: number; at?: number; searches?: number; reloads?: number; notifications?: number; listening?: boolean; ids?: string[] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function replica(store: string): { child: ChildProcess; next: (type: string, timeoutMs: number) => Promise<Msg> } {
  const child = fork(helperJs('pg-vector-replica.ts'), [store], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: Msg[] = [];
  let waiter: (() => void) | undefined;
  child.on('message', (m: Msg) => {
    inbox.push(m);
    waiter?.();
  });
  const next = async (type: string, timeoutMs: number): Promise<Msg> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no '${type}' message from the replica within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  };
  return { child, next };
}

describe('PostgreSQL LISTEN/NOTIFY: in-memory vectors follow other processes', () => {
  it("a write in this process reaches the other's vector index within 1 s, before it searches", async () => {
    const fresh = await freshSchema('dglisten');
    cleanups.push(fresh.drop);
    const store = `${schemaUrl(fresh.url, fresh.schema)}&vectors=memory`;
    const backend = await openBackend({ store }, { create: true });
    cleanups.push(() => backend.close());
    const writer = backend.store;
    await writer.setEmbedder({ id: 'e1', provider: 'test', model: 'm', dimensions: 4 });
    const a = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'a', vector: [1, 0, 0, 0] }] });
    await writer.upsertSource({ id: a.document.sourceId, kind: 'fs', location: '/docs', createdAt: '2025-01-01T00:00:00.000Z' });
    await writer.writeDocument(a);

    const { child, next } = replica(store);
    cleanups.push(async () => {
      if (child.connected) {
        child.send({ stop: true });
        await next('stopped', 10_000).catch(() => child.kill('SIGKILL'));
      }
    });
    const ready = await next('ready', 60_000);
    expect(ready).toMatchObject({ listening: true });

    for (const [i, vector] of [[0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]].entries()) {
      const w = documentWrite({ uri: `new-${i}.md`, sections: [{ heading: `N${i}`, text: 'n', vector }] });
      const t0 = Date.now();
      await writer.writeDocument(w);
      const generation = Number(await writer.sharedGeneration());
      let moved: Msg;
      do moved = await next('generation', 1_000 - (Date.now() - t0));
      while (moved.generation! < generation);
      // it came by notification, not by a search of the replica's
      expect(moved.at! - t0).toBeLessThan(1_000);
      expect(moved).toMatchObject({ searches: i + 1 });
      expect(moved.notifications).toBeGreaterThan(i);
      child.send({ search: vector });
      const hits = await next('hits', 10_000);
      expect(hits.ids![0]).toBe(w.sections[0]!.id);
      // already current when it searched
      expect(hits).toMatchObject({ generation });
    }

    // the listening connection dies (a server restart, a network cut): the replica reconnects, and
    // catches up with what was written while it was not listening
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'docgraph-listen' AND query = $1",
        [`LISTEN "docgraph_changes_${fresh.schema}"`],
      );
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    const w = documentWrite({ uri: 'while-down.md', sections: [{ heading: 'W', text: 'w', vector: [0.5, 0.5, 0.5, 0.5] }] });
    await writer.writeDocument(w);
    const generation = Number(await writer.sharedGeneration());
    let moved: Msg;
    do moved = await next('generation', 5_000);
    while (moved.generation! < generation);
    expect(moved).toMatchObject({ searches: 4, listening: true });
  });
});
