import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ServerBusyError, WorkLimiter, type Release } from './work-limiter.js';

const limiter = (maxConcurrent: number, maxQueue: number, queueDeadlineMs = 60_000): WorkLimiter => new WorkLimiter({ maxConcurrent, maxQueue, queueDeadlineMs });

async function busyReason(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ServerBusyError);
  const busy = e as ServerBusyError;
  expect(busy).toMatchObject({ code: 'SERVER_BUSY', retryable: true });
  expect(busy.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  return busy.reason;
}

describe('WorkLimiter', () => {
  it('hands out maxConcurrent slots, queues maxQueue more in order, and sheds the rest at once', async () => {
    const l = limiter(2, 2);
    const a = await l.acquire();
    const b = await l.acquire();
    const order: string[] = [];
    const c = l.acquire().then((r) => (order.push('c'), r));
    const d = l.acquire().then((r) => (order.push('d'), r));
    expect(await busyReason(l.acquire())).toBe('queue_full');
    expect(l.stats()).toMatchObject({ running: 2, queued: 2, shed_queue_full_total: 1, admitted_total: 2, queued_total: 2 });
    a();
    a(); // idempotent: gives back one slot only
    const rc = await c;
    expect(order).toEqual(['c']);
    b();
    const rd = await d;
    expect(order).toEqual(['c', 'd']);
    rc();
    rd();
    await sleep(0);
    expect(l.stats()).toMatchObject({ running: 0, queued: 0, admitted_total: 4 });
  });

  it('takes a waiter out of the queue with a deadline error when its wait runs out', async () => {
    const l = limiter(1, 10, 20);
    const hold = await l.acquire();
    const waiting = l.acquire();
    expect(await busyReason(waiting)).toBe('deadline');
    expect(l.stats()).toMatchObject({ queued: 0, running: 1, shed_deadline_total: 1 });
    hold();
    const next = await l.acquire(); // the slot is free again, and the shed waiter never took it
    next();
  });

  it('under a standing queue sheds waiters after a short wait, and gives the whole deadline again once the queue drains', async () => {
    const l = limiter(1, 20, 60_000);
    const hold = await l.acquire();
    const [first, ...rest] = Array.from({ length: 13 }, () => l.acquire());
    await sleep(150); // longer than the overload window and its longest wait
    hold();
    // the window so far had a request that did not wait (the first one): no standing queue yet
    const served = await first!;
    expect(l.stats().overloaded).toBe(false);
    await sleep(120);
    served();
    // a whole window in which nobody got a slot quickly: the waiters past the short wait are shed, oldest first,
    // until those left would be served within the target (one or two at a hold of ~20-40 ms); those are served
    const outcomes = await Promise.all(rest.map((w) => w.then((r) => (r(), 'served'), (e: unknown) => (e instanceof ServerBusyError ? e.reason : 'other'))));
    const shed = outcomes.filter((o) => o === 'deadline').length;
    expect(outcomes.filter((o) => o !== 'deadline' && o !== 'served')).toEqual([]);
    expect(shed).toBeGreaterThanOrEqual(rest.length - 2);
    expect(shed).toBeLessThan(rest.length);
    expect(outcomes.slice(0, shed).every((o) => o === 'deadline')).toBe(true);
    expect(l.stats()).toMatchObject({ overloaded: true, queued: 0, shed_deadline_total: shed });
    await sleep(150);
    const quiet = await l.acquire(); // a request that found a free slot ends the overload window
    expect(l.stats().overloaded).toBe(false);
    const late = l.acquire();
    quiet();
    (await late)(); // served, although it waited: the queue had drained
  });

  it('under a standing queue serves a waiter past the short wait when the queue behind it is short', async () => {
    const l = limiter(1, 20, 60_000);
    const hold = await l.acquire();
    const first = l.acquire();
    const second = l.acquire();
    await sleep(150);
    hold();
    const served = await first;
    await sleep(120);
    served();
    // the second waited ~270 ms in a window with no quick grant (overloaded), but nobody waits behind it:
    // shedding it would only have lost it (it was shed before)
    const r = await second;
    expect(l.stats()).toMatchObject({ overloaded: true, shed_deadline_total: 0, admitted_total: 3 });
    r();
  });

  it('sheds waiters and refuses new requests once closed', async () => {
    const l = limiter(1, 10);
    const hold: Release = await l.acquire();
    const waiting = l.acquire();
    l.close();
    expect(await busyReason(waiting)).toBe('closed');
    expect(await busyReason(l.acquire())).toBe('closed');
    hold();
  });

  it('run() gives the slot back when the work throws', async () => {
    const l = limiter(1, 0);
    await expect(l.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await sleep(0);
    expect(await l.run(() => Promise.resolve(42))).toBe(42);
  });
});
