import PQueue from 'p-queue';
import type { ServerLimits } from '../config/config.js';
import { DocgraphError } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';

/** Why a request was shed: the queue was full, it waited past its deadline, or the server is stopping. */
export type ShedReason = 'queue_full' | 'deadline' | 'closed';

/** Answered with HTTP 503 and Retry-After: the server is at capacity (or stopping); retry later. */
export class ServerBusyError extends DocgraphError {
  readonly reason: ShedReason;
  /** Whole seconds after which a retry is likely to be served (the Retry-After header). */
  readonly retryAfterSeconds: number;
  constructor(reason: ShedReason, retryAfterSeconds: number) {
    const what = {
      queue_full: 'too many requests are waiting',
      deadline: 'the request waited in the queue past its deadline',
      closed: 'the server is shutting down',
    }[reason];
    super('SERVER_BUSY', `server busy: ${what}`, { retryable: true, hint: `retry after ${retryAfterSeconds} s` });
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Gives a slot back. Idempotent. */
export type Release = () => void;

/** Counters of a WorkLimiter, as /health shows them (snake_case). */
export interface WorkLimiterStats {
  max_concurrent: number;
  max_queue: number;
  queue_deadline_ms: number;
  /** Requests holding a slot now. */
  running: number;
  /** Requests waiting for a slot now. */
  queued: number;
  /** Requests that got a slot since start. */
  admitted_total: number;
  /** Of those, the ones that had to wait in the queue first. */
  queued_total: number;
  shed_queue_full_total: number;
  shed_deadline_total: number;
  /** Slots given back by the hold timeout rather than by the request finishing (a request that hung). */
  hold_timeouts_total: number;
  /** True while the queue has not drained for a while: waiters are then shed after a short wait (see WorkLimiter). */
  overloaded: boolean;
  /** 100 ms windows found overloaded since start. */
  overload_windows_total: number;
}

export interface WorkLimiterOptions extends ServerLimits {
  /** A slot not given back after this long is taken back (and logged), so a hung request cannot hold it forever. Default 120 s. */
  maxHoldMs?: number;
  log?: Logger;
}

/**
 * A bounded FIFO queue with a deadline in front of the work `docgraph serve`
 * does for its clients. `acquire()` gives a slot at once while fewer than
 * maxConcurrent are taken, else waits in line; it fails with ServerBusyError
 * when maxQueue requests already wait (at once) or when the wait reaches
 * queueDeadlineMs (then, not later: the waiter leaves the queue). The
 * queue is p-queue's; a waiter's deadline is its abort signal, which removes it.
 *
 * Standing queues (CoDel, as in Nichols and Jacobson's "Controlling Queue
 * Delay"): a FIFO queue under sustained overload fills up and stays full, so
 * every request served has waited nearly the whole deadline. So when no
 * request in the last OVERLOAD_INTERVAL_MS waited less than OVERLOAD_TARGET_MS
 * (the queue never drained), the limiter is overloaded and a waiter that
 * reaches the head after more than OVERLOAD_MAX_WAIT_MS is shed ('deadline')
 * instead of served: the excess gets its 503 sooner, and those served wait
 * little. A burst after a quiet spell still gets the whole queueDeadlineMs.
 * Only a queue that is long, though, is shed that way: while the waiters
 * left would all be served within OVERLOAD_TARGET_MS (their number times the
 * mean hold, over the slots), none is shed before queueDeadlineMs. A short
 * queue on a slow turn (a collection, a busy machine) used to lose the
 * request at its head just as a slot came free for it, though those behind
 * it would all have been served within the target.
 *
 * Slots are handed out one per turn of the event loop, each after the loop
 * has polled for I/O, never in the turn a slot came free or was asked for.
 * Search is mostly synchronous CPU work: without that, a request read from a
 * socket would run to its end before the loop read the next one, so the
 * backlog would pile up unseen in the sockets (no queue here to bound or
 * shed), and /health would wait behind it; and several slots freed in one
 * turn would start several searches back to back. With it, every turn reads
 * the requests that arrived (queueing or shedding them), answers /health and
 * takes on a new connection between two pieces of work.
 */
/** How long a window the overload test looks at, ms. */
const OVERLOAD_INTERVAL_MS = 100;
/** Overloaded when the shortest wait in the last window was longer than this, ms. */
const OVERLOAD_TARGET_MS = 50;
/** Longest wait while overloaded, ms (never more than queueDeadlineMs). */
const OVERLOAD_MAX_WAIT_MS = 100;
/** Most turns in a row a grant waits while each turn accepts a new connection. */
const ACCEPT_TURNS = 8;

export class WorkLimiter {
  private readonly queue: PQueue;
  private readonly limits: ServerLimits;
  private readonly maxHoldMs: number;
  /** Waiters in arrival order, with the time each arrived (performance.now()). */
  private readonly waiting = new Map<AbortController, number>();
  /** Slots to hand out, one per loop turn (see the class comment). */
  private readonly grants: (() => void)[] = [];
  private granting = false;
  /** Connections accepted since start (noteConnection), and as many as the last turn that granted or waited saw. */
  private connections = 0;
  private connectionsSeen = 0;
  private readonly log: Logger | undefined;
  private closed = false;
  /** Mean time a slot is held, ms (moving average), for Retry-After. */
  private holdMs = 20;
  private readonly counts = { admitted: 0, queued: 0, shedFull: 0, shedDeadline: 0, holdTimeouts: 0, overloadIntervals: 0 };
  /** The overload test (see the class comment): the current window's start and shortest wait, and the verdict of the last window. */
  private windowStart = performance.now();
  private windowMinWait = Infinity;
  private overloaded = false;

  constructor(options: WorkLimiterOptions) {
    this.limits = { maxConcurrent: options.maxConcurrent, maxQueue: options.maxQueue, queueDeadlineMs: options.queueDeadlineMs };
    this.maxHoldMs = options.maxHoldMs ?? 120_000;
    this.log = options.log;
    this.queue = new PQueue({ concurrency: options.maxConcurrent });
  }

  /**
   * Waits for a slot; call the returned Release when the work is done.
   * Throws ServerBusyError (`queue_full`, `deadline` or `closed`).
   */
  acquire(): Promise<Release> {
    if (this.closed) return Promise.reject(new ServerBusyError('closed', 5));
    const { maxConcurrent, maxQueue, queueDeadlineMs } = this.limits;
    const busy = this.queue.pending >= maxConcurrent;
    if (busy && this.queue.size >= maxQueue) {
      this.counts.shedFull++;
      return Promise.reject(new ServerBusyError('queue_full', this.retryAfter()));
    }
    if (busy) this.counts.queued++;
    const ac = new AbortController();
    const queuedAt = performance.now();
    const deadline = setTimeout(() => ac.abort(), queueDeadlineMs);
    this.waiting.set(ac, queuedAt);
    return new Promise<Release>((resolve, reject) => {
      this.queue
        .add(
          // the task is the slot: it starts when one is free and ends when the holder releases it
          () =>
            new Promise<void>((done) => {
              clearTimeout(deadline);
              this.waiting.delete(ac);
              this.grantOnNextTurn(() => {
                const waited = performance.now() - queuedAt;
                // the deadline timer may not have had its turn when the slot came free
                const limit = this.maxWait(waited); // every grant feeds the overload test, queued or not
                if (busy && (waited >= this.limits.queueDeadlineMs || (waited >= limit && this.standing(this.waiting.size)))) {
                  this.counts.shedDeadline++;
                  reject(new ServerBusyError('deadline', this.retryAfter()));
                  done();
                } else resolve(this.holder(done));
              });
            }),
          { signal: ac.signal },
        )
        .catch((e: unknown) => {
          clearTimeout(deadline);
          this.waiting.delete(ac);
          // the signal is ours and aborts only on the deadline or close(); anything else is a bug worth its stack
          if (!ac.signal.aborted) reject(e instanceof Error ? e : new Error(String(e)));
          else if (this.closed) reject(new ServerBusyError('closed', 5));
          else {
            this.counts.shedDeadline++;
            reject(new ServerBusyError('deadline', this.retryAfter()));
          }
        });
    });
  }

  /** Runs `work` in a slot (see acquire). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  stats(): WorkLimiterStats {
    return {
      max_concurrent: this.limits.maxConcurrent,
      max_queue: this.limits.maxQueue,
      queue_deadline_ms: this.limits.queueDeadlineMs,
      running: this.queue.pending,
      queued: this.queue.size,
      admitted_total: this.counts.admitted,
      queued_total: this.counts.queued,
      shed_queue_full_total: this.counts.shedFull,
      shed_deadline_total: this.counts.shedDeadline,
      hold_timeouts_total: this.counts.holdTimeouts,
      overloaded: this.overloaded,
      overload_windows_total: this.counts.overloadIntervals,
    };
  }

  /** Refuses new requests and sheds the waiting ones ('closed'); slots in use stay until released. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ac of this.waiting.keys()) ac.abort();
    this.waiting.clear();
  }

  /**
   * The longest a waiter may have waited when it reaches the head of the
   * queue: queueDeadlineMs, or OVERLOAD_MAX_WAIT_MS while overloaded. Feeds
   * `waited` to the overload test first.
   */
  private maxWait(waited: number): number {
    const now = performance.now();
    this.windowMinWait = Math.min(this.windowMinWait, waited);
    if (now - this.windowStart >= OVERLOAD_INTERVAL_MS) {
      this.overloaded = this.windowMinWait > OVERLOAD_TARGET_MS;
      if (this.overloaded) this.counts.overloadIntervals++;
      this.windowStart = now;
      this.windowMinWait = Infinity;
    }
    if (!this.overloaded) return this.limits.queueDeadlineMs;
    const limit = Math.min(this.limits.queueDeadlineMs, OVERLOAD_MAX_WAIT_MS);
    // shed the waiters already past it now, in one go, rather than one per turn as each reaches the head,
    // oldest first and only while the queue behind them is a standing one
    let left = this.waiting.size;
    for (const [ac, queuedAt] of this.waiting) {
      if (now - queuedAt < limit || !this.standing(left)) break;
      ac.abort();
      left--;
    }
    return limit;
  }

  /** True when `waiters` would not all be served within OVERLOAD_TARGET_MS at the mean hold time: a standing queue, not a short one on a slow turn. */
  private standing(waiters: number): boolean {
    return (waiters * this.holdMs) / this.limits.maxConcurrent > OVERLOAD_TARGET_MS;
  }

  /**
   * A new connection was accepted (the HTTP server calls this on every
   * 'connection'). Node accepts one pending connection per turn of the event
   * loop, and a turn that runs a search lasts as long as the search, so
   * while connections keep coming grants wait a few turns for them (see
   * grantOnNextTurn).
   */
  noteConnection(): void {
    this.connections++;
  }

  /**
   * Runs `grant` on a later turn of the loop, after those asked for before
   * it, one per turn. A turn in which a connection was accepted is followed
   * by another without a grant, up to ACCEPT_TURNS in a row: with one search
   * per turn Node took on ~40 connections a second, a client needing more
   * overflowed the listen backlog, and its dropped SYNs came back after 1, 3,
   * 7, 15 s of TCP backoff: requests the server never saw in time, answered
   * 503 up to 20 s after they were sent (docs/benchmarks.md, "Load and
   * shedding"). A turn without work costs well under a millisecond.
   */
  private grantOnNextTurn(grant: () => void): void {
    this.grants.push(grant);
    if (this.granting) return;
    this.granting = true;
    let waited = 0;
    const next = (): void => {
      const accepted = this.connections !== this.connectionsSeen;
      this.connectionsSeen = this.connections;
      if (accepted && waited < ACCEPT_TURNS) {
        waited++;
        setImmediate(next);
        return;
      }
      waited = 0;
      this.grants.shift()?.();
      if (this.grants.length > 0) setImmediate(next);
      else this.granting = false;
    };
    setImmediate(next);
  }

  /** The slot's release function, armed with the hold timeout. */
  private holder(done: () => void): Release {
    this.counts.admitted++;
    const started = performance.now();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(hold);
      this.holdMs += (performance.now() - started - this.holdMs) / 16;
      done();
    };
    const hold = setTimeout(() => {
      this.counts.holdTimeouts++;
      this.log?.warn({ held_ms: this.maxHoldMs }, 'a request held its work slot past the hold timeout; slot taken back');
      release();
    }, this.maxHoldMs);
    hold.unref();
    return release;
  }

  /** Seconds until the queue ahead has likely drained: 1–60. */
  private retryAfter(): number {
    const aheadMs = ((this.queue.size + this.queue.pending) * this.holdMs) / this.limits.maxConcurrent;
    return Math.min(60, Math.max(1, Math.ceil(aheadMs / 1000)));
  }
}
