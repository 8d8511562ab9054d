/**
 * The JobQueue contract: the suite every implementation runs
 * (`queueContract('sqlite', factory)` in its own test file). Time is a manual
 * clock and jitter a fixed random source, so nothing here sleeps.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocgraphError, InvalidInputError, ParseError } from '../domain/errors.js';
import { backoffBounds, backoffDelay } from './backoff.js';
import { LeaseLostError, QueueFullError } from './errors.js';
import { documentWrite } from '../store/store.contract.js';
import type { Store } from '../store/store.js';
import type { Clock, JobInput, JobQueue, Lease, QueueOptions } from './queue.js';

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private t = Date.UTC(2024, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * One backing store per test. Every `open` in a test returns a new handle
 * (connection, client) on the same store, like another process would.
 */
export interface QueueHarness {
  open(options: QueueOptions): Promise<JobQueue>;
  /**
   * With the `index` capability: a Store on the index that the queues `open`
   * returns commit job changes to (a handle of its own is fine).
   */
  index?(): Promise<Store>;
  /** Closes what the harness opened and deletes the store. */
  cleanup(): Promise<void>;
}

/** What an implementation declares it can do beyond the core contract; the suite runs or skips the tests that need it. */
export interface QueueCapabilities {
  /** Jobs survive closing every handle and opening again (a file or a server, not process memory). */
  durable: boolean;
  /** `commitJob` applies index changes (write, delete) in the same atomic step as the completion; the harness implements `index()`. Without it, `commitJob` takes only `{ kind: 'none' }`. */
  index: boolean;
}

const LEASE = 30_000;
const RANDOM = 0.5;

function doc(uri: string, checksum = 'c1', extra: Partial<JobInput<{ n?: number }>> = {}): JobInput<{ n?: number }> {
  return { type: 'ingest', sourceId: 'src', uri, checksum, payload: { n: 1 }, ...extra };
}

/** The rejection of `p`, asserting that it rejects. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

export function queueContract(name: string, factory: () => Promise<QueueHarness>, capabilities: QueueCapabilities): void {
  describe(`JobQueue contract: ${name}`, () => {
    let harness: QueueHarness;
    let clock: ManualClock;
    let q: JobQueue;
    const open = (o: QueueOptions = {}): Promise<JobQueue> => harness.open({ clock, random: () => RANDOM, ...o });
    /** Re-opens `q` with other options (the first handle is closed). */
    const reopen = async (o: QueueOptions): Promise<JobQueue> => {
      await q.close();
      q = await open(o);
      return q;
    };
    const claim = async <P = unknown>(worker = 'w1', queue: JobQueue = q): Promise<Lease<P>> => {
      const lease = await queue.claim<P>(worker, LEASE);
      if (!lease) throw new Error('expected a job to claim');
      return lease;
    };

    beforeEach(async () => {
      harness = await factory();
      clock = new ManualClock();
      q = await open();
    });
    afterEach(async () => {
      await q.close();
      await harness.cleanup();
    });

    describe('enqueue and claim', () => {
      it('claims nothing from an empty queue', async () => {
        expect(await q.claim('w1', LEASE)).toBeUndefined();
        expect(await q.get('12345')).toBeUndefined();
      });

      it('claims a job with its payload, a lease and attempt 1', async () => {
        const { job, outcome, superseded } = await q.enqueue(doc('a.md'));
        expect(outcome).toBe('created');
        expect(superseded).toEqual([]);
        expect(job).toMatchObject({ type: 'ingest', sourceId: 'src', uri: 'a.md', checksum: 'c1', state: 'pending', attempts: 0, priority: 0 });
        expect(job.runAt).toBe(clock.now());
        const lease = await claim<{ n: number }>();
        expect(lease.jobId).toBe(job.id);
        expect(lease.job.payload).toEqual({ n: 1 });
        expect(lease.attempt).toBe(1);
        expect(lease.worker).toBe('w1');
        expect(lease.expiresAt).toBe(clock.now() + LEASE);
        expect(lease.checkpoints).toEqual([]);
        const stored = await q.get(job.id);
        expect(stored).toMatchObject({ state: 'running', attempts: 1, lease: { worker: 'w1', expiresAt: clock.now() + LEASE } });
        expect(stored!.history).toEqual([{ attempt: 1, worker: 'w1', startedAt: clock.now(), endedAt: null, outcome: null, error: null }]);
      });

      it('defaults the payload to null and keeps JSON payloads intact', async () => {
        await q.enqueue({ type: 'delete', sourceId: 'src', uri: 'x.md', checksum: 'deleted' });
        await q.enqueue(doc('y.md', 'c', { payload: { n: 2 } }));
        expect((await claim()).job.payload).toBeNull();
        expect((await claim()).job.payload).toEqual({ n: 2 });
      });

      it('claims by priority, then runAt, then enqueue order', async () => {
        await q.enqueue(doc('low.md'), { priority: -1 });
        await q.enqueue(doc('first.md'));
        await q.enqueue(doc('second.md'));
        await q.enqueue(doc('high.md'), { priority: 5 });
        await q.enqueue(doc('earlier.md'), { runAt: clock.now() - 1_000 });
        const order: string[] = [];
        for (let l = await q.claim('w', LEASE); l; l = await q.claim('w', LEASE)) order.push(l.job.uri);
        expect(order).toEqual(['high.md', 'earlier.md', 'first.md', 'second.md', 'low.md']);
      });

      it('does not hand out a job before its runAt', async () => {
        await q.enqueue(doc('later.md'), { runAt: clock.now() + 5_000 });
        expect(await q.claim('w1', LEASE)).toBeUndefined();
        clock.advance(5_000);
        expect((await claim()).job.uri).toBe('later.md');
      });

      it('hands a job to one claimer only, across handles', async () => {
        const other = await open();
        try {
          await q.enqueue(doc('a.md'));
          const [x, y] = await Promise.all([q.claim('w1', LEASE), other.claim('w2', LEASE)]);
          expect([x, y].filter((l) => l !== undefined)).toHaveLength(1);
        } finally {
          await other.close();
        }
      });

      it('claims only the requested types', async () => {
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md', 'c1', { type: 'reembed' }));
        expect((await q.claim('w', LEASE, { types: ['reembed'] }))?.job.uri).toBe('b.md');
        expect(await q.claim('w', LEASE, { types: ['reembed'] })).toBeUndefined();
        expect((await q.claim('w', LEASE, { types: ['ingest', 'other'] }))?.job.uri).toBe('a.md');
      });

      it('enqueues many at once, deduplicating and superseding within the batch, all or nothing', async () => {
        const results = await q.enqueueMany([{ job: doc('a.md', 'v1') }, { job: doc('b.md'), options: { priority: 2 } }, { job: doc('a.md', 'v1') }, { job: doc('a.md', 'v2') }]);
        expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'deduplicated', 'created']);
        expect(results[2]!.job.id).toBe(results[0]!.job.id);
        expect(results[3]!.superseded).toEqual([results[0]!.job.id]);
        expect(await q.depth()).toBe(2);
        expect((await claim()).job.uri).toBe('b.md');
        q = await reopen({ maxSize: 3, highWater: 2, lowWater: 1 });
        expect(await rejection(q.enqueueMany([{ job: doc('c.md') }, { job: doc('d.md') }]))).toBeInstanceOf(QueueFullError);
        expect(await q.depth()).toBe(2);
        expect(await q.enqueueMany([])).toEqual([]);
      });

      it('gives every job of a subject a larger generation than the ones before', async () => {
        const a = await q.enqueue(doc('a.md', 'v1'));
        const other = await q.enqueue(doc('b.md', 'v1'));
        const b = await q.enqueue(doc('a.md', 'v2'));
        expect(b.job.generation).toBeGreaterThan(a.job.generation);
        expect(other.job.generation).toBeGreaterThan(a.job.generation);
        expect(new Set([a.job.id, b.job.id, other.job.id]).size).toBe(3);
      });
    });

    describe('deduplication', () => {
      it('does not add identical content while pending, running or after completion', async () => {
        const first = await q.enqueue(doc('a.md', 'c1'));
        const again = await q.enqueue(doc('a.md', 'c1'));
        expect(again.outcome).toBe('deduplicated');
        expect(again.job.id).toBe(first.job.id);
        const lease = await claim();
        expect((await q.enqueue(doc('a.md', 'c1'))).outcome).toBe('deduplicated');
        await q.complete(lease);
        const later = await q.enqueue(doc('a.md', 'c1'));
        expect(later).toMatchObject({ outcome: 'deduplicated', job: { id: first.job.id, state: 'completed' } });
        expect(await q.depth()).toBe(0);
      });

      it('does not requeue identical content whose job is dead (retry it from the DLQ instead)', async () => {
        const first = await q.enqueue(doc('a.md'));
        await q.fail(await claim(), new ParseError('a.md', 'bad'));
        expect(await q.enqueue(doc('a.md'))).toMatchObject({ outcome: 'deduplicated', job: { id: first.job.id, state: 'dead' } });
        expect((await q.enqueue(doc('a.md'), { force: true })).outcome).toBe('created');
      });

      it('keys on type, source, uri and checksum by default', async () => {
        await q.enqueue(doc('a.md', 'c1'));
        expect((await q.enqueue(doc('a.md', 'c1', { sourceId: 'other' }))).outcome).toBe('created');
        expect((await q.enqueue(doc('b.md', 'c1'))).outcome).toBe('created');
        expect(await q.depth()).toBe(3);
      });

      it('honours an explicit dedupe key', async () => {
        const a = await q.enqueue(doc('a.md', 'c1'), { dedupeKey: 'k' });
        const b = await q.enqueue(doc('a.md', 'c1', { payload: { n: 9 } }), { dedupeKey: 'k' });
        expect(b).toMatchObject({ outcome: 'deduplicated', job: { id: a.job.id, dedupeKey: 'k' } });
      });

      it('raises the priority of a deduplicated pending job', async () => {
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'), { priority: 1 });
        const up = await q.enqueue(doc('a.md'), { priority: 3 });
        expect(up).toMatchObject({ outcome: 'deduplicated', job: { priority: 3 } });
        expect((await claim()).job.uri).toBe('a.md');
        const down = await q.enqueue(doc('b.md'), { priority: 0 });
        expect(down.job.priority).toBe(1);
      });

      it('treats content that changed back (A, B, A) as new work', async () => {
        const a = await q.enqueue(doc('a.md', 'A'));
        await q.complete(await claim());
        const b = await q.enqueue(doc('a.md', 'B'));
        await q.complete(await claim());
        const again = await q.enqueue(doc('a.md', 'A'));
        expect(again.outcome).toBe('created');
        expect(again.job.id).not.toBe(a.job.id);
        expect(again.job.generation).toBeGreaterThan(b.job.generation);
      });

      it('force skips deduplication but still supersedes', async () => {
        const a = await q.enqueue(doc('a.md'));
        const forced = await q.enqueue(doc('a.md'), { force: true });
        expect(forced.outcome).toBe('created');
        expect(forced.superseded).toEqual([a.job.id]);
        expect(await q.depth()).toBe(1);
      });
    });

    describe('superseding', () => {
      it('cancels the older pending job of a changed file', async () => {
        const old = await q.enqueue(doc('a.md', 'v1'));
        const next = await q.enqueue(doc('a.md', 'v2'));
        expect(next.outcome).toBe('created');
        expect(next.superseded).toEqual([old.job.id]);
        expect(await q.get(old.job.id)).toMatchObject({ state: 'superseded', supersededBy: next.job.id, finishedAt: clock.now() });
        const lease = await claim();
        expect(lease.job.checksum).toBe('v2');
        expect(await q.claim('w', LEASE)).toBeUndefined();
        expect((await q.counts()).superseded).toBe(1);
      });

      it('flags a running job, lets it finish, and holds its successor until then', async () => {
        const old = await q.enqueue(doc('a.md', 'v1'));
        const running = await claim();
        const next = await q.enqueue(doc('a.md', 'v2'));
        expect(next.superseded).toEqual([old.job.id]);
        expect(await q.heartbeat(running)).toEqual({ expiresAt: clock.now() + LEASE, supersededBy: next.job.id });
        expect(await q.get(old.job.id)).toMatchObject({ state: 'running', supersededBy: next.job.id });
        // One job per subject at a time: v2 waits; other subjects do not.
        await q.enqueue(doc('b.md'));
        expect((await claim('w2')).job.uri).toBe('b.md');
        expect(await q.claim('w2', LEASE)).toBeUndefined();
        await q.complete(running);
        const successor = await claim('w2');
        expect(successor.jobId).toBe(next.job.id);
        expect(successor.job.generation).toBeGreaterThan(running.job.generation);
      });

      it('does not retry a superseded running job that fails', async () => {
        await q.enqueue(doc('a.md', 'v1'));
        const running = await claim();
        await q.enqueue(doc('a.md', 'v2'));
        expect(await q.fail(running, new Error('boom'))).toEqual({ state: 'superseded' });
        const details = await q.get(running.jobId);
        expect(details).toMatchObject({ state: 'superseded' });
        expect(details!.history.at(-1)!.outcome).toBe('superseded');
        expect((await claim()).job.checksum).toBe('v2');
      });

      it('does not requeue a superseded running job whose lease expired', async () => {
        await q.enqueue(doc('a.md', 'v1'));
        const running = await claim();
        await q.enqueue(doc('a.md', 'v2'));
        clock.advance(LEASE);
        expect(await q.reap()).toEqual({ requeued: [], dead: [], superseded: [running.jobId] });
        expect((await claim()).job.checksum).toBe('v2');
      });

      it('releasing a superseded running job retires it', async () => {
        await q.enqueue(doc('a.md', 'v1'));
        const running = await claim();
        await q.enqueue(doc('a.md', 'v2'));
        await q.release(running);
        expect((await q.get(running.jobId))!.state).toBe('superseded');
      });

      it('marks the dead job of a subject as superseded by newer content, and will not retry it', async () => {
        const old = await q.enqueue(doc('a.md', 'v1'));
        await q.fail(await claim(), new ParseError('a.md', 'bad'));
        const next = await q.enqueue(doc('a.md', 'v2'));
        expect(next.outcome).toBe('created');
        expect(await q.dlq.show(old.job.id)).toMatchObject({ state: 'dead', supersededBy: next.job.id });
        expect(await q.dlq.retry(old.job.id)).toBe('superseded');
        expect((await q.get(old.job.id))!.state).toBe('superseded');
      });
    });

    describe('leases', () => {
      it('heartbeat extends the lease past its first expiry', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        clock.advance(LEASE - 1);
        expect((await q.heartbeat(lease)).expiresAt).toBe(clock.now() + LEASE);
        clock.advance(LEASE - 1);
        expect(await q.reap()).toEqual({ requeued: [], dead: [], superseded: [] });
        expect((await q.heartbeat(lease, 5_000)).expiresAt).toBe(clock.now() + 5_000);
        await q.complete(lease);
        expect((await q.get(lease.jobId))!.state).toBe('completed');
      });

      it('loses an expired lease even before a reaper runs', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        clock.advance(LEASE);
        // one call at a time: calls made together would each reject before the loop reaches them (unhandled)
        for (const attempt of [() => q.heartbeat(lease), () => q.checkpoint(lease, 'parse'), () => q.complete(lease), () => q.fail(lease, new Error('x')), () => q.release(lease)]) {
          const e = await rejection(attempt());
          expect(e).toBeInstanceOf(LeaseLostError);
          expect((e as LeaseLostError).code).toBe('LEASE_LOST');
        }
        expect((await q.get(lease.jobId))!.state).toBe('running');
        expect((await q.stats()).staleLeases).toBe(1);
      });

      it('rejects a wrong token and an unknown job', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        expect(await rejection(q.complete({ jobId: lease.jobId, token: 'forged' }))).toBeInstanceOf(LeaseLostError);
        expect(await rejection(q.heartbeat({ jobId: '999999', token: lease.token }))).toMatchObject({ reason: 'not-found' });
      });

      it('lets only the new holder settle a job that was reaped and claimed again', async () => {
        await q.enqueue(doc('a.md'));
        const first = await claim('w1');
        clock.advance(LEASE);
        expect((await q.reap()).requeued).toEqual([first.jobId]);
        clock.advance(60_000);
        const second = await claim('w2');
        expect(second.attempt).toBe(2);
        expect(await rejection(q.complete(first))).toBeInstanceOf(LeaseLostError);
        expect(await rejection(q.fail(first, new Error('late')))).toBeInstanceOf(LeaseLostError);
        await q.complete(second);
        const details = await q.get(first.jobId);
        expect(details!.state).toBe('completed');
        expect(details!.history.map((h) => [h.worker, h.outcome])).toEqual([
          ['w1', 'expired'],
          ['w2', 'completed'],
        ]);
      });

      it('complete is idempotent for the same lease', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        await q.complete(lease);
        await q.complete(lease);
        expect(await q.counts()).toMatchObject({ completed: 1, running: 0 });
      });

      it('completeAndClaim completes the job and claims the next by the usual rules', async () => {
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'));
        await q.enqueue(doc('c.md', 'c1', { type: 'reembed' }));
        const a = await claim();
        const b = await q.completeAndClaim(a, 'w2', 5_000, { types: ['ingest'] });
        expect(b).toMatchObject({ job: { uri: 'b.md' }, worker: 'w2', attempt: 1, expiresAt: clock.now() + 5_000 });
        expect((await q.get(a.jobId))!.state).toBe('completed');
        expect(await q.completeAndClaim(b!, 'w2', 5_000, { types: ['ingest'] })).toBeUndefined();
        expect(await q.counts()).toMatchObject({ completed: 2, pending: 1, running: 0 });
        // Already completed by this lease: the completion is a no-op, the claim still happens.
        expect((await q.completeAndClaim(b!, 'w2', 5_000))?.job.uri).toBe('c.md');
      });

      it('completeAndClaim with a lost lease claims nothing', async () => {
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'));
        const a = await claim();
        clock.advance(LEASE);
        expect(await rejection(q.completeAndClaim(a, 'w1', LEASE))).toBeInstanceOf(LeaseLostError);
        expect(await q.counts()).toMatchObject({ running: 1, pending: 1 });
      });

      it('claimBatch leases up to max jobs in claim order, one per subject', async () => {
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'), { priority: 5 });
        await q.enqueue(doc('c.md'));
        await q.enqueue(doc('d.md', 'c1', { type: 'reembed' }));
        const runningA = await claim('w0'); // b.md (priority 5)
        expect(runningA.job.uri).toBe('b.md');
        await q.enqueue(doc('b.md', 'c2')); // newer content for b.md while its older job runs: not claimable yet
        const batch = await q.claimBatch('w1', 5_000, 10, { types: ['ingest'] });
        expect(batch.map((l) => l.job.uri)).toEqual(['a.md', 'c.md']);
        expect(batch.every((l) => l.worker === 'w1' && l.attempt === 1 && l.expiresAt === clock.now() + 5_000)).toBe(true);
        expect(new Set(batch.map((l) => l.token)).size).toBe(2);
        for (const l of batch) expect((await q.get(l.jobId))!.lease).toEqual({ worker: 'w1', expiresAt: clock.now() + 5_000 });
        expect(await q.claimBatch('w1', 5_000, 10, { types: ['ingest'] })).toEqual([]);
        await q.complete(runningA);
        // once b.md's older job is done its newer one is claimable, after d.md (enqueued earlier, same priority)
        expect((await q.claimBatch('w1', 5_000, 1)).map((l) => l.job.uri)).toEqual(['d.md']);
        expect((await q.claimBatch('w1', 5_000, 1)).map((l) => l.job.uri)).toEqual(['b.md']);
        for (const l of batch) await q.complete(l);
        expect(await q.counts()).toMatchObject({ completed: 3, running: 2, pending: 0 });
        expect(await rejection(q.claimBatch('w1', 5_000, 0))).toBeInstanceOf(InvalidInputError);
        expect(await rejection(q.claimBatch('w1', 5_000, 1.5))).toBeInstanceOf(InvalidInputError);
      });

      it('claimBatch takes one job per subject even when a subject has two ready', async () => {
        await q.enqueue(doc('a.md', 'c1', { type: 'ingest' }));
        await q.enqueue(doc('a.md', 'c1', { type: 'reembed' }), { force: true }); // same subject, another type; supersedes the first
        await q.enqueue(doc('b.md'));
        const batch = await q.claimBatch('w1', LEASE, 5);
        const subjects = batch.map((l) => l.job.uri);
        expect(new Set(subjects).size).toBe(subjects.length);
        expect(subjects.sort()).toEqual(['a.md', 'b.md']);
      });

      it('two handles claiming batches at once never get the same job', async () => {
        await q.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ job: doc(`p${i}.md`) })));
        const other = await open();
        try {
          const [x, y] = await Promise.all([q.claimBatch('w1', LEASE, 25), other.claimBatch('w2', LEASE, 25)]);
          const ids = [...x, ...y].map((l) => l.jobId);
          expect(ids.length).toBe(40);
          expect(new Set(ids).size).toBe(40);
        } finally {
          await other.close();
        }
      });

      it('completeAndClaimBatch completes each valid lease, reports the lost ones, and claims up to max', async () => {
        await q.enqueueMany(['a.md', 'b.md', 'c.md', 'd.md', 'e.md', 'f.md'].map((u) => ({ job: doc(u) })));
        const [a, b] = await q.claimBatch('w1', 1_000, 2);
        clock.advance(500);
        const [c] = await q.claimBatch('w1', LEASE, 1);
        await q.complete(c!); // settled by this lease already: counts as completed
        clock.advance(500); // a and b expired
        const [d] = await q.claimBatch('w1', LEASE, 1);
        const forged = { jobId: d!.jobId, token: 'forged' };
        const r = await q.completeAndClaimBatch([a!, c!, d!, forged, { jobId: '999999', token: 'x' }], 'w2', 5_000, 5);
        expect(r.completed.sort()).toEqual([c!.jobId, d!.jobId].sort());
        expect(r.lost.map((e) => [e.jobId, e.reason])).toEqual([
          [a!.jobId, 'expired'],
          [d!.jobId, 'lost'],
          ['999999', 'not-found'],
        ]);
        expect(r.lost.every((e) => e instanceof LeaseLostError)).toBe(true);
        // a and b are still running (expired, not yet reaped): e and f are what is ready
        expect(r.leases.map((l) => l.job.uri)).toEqual(['e.md', 'f.md']);
        expect(r.leases.every((l) => l.worker === 'w2')).toBe(true);
        expect((await q.get(a!.jobId))!.state).toBe('running');
        expect((await q.get(d!.jobId))!.history.map((h) => [h.worker, h.outcome])).toEqual([['w1', 'completed']]);
        expect(await q.counts()).toMatchObject({ completed: 2, running: 4, pending: 0 });
        void b;
      });

      it('completeAndClaimBatch can claim the newer job of a subject it just completed; max 0 claims nothing', async () => {
        await q.enqueue(doc('a.md', 'c1'));
        const old = await claim();
        await q.enqueue(doc('a.md', 'c2'));
        await q.enqueue(doc('b.md'));
        const none = await q.completeAndClaimBatch([], 'w1', LEASE, 0);
        expect(none).toEqual({ completed: [], lost: [], leases: [] });
        const r = await q.completeAndClaimBatch([old], 'w1', LEASE, 2);
        expect(r.completed).toEqual([old.jobId]);
        expect(r.leases.map((l) => [l.job.uri, l.job.checksum]).sort()).toEqual([
          ['a.md', 'c2'],
          ['b.md', 'c1'],
        ]);
        expect(await rejection(q.completeAndClaimBatch([], 'w1', LEASE, -1))).toBeInstanceOf(InvalidInputError);
      });

      it('release hands the job back without counting the attempt', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        await q.release(lease);
        expect(await q.get(lease.jobId)).toMatchObject({ state: 'pending', attempts: 0, lease: null, runAt: clock.now() });
        const again = await claim();
        expect(again.attempt).toBe(1);
        expect((await q.get(lease.jobId))!.history.map((h) => h.outcome)).toEqual(['released', null]);
      });

      it('release can delay the next claim', async () => {
        await q.enqueue(doc('a.md'));
        await q.release(await claim(), { delayMs: 1_000 });
        expect(await q.claim('w', LEASE)).toBeUndefined();
        clock.advance(1_000);
        expect(await q.claim('w', LEASE)).toBeDefined();
      });
    });

    describe('reaper', () => {
      it('puts an expired lease back to pending after backoff, the attempt counted', async () => {
        const { job } = await q.enqueue(doc('a.md'));
        await claim('w1');
        clock.advance(LEASE - 1);
        expect((await q.reap()).requeued).toEqual([]);
        clock.advance(1);
        expect(await q.reap()).toEqual({ requeued: [job.id], dead: [], superseded: [] });
        const delay = backoffDelay(1, {}, () => RANDOM);
        const stored = await q.get(job.id);
        expect(stored).toMatchObject({ state: 'pending', attempts: 1, lease: null, runAt: clock.now() + delay, lastError: { name: 'LeaseExpired', retryable: true } });
        expect(stored!.history[0]).toMatchObject({ worker: 'w1', outcome: 'expired', endedAt: clock.now() });
        expect(await q.claim('w2', LEASE)).toBeUndefined();
        clock.advance(delay);
        expect((await claim('w2')).attempt).toBe(2);
      });

      it('sends a job whose leases keep expiring to the DLQ after maxAttempts', async () => {
        q = await reopen({ maxAttempts: 2 });
        const { job } = await q.enqueue(doc('a.md'));
        await claim();
        clock.advance(LEASE);
        await q.reap();
        clock.advance(600_000);
        await claim();
        clock.advance(LEASE);
        expect(await q.reap()).toEqual({ requeued: [], dead: [job.id], superseded: [] });
        expect(await q.dlq.show(job.id)).toMatchObject({ state: 'dead', deadReason: 'max-attempts', attempts: 2, lastError: { name: 'LeaseExpired' } });
      });

      it('handles each expired lease once when several reapers run at once', async () => {
        const others = [await open(), await open()];
        try {
          const ids: string[] = [];
          for (let i = 0; i < 10; i++) ids.push((await q.enqueue(doc(`d${i}.md`))).job.id);
          for (let i = 0; i < 10; i++) await claim(`w${i}`);
          clock.advance(LEASE);
          const results = await Promise.all([q.reap(), others[0]!.reap(), others[1]!.reap(), q.reap()]);
          const requeued = results.flatMap((r) => r.requeued);
          expect(requeued.sort()).toEqual([...ids].sort());
          for (const id of ids) {
            const details = await q.get(id);
            expect(details).toMatchObject({ state: 'pending', attempts: 1 });
            expect(details!.history.filter((h) => h.outcome === 'expired')).toHaveLength(1);
          }
        } finally {
          for (const o of others) await o.close();
        }
      });
    });

    describe('retries and error classification', () => {
      it('retries a retryable failure after exponential backoff with jitter', async () => {
        const { job } = await q.enqueue(doc('a.md'));
        let lease = await claim();
        const r1 = await q.fail(lease, new Error('connection reset'));
        const d1 = backoffDelay(1, {}, () => RANDOM);
        expect(r1).toEqual({ state: 'pending', runAt: clock.now() + d1 });
        const b1 = backoffBounds(1);
        expect(d1).toBeGreaterThanOrEqual(b1.min);
        expect(d1).toBeLessThanOrEqual(b1.max);
        expect(await q.claim('w', LEASE)).toBeUndefined();
        clock.advance(d1);
        lease = await claim();
        expect(lease.attempt).toBe(2);
        const r2 = await q.fail(lease, new Error('connection reset'));
        expect(r2.runAt! - clock.now()).toBe(backoffDelay(2, {}, () => RANDOM));
        expect(r2.runAt! - clock.now()).toBeGreaterThan(d1);
        expect(await q.get(job.id)).toMatchObject({ state: 'pending', attempts: 2, lastError: { message: 'connection reset', retryable: true } });
      });

      it('uses the configured backoff policy and the given delay', async () => {
        q = await reopen({ backoff: { baseMs: 10, factor: 3, jitter: 'none' } });
        await q.enqueue(doc('a.md'));
        expect((await q.fail(await claim(), new Error('x'))).runAt).toBe(clock.now() + 10);
        clock.advance(10);
        expect((await q.fail(await claim(), new Error('x'))).runAt).toBe(clock.now() + 30);
        clock.advance(30);
        expect((await q.fail(await claim(), new Error('x'), { delayMs: 7 })).runAt).toBe(clock.now() + 7);
      });

      it('sends a permanent DocgraphError straight to the DLQ with its reason', async () => {
        const { job } = await q.enqueue(doc('a.md'));
        const result = await q.fail(await claim(), new ParseError('a.md', 'unclosed code fence'));
        expect(result).toEqual({ state: 'dead' });
        expect(await q.dlq.show(job.id)).toMatchObject({
          state: 'dead',
          deadReason: 'permanent-error',
          attempts: 1,
          finishedAt: clock.now(),
          lastError: { name: 'ParseError', code: 'PARSE_FAILED', message: 'unclosed code fence', retryable: false },
        });
      });

      it('retries a DocgraphError marked retryable, and honours an explicit flag either way', async () => {
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'));
        await q.enqueue(doc('c.md'));
        await q.enqueue(doc('d.md'));
        const transient = new DocgraphError('EMBEDDER_UNAVAILABLE', 'embedder timed out', { retryable: true });
        expect((await q.fail(await claim(), transient)).state).toBe('pending');
        expect((await q.fail(await claim(), new ParseError('b.md', 'bad'), { retryable: true })).state).toBe('pending');
        expect((await q.fail(await claim(), new Error('no such column'), { retryable: false })).state).toBe('dead');
        const own = Object.assign(new Error('quota exhausted'), { retryable: false });
        expect((await q.fail(await claim(), own)).state).toBe('dead');
      });

      it('records non-Error throwables', async () => {
        const { job } = await q.enqueue(doc('a.md'));
        await q.fail(await claim(), 'plain string', { retryable: false });
        expect((await q.get(job.id))!.lastError).toMatchObject({ message: 'plain string', retryable: false });
      });

      it('goes to the DLQ after maxAttempts with the whole attempt history', async () => {
        q = await reopen({ maxAttempts: 3 });
        const { job } = await q.enqueue(doc('a.md'));
        for (let i = 1; i <= 3; i++) {
          const result = await q.fail(await claim(`w${i}`), new Error(`failure ${i}`));
          expect(result.state).toBe(i < 3 ? 'pending' : 'dead');
          clock.advance(600_000);
        }
        const dead = await q.dlq.show(job.id);
        expect(dead).toMatchObject({ state: 'dead', deadReason: 'max-attempts', attempts: 3, lastError: { message: 'failure 3' } });
        expect(dead!.history.map((h) => [h.attempt, h.worker, h.outcome, h.error?.message])).toEqual([
          [1, 'w1', 'failed', 'failure 1'],
          [2, 'w2', 'failed', 'failure 2'],
          [3, 'w3', 'failed', 'failure 3'],
        ]);
        expect(dead!.history[2]!.error!.stack).toContain('failure 3');
      });

      it('lets a job override maxAttempts', async () => {
        const { job } = await q.enqueue(doc('a.md'), { maxAttempts: 1 });
        expect(job.maxAttempts).toBe(1);
        expect((await q.fail(await claim(), new Error('x'))).state).toBe('dead');
      });
    });

    describe('dead letter queue', () => {
      const kill = async (uri: string): Promise<string> => {
        const { job } = await q.enqueue(doc(uri));
        const lease = await q.claim('w', LEASE, {});
        if (lease?.jobId !== job.id) throw new Error('expected to claim ' + uri);
        await q.fail(lease, new ParseError(uri, `cannot parse ${uri}`));
        return job.id;
      };

      it('lists dead jobs newest first, with paging', async () => {
        const a = await kill('a.md');
        clock.advance(1_000);
        const b = await kill('b.md');
        clock.advance(1_000);
        const c = await kill('c.md');
        expect((await q.dlq.list()).map((j) => j.id)).toEqual([c, b, a]);
        expect((await q.dlq.list({ limit: 1, offset: 1 })).map((j) => j.id)).toEqual([b]);
        expect(await q.dlq.size()).toBe(3);
        expect((await q.dlq.list())[0]).toMatchObject({ state: 'dead', lastError: { message: 'cannot parse c.md' } });
      });

      it('retries one dead job with a fresh attempt budget', async () => {
        const a = await kill('a.md');
        await kill('b.md');
        clock.advance(5_000);
        expect(await q.dlq.retry(a)).toBe('requeued');
        expect(await q.get(a)).toMatchObject({ state: 'pending', attempts: 0, runAt: clock.now(), deadReason: null, finishedAt: null });
        const lease = await claim();
        expect(lease).toMatchObject({ jobId: a, attempt: 1 });
        await q.complete(lease);
        expect((await q.get(a))!.history.map((h) => h.outcome)).toEqual(['failed', 'completed']);
        expect(await q.dlq.retry(a)).toBe('not-found');
        expect(await q.dlq.retry('999999')).toBe('not-found');
        expect(await q.dlq.size()).toBe(1);
      });

      it('retries all dead jobs', async () => {
        await kill('a.md');
        await kill('b.md');
        expect(await q.dlq.retryAll()).toEqual({ requeued: 2, superseded: 0 });
        expect(await q.counts()).toMatchObject({ dead: 0, pending: 2 });
      });

      it('purges dead jobs older than a given age', async () => {
        await kill('a.md');
        clock.advance(10_000);
        const b = await kill('b.md');
        expect(await q.dlq.purge(5_000)).toBe(1);
        expect((await q.dlq.list()).map((j) => j.id)).toEqual([b]);
        expect(await q.dlq.purge(0)).toBe(1);
        expect(await q.dlq.size()).toBe(0);
      });

      it('drops dead jobs past the retention in maintenance, and counts them', async () => {
        q = await reopen({ dlqRetentionDays: 1 });
        await kill('a.md');
        clock.advance(12 * 3_600_000);
        const b = await kill('b.md');
        clock.advance(12 * 3_600_000);
        expect((await q.maintenance()).dlqDropped).toBe(1);
        expect((await q.dlq.list()).map((j) => j.id)).toEqual([b]);
        expect((await q.stats()).dlq).toEqual({ size: 1, droppedByRetention: 1, droppedBySize: 0 });
      });

      it('keeps at most dlqMaxSize dead jobs, dropping the oldest, and counts them', async () => {
        q = await reopen({ dlqMaxSize: 2 });
        const ids: string[] = [];
        for (const uri of ['a.md', 'b.md', 'c.md', 'd.md']) {
          ids.push(await kill(uri));
          clock.advance(1_000);
        }
        expect((await q.dlq.list()).map((j) => j.id)).toEqual([ids[3], ids[2]]);
        expect(await q.get(ids[0]!)).toBeUndefined();
        expect((await q.stats()).dlq).toEqual({ size: 2, droppedBySize: 2, droppedByRetention: 0 });
      });
    });

    describe('checkpoints', () => {
      it('lets a retried job resume after its last finished step', async () => {
        await q.enqueue(doc('a.md'));
        let lease = await claim();
        await q.checkpoint(lease, 'parse', { sections: 3 });
        clock.advance(10);
        await q.checkpoint(lease, 'extract');
        await q.fail(lease, new Error('embedder down'));
        clock.advance(600_000);
        lease = await claim();
        expect(lease.checkpoints.map((c) => [c.step, c.payload])).toEqual([
          ['parse', { sections: 3 }],
          ['extract', null],
        ]);
        // Recording a step again replaces it and makes it the latest.
        await q.checkpoint(lease, 'parse', { sections: 4 });
        clock.advance(LEASE);
        await q.reap();
        clock.advance(600_000);
        lease = await claim();
        expect(lease.checkpoints.map((c) => [c.step, c.payload])).toEqual([
          ['extract', null],
          ['parse', { sections: 4 }],
        ]);
      });

      it('expires checkpoints after the TTL', async () => {
        q = await reopen({ checkpointTtlMs: 60_000 });
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        await q.checkpoint(lease, 'parse');
        await q.release(lease);
        clock.advance(60_000);
        expect((await claim()).checkpoints).toEqual([]);
        expect((await q.maintenance()).checkpointsExpired).toBe(1);
      });

      it('drops the checkpoints when the job completes', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        await q.checkpoint(lease, 'parse');
        expect((await q.get(lease.jobId))!.checkpoints.map((c) => c.step)).toEqual(['parse']);
        await q.complete(lease);
        expect((await q.get(lease.jobId))!.checkpoints).toEqual([]);
      });

      it('refuses an oversize payload or a bad step name', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        expect(await rejection(q.checkpoint(lease, 'embed', 'x'.repeat(70_000)))).toBeInstanceOf(InvalidInputError);
        expect(await rejection(q.checkpoint(lease, ''))).toBeInstanceOf(InvalidInputError);
      });
    });

    describe('backpressure', () => {
      it('reports depth and counts by state', async () => {
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'));
        await q.enqueue(doc('c.md'));
        await q.complete(await claim());
        await claim();
        expect(await q.depth()).toBe(2);
        expect(await q.counts()).toEqual({ pending: 1, running: 1, completed: 1, dead: 0, superseded: 0 });
      });

      it('pauses at the high-water mark and resumes only at the low-water mark', async () => {
        q = await reopen({ maxSize: 10, highWater: 4, lowWater: 2 });
        const leases: Lease[] = [];
        for (let i = 0; i < 3; i++) await q.enqueue(doc(`d${i}.md`));
        expect(await q.shouldPause()).toBe(false);
        await q.enqueue(doc('d3.md'));
        expect(await q.shouldPause()).toBe(true);
        leases.push(await claim());
        await q.complete(leases[0]!);
        expect(await q.depth()).toBe(3);
        expect(await q.shouldPause()).toBe(true);
        await q.complete(await claim());
        expect(await q.shouldPause()).toBe(false);
        await q.enqueue(doc('d4.md'));
        expect(await q.backpressure()).toEqual({ paused: false, depth: 3, highWater: 4, lowWater: 2, maxSize: 10 });
      });

      it('defaults the marks to 80% and 60% of maxSize', async () => {
        q = await reopen({ maxSize: 100 });
        expect(await q.backpressure()).toMatchObject({ highWater: 80, lowWater: 60, maxSize: 100 });
      });

      it('refuses enqueue past maxSize with a retryable QueueFullError, yet still deduplicates and replaces', async () => {
        q = await reopen({ maxSize: 2, highWater: 2, lowWater: 1 });
        await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'));
        const e = await rejection(q.enqueue(doc('c.md')));
        expect(e).toBeInstanceOf(QueueFullError);
        expect(e).toMatchObject({ code: 'QUEUE_FULL', retryable: true, depth: 2, maxSize: 2 });
        expect((await q.enqueue(doc('a.md'))).outcome).toBe('deduplicated');
        expect((await q.enqueue(doc('a.md', 'c2'))).outcome).toBe('created');
        expect(await q.depth()).toBe(2);
      });
    });

    describe('operations', () => {
      it('reports counts, ready and delayed, oldest pending age, stale leases and workers seen', async () => {
        await q.enqueue(doc('a.md'));
        clock.advance(1_000);
        await q.enqueue(doc('b.md'));
        await q.enqueue(doc('c.md'), { runAt: clock.now() + 60_000 });
        await q.enqueue(doc('d.md'));
        await q.enqueue(doc('e.md'));
        const la = await claim('alpha');
        clock.advance(1_000);
        const lb = await claim('beta');
        clock.advance(LEASE - 500);
        await q.heartbeat(lb);
        clock.advance(500);
        const stats = await q.stats();
        expect(stats.counts).toEqual({ pending: 3, running: 2, completed: 0, dead: 0, superseded: 0 });
        expect(stats.ready).toBe(2);
        expect(stats.delayed).toBe(1);
        expect(stats.oldestPendingAgeMs).toBe(LEASE + 1_000);
        expect(stats.staleLeases).toBe(1);
        expect(stats.workers).toEqual([
          { worker: 'alpha', lastSeenAt: la.expiresAt - LEASE, running: 1 },
          { worker: 'beta', lastSeenAt: clock.now() - 500, running: 1 },
        ]);
        expect(stats.backpressure.depth).toBe(5);
        expect((await q.reap()).requeued).toEqual([la.jobId]);
        expect((await q.stats()).staleLeases).toBe(0);
      });

      it('has no oldest pending age when nothing is pending', async () => {
        expect((await q.stats()).oldestPendingAgeMs).toBeNull();
      });

      it('removes finished jobs and idle workers after their retention', async () => {
        q = await reopen({ finishedRetentionMs: 60_000, workerRetentionMs: 120_000 });
        const { job } = await q.enqueue(doc('a.md', 'v1'));
        await q.enqueue(doc('a.md', 'v2'));
        await q.complete(await claim('w1'));
        clock.advance(60_000);
        const result = await q.maintenance();
        expect(result.jobsRemoved).toBe(2);
        expect(await q.get(job.id)).toBeUndefined();
        expect(await q.counts()).toMatchObject({ completed: 0, superseded: 0 });
        clock.advance(60_000);
        expect((await q.maintenance()).workersForgotten).toBe(1);
        expect((await q.stats()).workers).toEqual([]);
      });

      it.skipIf(!capabilities.durable)('keeps its state across close and reopen', async () => {
        const { job } = await q.enqueue(doc('a.md'));
        await q.enqueue(doc('b.md'), { runAt: clock.now() + 1_000 });
        const lease = await claim();
        await q.checkpoint(lease, 'parse', { ok: true });
        await q.close();
        await q.close();
        q = await open();
        expect(await q.get(job.id)).toMatchObject({ state: 'running', lease: { worker: 'w1' } });
        expect(await q.counts()).toMatchObject({ running: 1, pending: 1 });
        await q.complete(lease);
        clock.advance(1_000);
        expect((await claim()).job.uri).toBe('b.md');
      });
    });
    describe('operator views', () => {
      it('list: newest first, by state or by ids, bounded', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await q.enqueue(doc(`d${i}.md`))).job.id);
        await claim();
        expect((await q.list()).map((j) => j.id)).toEqual([...ids].reverse());
        expect((await q.list({ states: ['running'] })).map((j) => j.uri)).toEqual(['d0.md']);
        expect((await q.list({ states: ['pending'], limit: 2 })).map((j) => j.uri)).toEqual(['d4.md', 'd3.md']);
        expect((await q.list({ states: ['pending'], limit: 2, offset: 2 })).map((j) => j.uri)).toEqual(['d2.md', 'd1.md']);
        expect((await q.list({ ids: [ids[1]!, ids[3]!, 'nope', '999'] })).map((j) => j.uri)).toEqual(['d3.md', 'd1.md']);
        expect(await q.list({ ids: ['nope'] })).toEqual([]);
        expect(await rejection(q.list({ states: ['lost' as never] }))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/unknown job state "lost"/) });
      });

      it('expireStale: finds expired leases and leases held too long; with apply, requeues or dead-letters them per their attempts', async () => {
        await reopen({ maxAttempts: 2, backoff: { baseMs: 10, jitter: 'none' } });
        await q.enqueue(doc('hung.md'));
        await q.enqueue(doc('dead-worker.md'));
        await q.enqueue(doc('fresh.md'));
        const hung = await claim('w1');
        const died = (await q.claim('w2', 1_000))!;
        clock.advance(5_000); // w2's lease has expired; w1's is valid but old
        await q.heartbeat(hung);
        const fresh = await claim('w3');

        expect((await q.expireStale(60_000, false)).stale.map((j) => j.uri)).toEqual(['dead-worker.md']);
        const look = await q.expireStale(4_000, false);
        expect(look.stale.map((j) => j.uri)).toEqual(['hung.md', 'dead-worker.md']);
        expect(look.reaped).toBeUndefined();
        expect((await q.counts()).running).toBe(3); // looking changes nothing

        const { reaped } = await q.expireStale(4_000, true);
        expect(reaped).toEqual({ requeued: [hung.jobId, died.jobId], dead: [], superseded: [] });
        expect(await rejection(q.heartbeat(hung))).toBeInstanceOf(LeaseLostError); // the hung holder is told to stop
        await q.heartbeat(fresh); // untouched

        // the next time they are stale, their second attempt is used up: to the DLQ
        clock.advance(100);
        const again = [await claim('w1'), await claim('w1')];
        clock.advance(10_000);
        expect((await q.expireStale(5_000, true)).reaped!.dead.sort()).toEqual(again.map((l) => l.jobId).sort());
        expect((await q.dlq.list()).map((j) => j.deadReason)).toEqual(['max-attempts', 'max-attempts']);
      });
    });

    describe('commitJob', () => {
      it('completes the job; the same lease cannot commit twice', async () => {
        const { job } = await q.enqueue(doc('a.md'));
        const lease = await claim();
        expect(await q.commitJob(lease, { kind: 'none' })).toEqual({ state: 'completed', changed: false });
        expect(await q.get(job.id)).toMatchObject({ state: 'completed', lease: null });
        expect(await rejection(q.commitJob(lease, { kind: 'none' }))).toBeInstanceOf(LeaseLostError);
        await q.complete(lease); // the worker loop's own complete afterwards is a no-op
        expect((await q.get(job.id))!.history.map((h) => h.outcome)).toEqual(['completed']);
      });

      it('finishes a superseded job as superseded, and refuses a lost lease', async () => {
        await q.enqueue(doc('a.md', 'v1'));
        const old = await claim();
        await q.enqueue(doc('a.md', 'v2'));
        expect(await q.commitJob(old, { kind: 'none' })).toEqual({ state: 'superseded' });
        expect((await q.get(old.jobId))!.state).toBe('superseded');
        const next = await claim();
        clock.advance(LEASE);
        expect(await rejection(q.commitJob(next, { kind: 'none' }))).toBeInstanceOf(LeaseLostError);
        expect((await q.get(next.jobId))!.state).toBe('running');
      });

      it.skipIf(capabilities.index)('without an index, refuses a change it cannot apply and leaves the job running', async () => {
        await q.enqueue(doc('a.md'));
        const lease = await claim();
        const w = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'a' }] });
        expect(await rejection(q.commitJob(lease, { kind: 'write', write: w, embedderId: 'e' }))).toMatchObject({ code: 'INTERNAL' });
        expect((await q.get(lease.jobId))!.state).toBe('running');
      });

      describe.skipIf(!capabilities.index)('with the index: the change and the completion are one atomic step', () => {
        const EMBEDDER = { id: 'test:v1', provider: 'test', model: 'fixed-4d', dimensions: 4 };
        let store: Store;
        const write = documentWrite({ uri: 'a.md', sections: [{ heading: 'Alpha', text: 'alpha text', vector: [1, 0, 0, 0] }] });
        beforeEach(async () => {
          store = await harness.index!();
          await store.upsertSource({ id: write.document.sourceId, kind: 'fs', location: '/docs/a', createdAt: '2025-01-01T00:00:00.000Z' });
          await store.setEmbedder(EMBEDDER);
        });

        it('writes the document and completes the job together; a delete says whether the document was there', async () => {
          await q.enqueue(doc('a.md'));
          const lease = await claim();
          expect(await q.commitJob(lease, { kind: 'write', write, embedderId: EMBEDDER.id })).toEqual({ state: 'completed', changed: true });
          expect(await store.getDocument(write.document.id)).toEqual(write.document);
          expect((await q.get(lease.jobId))!.state).toBe('completed');
          await q.enqueue(doc('a.md', 'deleted'));
          expect(await q.commitJob(await claim(), { kind: 'delete', docId: write.document.id })).toEqual({ state: 'completed', changed: true });
          expect(await store.getDocument(write.document.id)).toBeUndefined();
          await q.enqueue(doc('a.md', 'deleted'), { force: true });
          expect(await q.commitJob(await claim(), { kind: 'delete', docId: write.document.id })).toEqual({ state: 'completed', changed: false });
        });

        it('commits neither when the change is refused (vectors of an embedder the index left), and keeps the lease', async () => {
          await q.enqueue(doc('a.md'));
          const lease = await claim();
          const err = await rejection(q.commitJob(lease, { kind: 'write', write, embedderId: 'other:v9' }));
          expect(err).toMatchObject({ code: 'EMBEDDER_MISMATCH', retryable: true });
          expect(await store.getDocument(write.document.id)).toBeUndefined();
          expect((await q.get(lease.jobId))!.state).toBe('running');
          expect((await q.fail(lease, err)).state).toBe('pending');
        });

        it('rolls back a write that fails part-way with the completion: the previous version stays whole, the lease stays', async () => {
          await q.enqueue(doc('a.md', 'v1'));
          expect(await q.commitJob(await claim(), { kind: 'write', write, embedderId: EMBEDDER.id })).toMatchObject({ state: 'completed' });
          const before = {
            document: await store.getDocument(write.document.id),
            sections: await store.getDocumentSections(write.document.id),
            vectors: await store.getSectionVectors(write.document.id),
            relinks: await store.pendingRelinks(),
            stats: await store.stats(),
          };
          // v2 replaces v1's content, then its last section repeats the first one's id: the document row,
          // the removal of v1's sections and v2's first section are written before the write fails
          const v2 = documentWrite({ uri: 'a.md', title: 'Version two', sections: [{ heading: 'Beta', text: 'beta text', vector: [0, 1, 0, 0] }] });
          const broken = { ...v2, sections: [...v2.sections, v2.sections[0]!] };
          await q.enqueue(doc('a.md', 'v2'));
          const lease = await claim();
          expect(await rejection(q.commitJob(lease, { kind: 'write', write: broken, embedderId: EMBEDDER.id }))).toBeInstanceOf(Error);
          expect(await store.getDocument(write.document.id)).toEqual(before.document);
          expect(await store.getDocumentSections(write.document.id)).toEqual(before.sections);
          expect(await store.getSectionVectors(write.document.id)).toEqual(before.vectors);
          expect(await store.pendingRelinks()).toEqual(before.relinks);
          expect((await store.lexicalSearch(['beta'], 5)).map((h) => h.sectionId)).toEqual([]);
          expect((await store.lexicalSearch(['alpha'], 5)).map((h) => h.sectionId)).toEqual(before.sections.map((s) => s.id));
          expect({ ...(await store.stats()), bytes: 0 }).toEqual({ ...before.stats, bytes: 0 });
          expect((await q.get(lease.jobId))!.state).toBe('running');
          // the same lease then commits the good write
          expect(await q.commitJob(lease, { kind: 'write', write: v2, embedderId: EMBEDDER.id })).toEqual({ state: 'completed', changed: true });
          expect((await store.getDocument(write.document.id))!.title).toBe('Version two');
        });

        it('writes nothing for a lost lease (a worker that hung past it) or a superseded job', async () => {
          await q.enqueue(doc('a.md', 'v1'));
          const zombie = await claim();
          clock.advance(LEASE);
          expect(await rejection(q.commitJob(zombie, { kind: 'write', write, embedderId: EMBEDDER.id }))).toBeInstanceOf(LeaseLostError);
          await q.reap();
          clock.advance(600_000);
          const old = await claim();
          await q.enqueue(doc('a.md', 'v2'));
          expect(await q.commitJob(old, { kind: 'write', write, embedderId: EMBEDDER.id })).toEqual({ state: 'superseded' });
          expect(await store.getDocument(write.document.id)).toBeUndefined();
          expect((await store.stats()).documents).toBe(0);
        });
      });
    });
  });
}
