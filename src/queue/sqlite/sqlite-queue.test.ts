import type Database from 'better-sqlite3';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../domain/errors.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { LeaseLostError } from '../errors.js';
import { ManualClock, queueContract } from '../queue.contract.js';
import type { JobQueue } from '../queue.js';
import { QUEUE_SCHEMA_VERSION, queueSchemaVersion } from './migrations.js';
import { SqliteJobQueue, type SqliteQueueOptions } from './sqlite-queue.js';

/** Resolves once `predicate` holds, polling; a bound, not a timing assertion. */
async function until(predicate: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const CLAIM_CHILD = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'queue', 'claim-child.ts');

queueContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docgraph-queue-'));
  const path = join(dir, 'index.db');
  const opened: JobQueue[] = [];
  return {
    async open(options) {
      const q = SqliteJobQueue.open({ ...options, path });
      opened.push(q);
      return q;
    },
    async cleanup() {
      for (const q of opened) await q.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}, { durable: true, index: false });

describe('SqliteJobQueue (SQLite specifics)', () => {
  let dir: string;
  let path: string;
  const open: SqliteJobQueue[] = [];
  const queue = (options: SqliteQueueOptions = {}): SqliteJobQueue => {
    const q = SqliteJobQueue.open({ path, ...options });
    open.push(q);
    return q;
  };
  const job = (uri: string, checksum = 'c1') => ({ type: 'ingest', sourceId: 'src', uri, checksum });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'docgraph-queue-'));
    path = join(dir, 'index.db');
  });
  afterEach(async () => {
    for (const q of open.splice(0)) await q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('schema', () => {
    it('records its own schema version in queue_meta and leaves PRAGMA user_version to the store', async () => {
      const store = SqliteStore.open(path);
      try {
        const storeVersion = store.database.pragma('user_version', { simple: true }) as number;
        const q = queue({ db: store.database });
        expect(queueSchemaVersion(store.database)).toBe(QUEUE_SCHEMA_VERSION);
        expect(store.database.pragma('user_version', { simple: true })).toBe(storeVersion);
        await q.enqueue(job('a.md'));
        await store.upsertSource({ id: 's', kind: 'fs', location: '/docs', createdAt: '2024-01-01T00:00:00.000Z' });
        expect((await store.stats()).sources).toBe(1);
        await q.close();
        // The queue does not close a connection it was given.
        expect((await store.listSources()).length).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('coexists with the store whichever opens the file first', async () => {
      const q = queue();
      await q.enqueue(job('a.md'));
      const store = SqliteStore.open(path);
      try {
        expect(store.database.pragma('user_version', { simple: true })).toBeGreaterThan(0);
        expect(await q.depth()).toBe(1);
        const shared = queue({ db: store.database });
        expect((await shared.claim('w', 1_000))?.job.uri).toBe('a.md');
      } finally {
        await store.close();
      }
    });

    it('migrates once and keeps its data on reopen', async () => {
      const a = queue();
      await a.enqueue(job('a.md'));
      await a.close();
      const b = queue();
      expect(await b.depth()).toBe(1);
      expect(b.database.prepare("SELECT COUNT(*) FROM queue_meta WHERE key = 'schema_version'").pluck().get()).toBe(1);
    });

    it('refuses a file whose queue schema is newer than this build', async () => {
      const a = queue();
      a.database.prepare("UPDATE queue_meta SET value = ? WHERE key = 'schema_version'").run(String(QUEUE_SCHEMA_VERSION + 1));
      await a.close();
      expect(() => queue()).toThrow(/newer docgraph/);
    });

    it('keeps the per-state counts exact (triggers) through every transition', async () => {
      const clock = new ManualClock();
      const q = queue({ clock, maxAttempts: 2, dlqMaxSize: 1 });
      for (let i = 0; i < 6; i++) await q.enqueue(job(`d${i}.md`));
      await q.enqueue(job('d0.md', 'c2'));
      await q.complete((await q.claim('w', 1_000))!);
      await q.fail((await q.claim('w', 1_000))!, new Error('x'), { retryable: false });
      await q.fail((await q.claim('w', 1_000))!, new Error('x'), { retryable: false });
      await q.release((await q.claim('w', 1_000))!);
      await q.claim('w', 1_000);
      clock.advance(1_000);
      await q.reap();
      await q.dlq.purge(0);
      const actual = Object.fromEntries(
        (q.database.prepare('SELECT state, COUNT(*) AS n FROM queue_jobs GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]),
      );
      const counts = await q.counts();
      for (const [state, n] of Object.entries(counts)) expect([state, n]).toEqual([state, actual[state] ?? 0]);
    });
  });

  describe('completeWith: the index write and the completion in one transaction', () => {
    const setup = async (clock = new ManualClock()) => {
      const store = SqliteStore.open(path);
      const q = queue({ db: store.database, clock });
      store.database.exec('CREATE TABLE effects (job_id TEXT NOT NULL)');
      const effects = (): number => store.database.prepare('SELECT COUNT(*) FROM effects').pluck().get() as number;
      const write = (id: string) => (db: Database.Database) => db.prepare('INSERT INTO effects (job_id) VALUES (?)').run(id).changes;
      return { store, q, clock, effects, write };
    };

    it('commits the write and the completion together', async () => {
      const { store, q, effects, write } = await setup();
      try {
        await q.enqueue(job('a.md'));
        const lease = (await q.claim('w', 1_000))!;
        expect(q.completeWith(lease, write(lease.jobId))).toEqual({ outcome: 'completed', value: 1 });
        expect(effects()).toBe(1);
        expect((await q.get(lease.jobId))!.state).toBe('completed');
        // The worker loop's own complete afterwards is a no-op; a second completeWith does not write again.
        await q.complete(lease);
        expect(() => q.completeWith(lease, write(lease.jobId))).toThrow(LeaseLostError);
        expect(effects()).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('rolls both back when the write throws, leaving the lease to fail or retry', async () => {
      const { store, q, effects } = await setup();
      try {
        await q.enqueue(job('a.md'));
        const lease = (await q.claim('w', 1_000))!;
        expect(() =>
          q.completeWith(lease, (db) => {
            db.prepare('INSERT INTO effects (job_id) VALUES (?)').run(lease.jobId);
            throw new Error('disk full');
          }),
        ).toThrow('disk full');
        expect(effects()).toBe(0);
        expect((await q.get(lease.jobId))!.state).toBe('running');
        expect((await q.fail(lease, new Error('disk full'))).state).toBe('pending');
      } finally {
        await store.close();
      }
    });

    it('does not run the write when the lease is lost (a worker that hung past its lease)', async () => {
      const { store, q, clock, effects, write } = await setup();
      try {
        await q.enqueue(job('a.md'));
        const zombie = (await q.claim('w1', 1_000))!;
        clock.advance(1_000);
        expect(() => q.completeWith(zombie, write(zombie.jobId))).toThrow(LeaseLostError);
        await q.reap();
        clock.advance(600_000);
        const next = (await q.claim('w2', 1_000))!;
        expect(() => q.completeWith(zombie, write(zombie.jobId))).toThrow(LeaseLostError);
        expect(q.completeWith(next, write(next.jobId)).outcome).toBe('completed');
        expect(effects()).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('does not let a superseded job overwrite newer content', async () => {
      const { store, q, effects, write } = await setup();
      try {
        await q.enqueue(job('a.md', 'v1'));
        const old = (await q.claim('w', 1_000))!;
        await q.enqueue(job('a.md', 'v2'));
        expect(q.completeWith(old, write(old.jobId))).toEqual({ outcome: 'superseded' });
        expect(effects()).toBe(0);
        expect((await q.get(old.jobId))!.state).toBe('superseded');
        await q.complete(old);
        const next = (await q.claim('w', 1_000))!;
        expect(next.job.checksum).toBe('v2');
        expect(q.completeWith(next, write(next.jobId)).outcome).toBe('completed');
        expect(effects()).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('refuses an asynchronous write (its work would escape the transaction)', async () => {
      const { store, q, effects } = await setup();
      try {
        await q.enqueue(job('a.md'));
        const lease = (await q.claim('w', 1_000))!;
        expect(() => q.completeWith(lease, async () => undefined)).toThrow(InvalidInputError);
        expect(effects()).toBe(0);
        expect((await q.get(lease.jobId))!.state).toBe('running');
      } finally {
        await store.close();
      }
    });

    it('nests inside a transaction the caller already holds', async () => {
      const { store, q, effects, write } = await setup();
      try {
        await q.enqueue(job('a.md'));
        const lease = (await q.claim('w', 1_000))!;
        expect(() =>
          store.database.transaction(() => {
            q.completeWith(lease, write(lease.jobId));
            throw new Error('caller changed its mind');
          })(),
        ).toThrow('caller changed its mind');
        expect(effects()).toBe(0);
        expect((await q.get(lease.jobId))!.state).toBe('running');
      } finally {
        await store.close();
      }
    });
  });

  describe('several connections and processes on one file', () => {
    it('never gives two connections the same job', async () => {
      const handles = [queue(), queue(), queue()];
      for (let i = 0; i < 60; i++) await handles[0]!.enqueue(job(`d${i}.md`));
      const got: string[] = [];
      for (let round = 0; round < 30; round++) {
        const leases = await Promise.all(handles.map((h, i) => h.claim(`w${i}`, 60_000)));
        for (const l of leases) if (l) got.push(l.jobId);
      }
      expect(got).toHaveLength(60);
      expect(new Set(got).size).toBe(60);
    });

    /** Forks `n` claim-child processes on the file, starts them together, returns what each reported. */
    const race = async (n: number, mode: 'claim' | 'reap'): Promise<string[][]> => {
      const children = Array.from({ length: n }, (_, i) => fork(CLAIM_CHILD, [path, `p${i}`, mode], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
      const exited = children.map((c) => new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code))));
      const results = children.map(
        (c) =>
          new Promise<string[]>((resolve, reject) => {
            c.on('message', (m: unknown) => {
              if (typeof m === 'object' && m !== null && 'got' in m) resolve((m as { got: string[] }).got);
            });
            c.once('exit', (code) => reject(new Error(`claim child exited early (${code})`)));
          }),
      );
      // Start them together once all have opened the file.
      await Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('message', () => resolve()))));
      for (const c of children) c.send('go');
      const got = await Promise.all(results);
      expect(await Promise.all(exited)).toEqual(children.map(() => 0));
      return got;
    };

    it('never gives two processes the same job (4 child processes racing on one file)', async () => {
      const q = queue();
      const total = 400;
      await q.enqueueMany(Array.from({ length: total }, (_, i) => ({ job: job(`d${i}.md`) })));
      const all = (await race(4, 'claim')).flat();
      expect(all).toHaveLength(total);
      expect(new Set(all).size).toBe(total);
      expect(await q.counts()).toMatchObject({ completed: total, pending: 0, running: 0 });
      expect(q.database.prepare("SELECT COUNT(*) FROM queue_attempts WHERE outcome = 'completed'").pluck().get()).toBe(total);
    });

    it('handles each expired lease once when reapers in 3 processes run at once', async () => {
      const q = queue();
      const total = 200;
      const ids = (await q.enqueueMany(Array.from({ length: total }, (_, i) => ({ job: job(`d${i}.md`) })))).map((r) => r.job.id);
      for (let i = 0; i < total; i++) await q.claim(`w${i % 5}`, 1);
      await until(async () => (await q.stats()).staleLeases === total, 'the 1 ms leases to expire');
      const requeued = (await race(3, 'reap')).flat();
      expect([...requeued].sort()).toEqual([...ids].sort());
      expect(await q.counts()).toMatchObject({ pending: total, running: 0 });
      expect(q.database.prepare("SELECT COUNT(*) FROM queue_attempts WHERE outcome = 'expired'").pluck().get()).toBe(total);
    });
  });
});
