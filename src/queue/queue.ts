/**
 * The JobQueue port (DESIGN §6). Every implementation (SQLite now, PostgreSQL
 * later) passes the shared suite in `queue.contract.ts`.
 *
 * Life of a job:
 *
 * ```
 * enqueue ─► pending ──claim──► running ──complete──► completed
 *              ▲  ▲               │  │
 *              │  └─release───────┘  ├─fail (retryable, attempts left) ─► pending, runAt = now + backoff
 *              │                     ├─lease expired, reaped (same rule) ─► pending | dead
 *              │                     └─fail (permanent or attempts used up) ─► dead (the DLQ)
 *              └──────────── dlq.retry ◄───────────────────────────────────────┘
 * newer content for the same source+uri ─► older pending job: superseded;
 *                                          older running job: keeps running, `supersededBy` set
 * ```
 *
 * Subjects. A job works on one *subject*: a document, named by `sourceId` and
 * `uri`. At most one job per subject runs at a time (claim skips a subject
 * with a running job), and a newer job for a subject supersedes the older
 * ones. `generation` is a number that grows with every job enqueued anywhere
 * in the queue, so of two jobs for one subject the later one always has the
 * larger generation; a writer can use it as a fencing token.
 *
 * Time. Every time decision (run at, lease expiry, ages, retention) uses the
 * injected `Clock`; times are epoch milliseconds.
 *
 * Leases. `claim` hands out a lease (job id + random token) valid until
 * `expiresAt`. `heartbeat`, `checkpoint`, `complete`, `fail` and `release`
 * need a lease that is still valid: the token must match and `now <
 * expiresAt`; otherwise they throw `LeaseLostError` (code `LEASE_LOST`) and
 * change nothing, and the holder must stop without writing.
 *
 * Consistency with the index write (a job's effect is a change to the index):
 * `commitJob(lease, change)` applies the change and completes the job as one
 * atomic step, after checking that the lease is still valid and the job not
 * superseded. The change is a value (`IndexChange`: write a document, delete
 * one, or nothing), never a connection or transaction: each backend makes the
 * step atomic its own way.
 *
 * - Queue and index in one database (SQLite embedded mode; PostgreSQL): one
 *   transaction. They commit together or not at all, so a crash can leave
 *   neither "written but still running" nor "completed but not written"; and a
 *   worker that hung past its lease cannot write (its lease check fails inside
 *   the transaction).
 * - Queue apart from the index (a Redis queue): the write happens before the
 *   completion. A crash between them leaves the job running; its lease
 *   expires, the reaper puts it back, and the next attempt redoes it. That is
 *   safe because the handler is idempotent: the document write replaces the
 *   whole document with deterministic ids, and the handler first compares the
 *   stored document's checksum with `job.checksum` and, if equal, completes
 *   without writing again. A stale writer (lease expired while it hung) is
 *   fenced by `generation`: store it with the document and refuse a write
 *   whose generation is lower than the stored one.
 *
 * The port exposes no connection, statement or transaction type.
 */
import type { IndexChange } from '../store/store.js';
import type { BackoffPolicy } from './backoff.js';
import type { LeaseLostError } from './errors.js';

/** Where a job is in its life. `completed`, `superseded` and `dead` are final (`dead` until a DLQ retry). */
export type JobState = 'pending' | 'running' | 'completed' | 'dead' | 'superseded';

export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'completed', 'dead', 'superseded'];

/** Source of the current time in epoch milliseconds. Injected so tests need no real sleeps. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** What to do: one operation on one document. */
export interface JobInput<P = unknown> {
  /** Handler name, e.g. `ingest-document`, `delete-document`. */
  type: string;
  sourceId: string;
  /** The document's uri inside its source. With `sourceId`, names the job's subject. */
  uri: string;
  /** Checksum of the content the job will write (for a deletion, a fixed marker such as `deleted`). */
  checksum: string;
  /** Small JSON-serialisable data for the handler. Default `null`. */
  payload?: P;
}

export interface EnqueueOptions {
  /** Higher runs first; equal priorities run in order of `runAt`, then enqueue order. Default 0. */
  priority?: number;
  /**
   * Identical work is not done twice: when the newest job of the same subject
   * has this key and is pending, running, completed or dead, enqueue returns
   * that job (`outcome: 'deduplicated'`; a pending one is raised to the higher
   * priority). Default: `defaultDedupeKey(job)` (type + source + uri + checksum).
   */
  dedupeKey?: string;
  /** Do not run before this time (epoch ms). Default now. */
  runAt?: number;
  /** Overrides the queue's `maxAttempts` for this job. */
  maxAttempts?: number;
  /** Skip deduplication (e.g. `ingest --force`); the new job still supersedes older ones. */
  force?: boolean;
}

/** A job as stored. */
export interface Job<P = unknown> {
  id: string;
  type: string;
  sourceId: string;
  uri: string;
  checksum: string;
  payload: P;
  dedupeKey: string;
  priority: number;
  /** Grows with every job enqueued; a later job for a subject has a larger one (fencing token). */
  generation: number;
  state: JobState;
  /** Attempts started (claims) since enqueue or the last DLQ retry. */
  attempts: number;
  maxAttempts: number;
  /** Earliest time it may be claimed (epoch ms); in the future while it backs off. */
  runAt: number;
  createdAt: number;
  updatedAt: number;
  /** When it became completed, superseded or dead. */
  finishedAt: number | null;
  /** Id of the newer job for the same subject, once there is one. Its result must not overwrite newer content. */
  supersededBy: string | null;
  /** The current lease while running. */
  lease: { worker: string; expiresAt: number } | null;
  lastError: JobError | null;
  /** Why it is dead, while it is. */
  deadReason: DeadReason | null;
}

/** `permanent-error`: the error said retrying cannot help. `max-attempts`: retries (or lease expiries) used up. */
export type DeadReason = 'permanent-error' | 'max-attempts';

/** An error as recorded on a job: plain data, so it survives restarts and crosses processes. */
export interface JobError {
  name: string;
  message: string;
  /** `DocgraphError.code` or an `error.code` string, when there was one. */
  code?: string;
  stack?: string;
  retryable: boolean;
}

/** How an attempt ended. `expired`: the lease ran out (the worker died or hung); `released`: handed back unfinished. */
export type AttemptOutcome = 'completed' | 'failed' | 'expired' | 'released' | 'superseded';

export interface AttemptRecord {
  /** 1-based attempt number at the time (restarts at 1 after a DLQ retry). */
  attempt: number;
  worker: string;
  startedAt: number;
  endedAt: number | null;
  /** `null` while the attempt runs. */
  outcome: AttemptOutcome | null;
  error: JobError | null;
}

/** A finished step of a job (parse, extract, embed, write ...), with an optional small payload. */
export interface Checkpoint {
  step: string;
  payload: unknown;
  recordedAt: number;
}

/** A job with its attempt history and live checkpoints (for `dlq show` and `jobs show`). */
export interface JobDetails<P = unknown> extends Job<P> {
  history: AttemptRecord[];
  checkpoints: Checkpoint[];
}

/** What `heartbeat`, `complete`, `fail`, `release` and `checkpoint` need: can be rebuilt from stored fields. */
export interface LeaseRef {
  jobId: string;
  token: string;
}

/** A claimed job. Valid until `expiresAt` unless extended by `heartbeat`. */
export interface Lease<P = unknown> extends LeaseRef {
  job: Job<P>;
  worker: string;
  /** 1-based number of this attempt. */
  attempt: number;
  expiresAt: number;
  /** Steps finished by earlier attempts (not expired), oldest first: resume after the last one. */
  checkpoints: Checkpoint[];
}

export interface EnqueueResult<P = unknown> {
  /** The new job, or the existing one it was deduplicated to. */
  job: Job<P>;
  outcome: 'created' | 'deduplicated';
  /** Ids of older jobs of the subject that this one superseded (pending ones became `superseded`; running ones were flagged). */
  superseded: string[];
}

export interface ClaimOptions {
  /** Only claim jobs of these types. Default: any. */
  types?: readonly string[];
}

export interface HeartbeatResult {
  expiresAt: number;
  /** Set once a newer job for the subject was enqueued: the handler should stop, its result would be stale. */
  supersededBy: string | null;
}

export interface FailOptions {
  /**
   * Overrides the classification taken from the error: a `DocgraphError`'s
   * `retryable` field, else an own boolean `retryable` property, else retryable.
   */
  retryable?: boolean;
  /** Retry after this many ms instead of the backoff policy (e.g. a Retry-After the handler was given). */
  delayMs?: number;
}

export interface FailResult {
  state: 'pending' | 'dead' | 'superseded';
  /** When it will be retried, if pending. */
  runAt?: number;
}

export interface ReleaseOptions {
  /** Do not hand it out again before this many ms. Default 0. */
  delayMs?: number;
}

/** Ids of the expired leases a reap handled, by where the job went. */
export interface ReapResult {
  requeued: string[];
  dead: string[];
  superseded: string[];
}

export interface MaintenanceResult {
  reaped: ReapResult;
  /** Dead jobs dropped because they outlived `dlqRetentionDays` or exceeded `dlqMaxSize`. */
  dlqDropped: number;
  checkpointsExpired: number;
  /** Completed and superseded jobs older than `finishedRetentionMs` removed. */
  jobsRemoved: number;
  workersForgotten: number;
}

export type QueueCounts = Record<JobState, number>;

export interface BackpressureState {
  /** True from when depth reaches `highWater` until it falls to `lowWater`. */
  paused: boolean;
  /** Pending (including backing off) plus running jobs. */
  depth: number;
  highWater: number;
  lowWater: number;
  maxSize: number;
}

export interface WorkerSeen {
  worker: string;
  /** Last claim, heartbeat or settle by this worker. */
  lastSeenAt: number;
  running: number;
}

export interface QueueStats {
  counts: QueueCounts;
  /** Pending jobs whose `runAt` has come. */
  ready: number;
  /** Pending jobs backing off (`runAt` in the future). */
  delayed: number;
  /** Age of the oldest pending job (since enqueue), or null when none is pending. */
  oldestPendingAgeMs: number | null;
  /** Running jobs whose lease has expired and that no reaper has handled yet. */
  staleLeases: number;
  workers: WorkerSeen[];
  dlq: {
    size: number;
    /** Dead jobs dropped to keep the DLQ under `dlqMaxSize` (a monotonic counter). */
    droppedBySize: number;
    /** Dead jobs dropped for outliving `dlqRetentionDays` (a monotonic counter). */
    droppedByRetention: number;
  };
  backpressure: BackpressureState;
}

export interface DeadLetterListOptions {
  /** Default 50, at most 1,000. */
  limit?: number;
  offset?: number;
}

/** The dead letter queue: jobs that failed permanently or used up their attempts. */
export interface DeadLetterQueue {
  /** Dead jobs, most recently dead first. */
  list(options?: DeadLetterListOptions): Promise<Job[]>;
  /** A dead (or any) job with its error, stack and attempt history. */
  show(id: string): Promise<JobDetails | undefined>;
  /**
   * Puts a dead job back to pending with a fresh attempt budget, runnable now.
   * A job whose subject has a newer job is not retried (that would write stale
   * content): it becomes `superseded`.
   */
  retry(id: string): Promise<'requeued' | 'superseded' | 'not-found'>;
  /** `retry` for every dead job. */
  retryAll(): Promise<{ requeued: number; superseded: number }>;
  /** Deletes dead jobs that died at least `olderThanMs` ago (0: all). Returns how many. */
  purge(olderThanMs: number): Promise<number>;
  size(): Promise<number>;
}

/** The result of `commitJob`: the change was applied and the job completed, or the job was superseded and the change not applied. */
export type CommitResult = { state: 'completed'; /** the change altered the index (a delete of a document that was there ...) */ changed: boolean } | { state: 'superseded' };

export interface JobListOptions {
  /** Only jobs in these states (all when absent or empty). */
  states?: readonly JobState[];
  /** Only these jobs (unknown ids are skipped). */
  ids?: readonly string[];
  /** Default 50, at most 10,000. */
  limit?: number;
  offset?: number;
}

/** What `completeAndClaimBatch` did: ids completed, leases lost (nothing changed for those), and the new leases. */
export interface BatchSettleResult<P = unknown> {
  completed: string[];
  lost: LeaseLostError[];
  leases: Lease<P>[];
}

/** Running jobs whose leases are stale, and what `apply` did with them. */
export interface StaleLeases {
  stale: Job[];
  /** With `apply`: where they went (as a reap reports it). */
  reaped?: ReapResult;
}

/** Options every implementation accepts; each adds its own connection options. */
export interface QueueOptions {
  clock?: Clock;
  /** Random source in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** Attempts before a job goes to the DLQ. Default 5. */
  maxAttempts?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Pending + running jobs at most; `enqueue` beyond it throws `QueueFullError`. Default 100,000. */
  maxSize?: number;
  /** `shouldPause` turns true at this depth. Default 80% of `maxSize`. */
  highWater?: number;
  /** ... and false again at this depth. Default 60% of `maxSize`. */
  lowWater?: number;
  /** Dead jobs are dropped this many days after they died. Default 14. */
  dlqRetentionDays?: number;
  /** The DLQ keeps at most this many jobs, dropping the oldest. Default 10,000. */
  dlqMaxSize?: number;
  /** Checkpoints older than this are ignored and removed. Default 24 hours. */
  checkpointTtlMs?: number;
  /** Completed and superseded jobs are removed this long after they finished. Default 24 hours. */
  finishedRetentionMs?: number;
  /** Workers not seen for this long (and holding no job) drop out of `stats().workers`. Default 24 hours. */
  workerRetentionMs?: number;
}

/**
 * The job queue. All methods may be called from several processes at once
 * against the same backing store; each state change is atomic.
 */
export interface JobQueue {
  /**
   * Adds a job, or returns the job it duplicates (see `EnqueueOptions.dedupeKey`).
   * Supersedes older jobs of the same subject. Throws `QueueFullError`
   * (retryable) when `maxSize` jobs are pending or running.
   */
  enqueue<P>(job: JobInput<P>, options?: EnqueueOptions): Promise<EnqueueResult<P>>;

  /**
   * `enqueue` for many jobs as one atomic step (one transaction or pipeline):
   * all are added (or deduplicated, in order, also against each other) or, on
   * `QueueFullError`, none. Results are in input order.
   */
  enqueueMany<P>(items: readonly { job: JobInput<P>; options?: EnqueueOptions }[]): Promise<EnqueueResult<P>[]>;

  /**
   * Leases the best ready job to `worker` for `leaseMs`: highest priority, then
   * earliest `runAt`, then oldest; never a job whose subject has a job running.
   * Counts an attempt. Resolves `undefined` when nothing is ready.
   */
  claim<P = unknown>(worker: string, leaseMs: number, options?: ClaimOptions): Promise<Lease<P> | undefined>;

  /** Extends a valid lease to `now + leaseMs` (default: the claim's `leaseMs`). */
  heartbeat(lease: LeaseRef, leaseMs?: number): Promise<HeartbeatResult>;

  /** Records a finished step; a later attempt of the same job sees it in `Lease.checkpoints`. Payload: JSON, at most 64 KiB. */
  checkpoint(lease: LeaseRef, step: string, payload?: unknown): Promise<void>;

  /** Marks the job completed and drops its checkpoints. Calling it again with the same lease is a no-op. */
  complete(lease: LeaseRef): Promise<void>;

  /**
   * `complete` then `claim`, in one step where the backend can (one
   * transaction, one round trip): a busy worker pays one write per job
   * instead of two. If the lease is not valid it throws `LeaseLostError` and
   * claims nothing.
   */
  completeAndClaim<P = unknown>(lease: LeaseRef, worker: string, leaseMs: number, options?: ClaimOptions): Promise<Lease<P> | undefined>;

  /**
   * `claim` up to `max` times in one step (one transaction, one round trip
   * where the backend can): the best ready jobs by the same rules, at most
   * one per subject. Resolves `[]` when nothing is ready. `max`: 1 to 1,000.
   */
  claimBatch<P = unknown>(worker: string, leaseMs: number, max: number, options?: ClaimOptions): Promise<Lease<P>[]>;

  /**
   * `complete` for each of `leases`, then `claimBatch` of up to `max` (0:
   * none), in one step where the backend can. Each completion stands alone:
   * a lease that is no longer valid changes nothing and is reported in
   * `lost` (as the `LeaseLostError` `complete` would throw); the others
   * complete. A lease that already completed its job counts as completed.
   * The claims do not depend on the completions.
   */
  completeAndClaimBatch<P = unknown>(leases: readonly LeaseRef[], worker: string, leaseMs: number, max: number, options?: ClaimOptions): Promise<BatchSettleResult<P>>;

  /**
   * Applies `change` to the index and completes the job, atomically (see the
   * header): with a lease that is no longer valid it throws `LeaseLostError`
   * and changes nothing; for a superseded job it applies nothing, finishes
   * the job as `superseded` and says so; when applying the change throws
   * (e.g. `EmbedderChangedError`), nothing is committed and the lease stays
   * (call `fail`). A queue opened without an index accepts only `{ kind: 'none' }`.
   */
  commitJob(lease: LeaseRef, change: IndexChange): Promise<CommitResult>;

  /**
   * Records a failed attempt. A retryable error with attempts left goes back
   * to pending at `now + backoff`; otherwise the job goes to the DLQ with the
   * error. A superseded job is not retried.
   */
  fail(lease: LeaseRef, error: unknown, options?: FailOptions): Promise<FailResult>;

  /** Hands a job back unfinished (graceful shutdown): pending again, the attempt not counted, no backoff. */
  release(lease: LeaseRef, options?: ReleaseOptions): Promise<void>;

  /**
   * The reaper: every running job whose lease has expired goes back to
   * pending after backoff (its attempt counted), or to the DLQ when its
   * attempts are used up. Safe to run from several processes at once: each
   * expired lease is handled once.
   */
  reap(): Promise<ReapResult>;

  /**
   * Stale leases (`docgraph jobs clean`): running jobs whose lease has
   * expired, or whose attempt started at least `olderThanMs` ago (a hung
   * handler whose heartbeat still beats), at most 1,000. With `apply`, their
   * leases end now and they are reaped: back to pending after backoff, or to
   * the DLQ when their attempts are used up; the old holder's next call gets
   * `LeaseLostError`.
   */
  expireStale(olderThanMs: number, apply: boolean): Promise<StaleLeases>;

  /** Jobs for operators (`docgraph jobs list`), newest first. Throws INVALID_INPUT for an unknown state. */
  list(options?: JobListOptions): Promise<Job[]>;

  /** A job with its history, in any state. */
  get<P = unknown>(id: string): Promise<JobDetails<P> | undefined>;

  readonly dlq: DeadLetterQueue;

  /** Pending (including backing off) plus running jobs. */
  depth(): Promise<number>;
  counts(): Promise<QueueCounts>;
  /**
   * Backpressure with hysteresis, for producers and the HTTP ingest endpoint
   * (429/503 + Retry-After while true). The paused flag is per queue handle.
   */
  shouldPause(): Promise<boolean>;
  backpressure(): Promise<BackpressureState>;
  stats(): Promise<QueueStats>;

  /** Reaps, applies DLQ retention and size caps, expires checkpoints, removes old finished jobs and workers. */
  maintenance(): Promise<MaintenanceResult>;

  /** Idempotent. Does not close a connection the queue was given. */
  close(): Promise<void>;
}

/** Separator that cannot occur in uris, checksums or type names. */
const SEP = '\u001f';

/** The default dedupe key: the same type of work on the same content of the same document. */
export function defaultDedupeKey(job: Pick<JobInput, 'type' | 'sourceId' | 'uri' | 'checksum'>): string {
  return [job.type, job.sourceId, job.uri, job.checksum].join(SEP);
}
