/**
 * The worker loop: claims jobs from any JobQueue, runs a handler with a
 * heartbeat, settles each job, reaps expired leases, and stops gracefully.
 *
 * Graceful stop (the `signal` aborts, e.g. on SIGTERM): no new claims; jobs in
 * flight get `graceMs` to finish; any still running then are released (back
 * to pending, the attempt not counted) and their handlers' `ctx.signal`
 * aborts. `runWorker` resolves once nothing is leased by this worker, so the
 * process can exit 0. A SIGKILL loses nothing either: the lease expires and
 * another worker's reaper puts the job back.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DocgraphError } from '../domain/errors.js';
import { LeaseLostError } from './errors.js';
import { MAX_CLAIM_BATCH } from './job-row.js';
import type { Checkpoint, Job, JobQueue, Lease } from './queue.js';

/** What a handler gets for one attempt of one job. */
export interface JobContext<P = unknown> {
  readonly job: Job<P>;
  readonly lease: Lease<P>;
  readonly attempt: number;
  /** Steps finished by earlier attempts, oldest first. */
  readonly checkpoints: readonly Checkpoint[];
  /** True when an earlier attempt (or this one) recorded `step` as finished: skip it. */
  done(step: string): boolean;
  /** The payload recorded with a finished step, if any. */
  stepPayload<T = unknown>(step: string): T | undefined;
  /** Records a finished step so a retry resumes after it. */
  checkpoint(step: string, payload?: unknown): Promise<void>;
  /**
   * Aborts when the handler should stop: `reason` is a `LeaseLostError` (the
   * lease is gone: do not write), a `SupersededError` (newer content is queued:
   * the result would be stale) or a `WorkerStoppingError` (shutdown grace ran out).
   */
  readonly signal: AbortSignal;
  /** Id of the newer job for the same document, once one is known (at claim or a heartbeat). */
  readonly supersededBy: string | null;
}

/**
 * Does the work of one job. Resolving completes the job (a job the handler
 * already completed itself, e.g. with `JobQueue.commitJob`, is left
 * as it is); throwing fails it, classified by the error's `retryable` field.
 */
export type JobHandler<P = unknown> = (ctx: JobContext<P>) => Promise<void>;

/** Something the loop did, for logs and metrics. */
export type WorkerEvent =
  | { type: 'claimed'; jobId: string; attempt: number }
  | { type: 'completed'; jobId: string }
  | { type: 'failed'; jobId: string; state: 'pending' | 'dead' | 'superseded'; error: unknown }
  | { type: 'released'; jobId: string }
  | { type: 'lease-lost'; jobId: string }
  | { type: 'error'; jobId?: string; error: unknown };

export interface WorkerOptions<P = unknown> {
  queue: JobQueue;
  handler: JobHandler<P>;
  /** Worker id shown in stats and attempt history. Default `host:pid:random`. */
  worker?: string;
  /** Jobs run at once. Default 1. */
  concurrency?: number;
  /** Lease length in ms. Default 30,000. */
  leaseMs?: number;
  /** Heartbeat period in ms. Default a third of `leaseMs`. */
  heartbeatMs?: number;
  /** Longest wait between claims when idle, in ms. Default 500. */
  pollMs?: number;
  /** How long in-flight jobs may run after a stop before they are released, in ms. Default 10,000. */
  graceMs?: number;
  /** Reaper period in ms. Default half of `leaseMs` (at least 1,000). */
  reapEveryMs?: number;
  /** `queue.maintenance()` period in ms; 0 never. Default 60,000. */
  maintenanceEveryMs?: number;
  /** Stops the worker gracefully when aborted. */
  signal?: AbortSignal;
  /**
   * Return once nothing is in flight and the queue is empty (`depth() === 0`:
   * no job pending, backing off or running anywhere). For one-shot runs such
   * as `docgraph ingest`.
   */
  exitWhenIdle?: boolean;
  /** Only claim these job types. */
  types?: readonly string[];
  /**
   * Runs when the worker finds no job to claim and has none in flight, once
   * per idle spell (again only after it has started another job), before it
   * exits with `exitWhenIdle`. For work that is cheaper done once per batch
   * of jobs than after each (relinking documents). An error is reported as
   * an `error` event; the worker goes on.
   */
  onIdle?: () => Promise<void>;
  onEvent?: (event: WorkerEvent) => void;
  /**
   * Tells errors of the queue's backend that retrying will not fix (the
   * database made read-only, gone, full, damaged) from transient ones:
   * returns the error to report for those, undefined for the rest. After
   * `maxFatalErrors` of them in a row (nothing succeeding in between) the
   * worker stops as on a signal and `runWorker` rejects with the last one.
   * Default: nothing is fatal (the loop retries every `pollMs`).
   */
  fatalError?: (error: unknown) => Error | undefined;
  /** Fatal errors in a row before the worker gives up. Default 3. */
  maxFatalErrors?: number;
}

export interface WorkerSummary {
  worker: string;
  completed: number;
  /** Failed attempts (retried later or dead). */
  failed: number;
  /** Handed back unfinished at shutdown. */
  released: number;
  /** Attempts whose lease was lost (expired or taken over) before they settled. */
  leaseLost: number;
}

/** The handler's result would be stale: newer content for the same document is queued. */
export class SupersededError extends DocgraphError {
  readonly jobId: string;
  readonly supersededBy: string;
  constructor(jobId: string, supersededBy: string) {
    super('INTERNAL', `job ${jobId} was superseded by job ${supersededBy}`);
    this.jobId = jobId;
    this.supersededBy = supersededBy;
  }
}

/** The worker is stopping and the grace period ran out; the job was released. */
export class WorkerStoppingError extends DocgraphError {
  constructor(jobId: string) {
    super('INTERNAL', `worker stopping: job ${jobId} was released before it finished`, { retryable: true });
  }
}

interface InFlight {
  lease: Lease;
  controller: AbortController;
  /** Set once the loop stopped caring about this attempt (released or lease lost). */
  abandoned: boolean;
  done: Promise<void>;
}

/** Runs the loop until `signal` aborts (then stops gracefully) or, with `exitWhenIdle`, the queue drains. */
export async function runWorker<P = unknown>(options: WorkerOptions<P>): Promise<WorkerSummary> {
  const queue = options.queue;
  const worker = options.worker ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const concurrency = options.concurrency ?? 1;
  const leaseMs = options.leaseMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const pollMs = options.pollMs ?? 500;
  const graceMs = options.graceMs ?? 10_000;
  const reapEveryMs = options.reapEveryMs ?? Math.max(1_000, Math.floor(leaseMs / 2));
  const maintenanceEveryMs = options.maintenanceEveryMs ?? 60_000;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
  if (!(heartbeatMs < leaseMs)) throw new RangeError(`heartbeatMs (${heartbeatMs}) must be shorter than leaseMs (${leaseMs})`);
  const maxFatal = options.maxFatalErrors ?? 3;
  /** Set once `maxFatal` errors the backend cannot recover from came in a row: the loop stops and this is thrown. */
  let fatal: Error | undefined;
  let fatalInARow = 0;
  const fatalStop = new AbortController();
  const emit = (e: WorkerEvent): void => {
    if (e.type === 'error') {
      const f = options.fatalError?.(e.error);
      if (f) {
        fatalInARow++;
        if (fatalInARow >= maxFatal && !fatal) {
          fatal = f;
          fatalStop.abort();
          wake?.();
        }
      }
    } else if (e.type === 'completed' || e.type === 'claimed') {
      fatalInARow = 0;
    }
    try {
      options.onEvent?.(e);
    } catch {
      // A listener's failure must not break the loop.
    }
  };

  const claimOptions = options.types ? { types: options.types } : {};
  const summary: WorkerSummary = { worker, completed: 0, failed: 0, released: 0, leaseLost: 0 };
  const inFlight = new Map<string, InFlight>();
  // the caller's signal, or the backend failing for good
  const stop = options.signal ? AbortSignal.any([options.signal, fatalStop.signal]) : fatalStop.signal;
  let wake: (() => void) | undefined;
  const nudge = (): void => {
    wake?.();
  };
  stop?.addEventListener('abort', nudge, { once: true });
  /** Sleeps up to `ms`, waking early when a slot frees or the worker is told to stop. */
  const idle = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** Slots held by claim statements in flight (so two claims never overfill the worker). */
  let reserved = 0;
  const spare = (): number => concurrency - inFlight.size - reserved;

  // Completions of successful jobs, sent together: while one completeAndClaimBatch
  // is in flight, the jobs that finish meanwhile wait for the next one (no timer,
  // no added latency; a busy worker pays one round trip for many jobs). Each job's
  // own index write was already committed by its handler (commitJob).
  const toSettle: { lease: Lease<P>; lose: () => void; settled: () => void }[] = [];
  let settling = false;
  const settle = (lease: Lease<P>, lose: () => void): Promise<void> =>
    new Promise((settled) => {
      toSettle.push({ lease, lose, settled });
      if (!settling) void pump();
    });
  const pump = async (): Promise<void> => {
    settling = true;
    while (toSettle.length > 0) {
      const batch = toSettle.splice(0, MAX_CLAIM_BATCH);
      // the slots these jobs free, plus any free already; none once stopping
      const max = stop?.aborted ? 0 : Math.min(MAX_CLAIM_BATCH, Math.max(0, spare() + batch.length));
      reserved += max;
      let next: Lease<P>[] = [];
      try {
        const r = await queue.completeAndClaimBatch<P>(
          batch.map((b) => b.lease),
          worker,
          leaseMs,
          max,
          claimOptions,
        );
        reserved -= max;
        const lost = new Set(r.lost.map((e) => e.jobId));
        for (const b of batch) {
          if (lost.has(b.lease.jobId)) b.lose();
          else {
            summary.completed++;
            emit({ type: 'completed', jobId: b.lease.jobId });
          }
        }
        next = r.leases;
      } catch (e) {
        reserved -= max;
        for (const b of batch) emit({ type: 'error', jobId: b.lease.jobId, error: e });
      }
      for (const b of batch) b.settled();
      for (const l of next) {
        if (stop?.aborted) await releaseQuietly(queue, l, summary, emit);
        else start(l);
      }
    }
    settling = false;
  };

  const start = (lease: Lease<P>): void => {
    const controller = new AbortController();
    let supersededBy = lease.job.supersededBy;
    const steps = new Map(lease.checkpoints.map((c) => [c.step, c.payload]));
    const entry: InFlight = { lease: lease as Lease, controller, abandoned: false, done: Promise.resolve() };
    const ctx: JobContext<P> = {
      job: lease.job,
      lease,
      attempt: lease.attempt,
      checkpoints: lease.checkpoints,
      done: (step) => steps.has(step),
      stepPayload: <T>(step: string) => steps.get(step) as T | undefined,
      checkpoint: async (step, payload) => {
        await queue.checkpoint(lease, step, payload);
        steps.set(step, payload === undefined ? null : payload);
      },
      signal: controller.signal,
      get supersededBy() {
        return supersededBy;
      },
    };
    const loseLease = (): void => {
      if (entry.abandoned) return;
      entry.abandoned = true;
      summary.leaseLost++;
      emit({ type: 'lease-lost', jobId: lease.jobId });
      controller.abort(new LeaseLostError(lease.jobId, 'lost'));
    };

    // Heartbeat: a chain of timeouts, so beats never overlap.
    let beat: NodeJS.Timeout | undefined;
    const scheduleBeat = (): void => {
      beat = setTimeout(() => {
        queue.heartbeat(lease, leaseMs).then(
          (hb) => {
            if (hb.supersededBy !== null && supersededBy === null) {
              supersededBy = hb.supersededBy;
              controller.abort(new SupersededError(lease.jobId, hb.supersededBy));
            }
            if (!entry.abandoned) scheduleBeat();
          },
          (e: unknown) => {
            if (e instanceof LeaseLostError) return loseLease();
            emit({ type: 'error', jobId: lease.jobId, error: e });
            if (!entry.abandoned) scheduleBeat();
          },
        );
      }, heartbeatMs);
      beat.unref();
    };
    if (supersededBy !== null) controller.abort(new SupersededError(lease.jobId, supersededBy));
    scheduleBeat();
    emit({ type: 'claimed', jobId: lease.jobId, attempt: lease.attempt });

    entry.done = (async () => {
      let outcome: { ok: true } | { ok: false; error: unknown };
      try {
        await options.handler(ctx);
        outcome = { ok: true };
      } catch (e) {
        outcome = { ok: false, error: e };
      }
      clearTimeout(beat);
      if (entry.abandoned) return;
      try {
        if (outcome.ok) {
          // completed with others that finish meanwhile, claiming the slots they free (one write for them all)
          await settle(lease, loseLease);
        } else {
          const result = await queue.fail(lease, outcome.error);
          summary.failed++;
          emit({ type: 'failed', jobId: lease.jobId, state: result.state, error: outcome.error });
        }
      } catch (e) {
        if (e instanceof LeaseLostError) loseLease();
        else emit({ type: 'error', jobId: lease.jobId, error: e });
      }
    })().finally(() => {
      clearTimeout(beat);
      entry.abandoned = true;
      inFlight.delete(lease.jobId);
      nudge();
    });
    inFlight.set(lease.jobId, entry);
  };

  let lastReap = 0;
  let lastMaintenance = Date.now();
  const housekeeping = async (force: boolean): Promise<void> => {
    const now = Date.now();
    try {
      if (maintenanceEveryMs > 0 && now - lastMaintenance >= maintenanceEveryMs) {
        lastMaintenance = now;
        lastReap = now;
        await queue.maintenance();
      } else if (force || now - lastReap >= reapEveryMs) {
        lastReap = now;
        await queue.reap();
      }
    } catch (e) {
      emit({ type: 'error', error: e });
    }
  };

  // The claim loop. Bounded by the stop signal or idleness; each turn either
  // starts a job or waits (for a free slot, a poll period or the stop).
  let idleRan = false;
  while (!stop?.aborted) {
    await housekeeping(false);
    const want = Math.min(MAX_CLAIM_BATCH, spare());
    if (want <= 0) {
      await idle(pollMs);
      continue;
    }
    // every free slot in one claim
    let leases: Lease<P>[];
    reserved += want;
    try {
      leases = await queue.claimBatch<P>(worker, leaseMs, want, claimOptions);
    } catch (e) {
      emit({ type: 'error', error: e });
      await idle(pollMs);
      continue;
    } finally {
      reserved -= want;
    }
    if (stop?.aborted) {
      // Stopped while claiming: hand the jobs straight back.
      for (const lease of leases) await releaseQuietly(queue, lease, summary, emit);
      break;
    }
    if (leases.length > 0) {
      idleRan = false;
      for (const lease of leases) start(lease);
      continue;
    }
    if (options.onIdle && !idleRan && inFlight.size === 0) {
      idleRan = true;
      try {
        await options.onIdle();
      } catch (e) {
        emit({ type: 'error', error: e });
      }
      continue; // claim again: jobs may have arrived meanwhile
    }
    if (options.exitWhenIdle && inFlight.size === 0) {
      await housekeeping(true);
      try {
        if ((await queue.depth()) === 0) break;
      } catch (e) {
        emit({ type: 'error', error: e });
      }
    }
    await idle(pollMs);
  }
  stop?.removeEventListener('abort', nudge);

  // Graceful stop: let in-flight jobs finish within the grace period, then release the rest.
  if (inFlight.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), graceMs);
    });
    const all = Promise.all([...inFlight.values()].map((f) => f.done)).then(() => 'finished' as const);
    const first = await Promise.race([all, graceOver]);
    clearTimeout(timer);
    if (first === 'grace-over') {
      for (const f of [...inFlight.values()]) {
        if (f.abandoned) continue;
        f.abandoned = true;
        f.controller.abort(new WorkerStoppingError(f.lease.jobId));
        await releaseQuietly(queue, f.lease, summary, emit);
      }
    }
  }
  if (fatal) throw fatal;
  return summary;
}

async function releaseQuietly(queue: JobQueue, lease: Lease, summary: WorkerSummary, emit: (e: WorkerEvent) => void): Promise<void> {
  try {
    await queue.release(lease);
    summary.released++;
    emit({ type: 'released', jobId: lease.jobId });
  } catch (e) {
    // Already settled or lost: nothing of ours is leased either way.
    if (!(e instanceof LeaseLostError)) emit({ type: 'error', jobId: lease.jobId, error: e });
  }
}

