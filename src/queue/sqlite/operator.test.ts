// The SQLite queue's operator methods (`docgraph jobs list` and `jobs clean`).
import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../errors.js';
import { ManualClock } from '../queue.contract.js';
import { SqliteJobQueue } from './sqlite-queue.js';

const job = (uri: string, checksum = 'c1') => ({ type: 'ingest', sourceId: 'src', uri, checksum });
const LEASE = 30_000;

describe('SqliteJobQueue operator methods', () => {
  it('list: newest first, by state or by ids, bounded', async () => {
    const q = SqliteJobQueue.open({ path: ':memory:', clock: new ManualClock() });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await q.enqueue(job(`d${i}.md`))).job.id);
    await q.claim('w1', LEASE);
    expect(q.list().map((j) => j.id)).toEqual([...ids].reverse());
    expect(q.list({ states: ['running'] }).map((j) => j.uri)).toEqual(['d0.md']);
    expect(q.list({ states: ['pending'], limit: 2 }).map((j) => j.uri)).toEqual(['d4.md', 'd3.md']);
    expect(q.list({ ids: [ids[1]!, ids[3]!, 'nope', '999'] }).map((j) => j.uri)).toEqual(['d3.md', 'd1.md']);
    expect(q.list({ ids: ['nope'] })).toEqual([]);
    expect(() => q.list({ states: ['lost' as never] })).toThrow(/unknown job state "lost"/);
    await q.close();
  });

  it('expireStale: finds expired leases and leases held too long; with apply, requeues or dead-letters them per their attempts', async () => {
    const clock = new ManualClock();
    const q = SqliteJobQueue.open({ path: ':memory:', clock, maxAttempts: 2, backoff: { baseMs: 10, jitter: 'none' } });
    await q.enqueue(job('hung.md'));
    await q.enqueue(job('dead-worker.md'));
    await q.enqueue(job('fresh.md'));
    const hung = (await q.claim('w1', LEASE))!;
    const died = (await q.claim('w2', 1_000))!;
    clock.advance(5_000); // w2's lease has expired; w1's is valid but old
    await q.heartbeat(hung);
    const fresh = (await q.claim('w3', LEASE))!;

    expect(q.expireStale(60_000, false).stale.map((j) => j.uri)).toEqual(['dead-worker.md']);
    const look = q.expireStale(4_000, false);
    expect(look.stale.map((j) => j.uri)).toEqual(['hung.md', 'dead-worker.md']);
    expect(look.reaped).toBeUndefined();
    expect((await q.counts()).running).toBe(3); // looking changes nothing

    const { reaped } = q.expireStale(4_000, true);
    expect(reaped).toEqual({ requeued: [hung.jobId, died.jobId], dead: [], superseded: [] });
    await expect(q.heartbeat(hung)).rejects.toBeInstanceOf(LeaseLostError); // the hung holder is told to stop
    await q.heartbeat(fresh); // untouched

    // the next time they are stale, their second attempt is used up: to the DLQ
    clock.advance(100);
    const again = [(await q.claim('w1', LEASE))!, (await q.claim('w1', LEASE))!];
    clock.advance(10_000);
    expect(q.expireStale(5_000, true).reaped!.dead.sort()).toEqual(again.map((l) => l.jobId).sort());
    expect((await q.dlq.list()).map((j) => j.deadReason)).toEqual(['max-attempts', 'max-attempts']);
    await q.close();
  });
});
