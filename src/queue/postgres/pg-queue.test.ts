// The JobQueue contract on a real PostgreSQL 15 (DOCGRAPH_TEST_POSTGRES; .ci/run starts it), with the
// index capability: the queue's tables sit beside a PgStore's, and commitJob is one transaction.
// Each test runs in a schema of its own, dropped after.
import { afterEach, describe, expect, it } from 'vitest';
import { PgStore } from '../../store/postgres/pg-store.js';
import { freshSchema } from '../../../test/helpers/postgres.js';
import { ManualClock, queueContract } from '../queue.contract.js';
import type { JobQueue } from '../queue.js';
import { PgJobQueue } from './pg-queue.js';

async function harness() {
  const fresh = await freshSchema('dgqueue');
  const stores: PgStore[] = [];
  const store = async (): Promise<PgStore> => {
    const s = await PgStore.open({ ...fresh, maxConnections: 4 });
    stores.push(s);
    await PgJobQueue.migrate(s.database);
    return s;
  };
  return {
    async open(options: Parameters<typeof PgJobQueue.open>[0] extends infer O ? Omit<O, 'db' | 'index'> : never): Promise<JobQueue> {
      // every handle its own pool, as another process would have
      const s = await store();
      return PgJobQueue.open({ ...options, db: s.database, index: s });
    },
    index: store,
    async cleanup() {
      for (const s of stores) await s.close();
      await fresh.drop();
    },
  };
}

queueContract('postgres', harness, { durable: true, index: true });

describe('PgJobQueue (PostgreSQL specifics)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('uses the database clock when no clock is given', async () => {
    const h = await harness();
    cleanups.push(h.cleanup);
    const q = await h.open({});
    const before = Date.now();
    await q.enqueue({ type: 'ingest', sourceId: 's', uri: 'a.md', checksum: 'c' });
    const lease = await q.claim('w', 10_000);
    expect(lease).toBeDefined();
    // the server is on this machine: its clock and ours agree to well under a second
    expect(Math.abs(lease!.job.createdAt - before)).toBeLessThan(5_000);
    expect(lease!.expiresAt - lease!.job.updatedAt).toBe(10_000);
  });

  it('hands each job to exactly one of many concurrent claimers (SKIP LOCKED)', async () => {
    const h = await harness();
    cleanups.push(h.cleanup);
    const clock = new ManualClock();
    const producer = await h.open({ clock });
    await producer.enqueueMany(Array.from({ length: 60 }, (_, i) => ({ job: { type: 'ingest', sourceId: 's', uri: `d${i}.md`, checksum: 'c' } })));
    const workers = await Promise.all(Array.from({ length: 4 }, () => h.open({ clock })));
    const claimed: string[] = [];
    await Promise.all(
      workers.map(async (q, w) => {
        for (;;) {
          const lease = await q.claim(`w${w}`, 30_000);
          if (!lease) return;
          claimed.push(lease.jobId);
          await q.commitJob(lease, { kind: 'none' });
        }
      }),
    );
    expect(claimed).toHaveLength(60);
    expect(new Set(claimed).size).toBe(60);
    expect((await producer.counts()).completed).toBe(60);
  });
});
