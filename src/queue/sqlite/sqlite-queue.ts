import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DocgraphError, InvalidInputError } from '../../domain/errors.js';
import { backoffDelay } from '../backoff.js';
import { LeaseLostError, QueueFullError } from '../errors.js';
import {
  encodeCheckpoint,
  Hysteresis,
  isRetryable,
  leaseExpiredError,
  resolveQueueOptions,
  toJobError,
  type ResolvedQueueOptions,
} from '../policy.js';
import {
  defaultDedupeKey,
  JOB_STATES,
  type AttemptOutcome,
  type AttemptRecord,
  type BackpressureState,
  type BatchSettleResult,
  type Checkpoint,
  type ClaimOptions,
  type DeadLetterListOptions,
  type DeadLetterQueue,
  type DeadReason,
  type EnqueueOptions,
  type EnqueueResult,
  type FailOptions,
  type FailResult,
  type HeartbeatResult,
  type Job,
  type JobDetails,
  type JobError,
  type CommitResult,
  type JobInput,
  type JobListOptions,
  type JobQueue,
  type JobState,
  type Lease,
  type LeaseRef,
  type MaintenanceResult,
  type QueueCounts,
  type QueueOptions,
  type QueueStats,
  type ReapResult,
  type ReleaseOptions,
  type StaleLeases,
} from '../queue.js';
import type { IndexChange } from '../../store/store.js';
import { migrateQueue } from './migrations.js';
import { checkBatchMax, checkClaim, positiveMs, settledBy, toJob, toRowId, validateJob, type JobRow } from '../job-row.js';

/**
 * The index a queue commits job changes to, on the connection the queue
 * shares (SqliteStore is one): `applyChange` runs synchronously inside the
 * queue's transaction.
 */
export interface SqliteIndex {
  readonly database: Database.Database;
  applyChange(change: IndexChange): boolean;
}

export interface SqliteQueueOptions extends QueueOptions {
  /** The database file to open (its own connection, closed by `close`). Created if missing. */
  path?: string;
  /**
   * An open connection to share, e.g. `SqliteStore.database`, so the queue's
   * tables live in the index file and `completeWith` can commit a job's
   * completion in the same transaction as the index write. Not closed by `close`.
   */
  db?: Database.Database;
  /**
   * The index in the same file (the store), whose connection the queue then
   * shares (instead of `db`): `commitJob` applies a job's change to it in the
   * transaction that completes the job. Not closed by `close`.
   */
  index?: SqliteIndex;
  /** How long a write waits for another process's lock, in ms. Default 10,000. Only for `path`. */
  busyTimeoutMs?: number;
}

/** The result of `completeWith`: the write ran and the job completed, or the job was superseded and the write did not run. */
export type CompleteWithResult<T> = { outcome: 'completed'; value: T } | { outcome: 'superseded' };


interface AttemptRow {
  attempt: number;
  worker: string;
  started_at: number;
  ended_at: number;
  outcome: AttemptOutcome;
  error: string | null;
}

/** States in which the newest job of a subject absorbs an identical enqueue. */
const DEDUPE_STATES: ReadonlySet<JobState> = new Set(['pending', 'running', 'completed', 'dead']);
/** Expired leases handled per reap call (every loop has a bound); call again for more. */
const REAP_BATCH = 1_000;
/** Finished jobs removed per maintenance call. */
const CLEANUP_BATCH = 10_000;
/** `WorkerSeen.lastSeenAt` is exact to this many ms. */
const SEEN_RESOLUTION_MS = 1_000;

/**
 * The embedded JobQueue: tables `queue_*` in a SQLite file (WAL), either its
 * own or shared with the store. Every state change is one `BEGIN IMMEDIATE`
 * transaction, so several processes on one file serialise on the write lock:
 * two claimers never get the same job and concurrent reapers handle each
 * expired lease once.
 */
export class SqliteJobQueue implements JobQueue {
  readonly dlq: DeadLetterQueue;
  private readonly db: Database.Database;
  private readonly index: SqliteIndex | undefined;
  private readonly ownsDb: boolean;
  private readonly o: ResolvedQueueOptions;
  private readonly hysteresis: Hysteresis;
  private readonly runTx: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly s: ReturnType<typeof prepare>;
  private closed = false;
  private readonly lastSeen = new Map<string, number>();

  private constructor(options: SqliteQueueOptions) {
    this.o = resolveQueueOptions(options);
    this.hysteresis = new Hysteresis(this.o.highWater, this.o.lowWater);
    this.index = options.index;
    if (options.index && options.db && options.index.database !== options.db) {
      throw new InvalidInputError('SqliteJobQueue.open: index and db must be the same connection', { field: 'db' });
    }
    const shared = options.index?.database ?? options.db;
    if (shared) {
      this.db = shared;
      this.ownsDb = false;
    } else {
      const path = options.path;
      if (!path) throw new InvalidInputError('SqliteJobQueue.open needs a path or a db', { field: 'path' });
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      try {
        this.db = new Database(path);
      } catch (e) {
        throw new DocgraphError('STORE_FAILED', `cannot open the job queue at ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      this.ownsDb = true;
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    try {
      migrateQueue(this.db);
    } catch (e) {
      if (this.ownsDb) this.db.close();
      throw new DocgraphError('STORE_FAILED', `cannot use the job queue: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.runTx = this.db.transaction((fn: () => unknown) => fn());
    this.s = prepare(this.db);
    this.dlq = {
      list: async (opts) => this.listDead(opts),
      show: async (id) => this.get(id),
      retry: async (id) => {
        this.live();
        return this.tx(() => this.retryDead(id));
      },
      retryAll: async () => {
        this.live();
        return this.tx(() => this.retryAllDead());
      },
      purge: async (olderThanMs) => this.purgeDead(olderThanMs),
      size: async () => (await this.counts()).dead,
    };
  }

  /** Opens the queue on a file (`path`) or a shared connection (`db`), creating or migrating its tables. */
  static open(options: SqliteQueueOptions): SqliteJobQueue {
    return new SqliteJobQueue(options);
  }

  /** The connection the queue uses (shared or its own). */
  get database(): Database.Database {
    return this.db;
  }

  async enqueue<P>(job: JobInput<P>, options: EnqueueOptions = {}): Promise<EnqueueResult<P>> {
    this.live();
    validateJob(job, options);
    return this.tx(() => this.enqueueSync(job, options, this.now()));
  }

  async enqueueMany<P>(items: readonly { job: JobInput<P>; options?: EnqueueOptions }[]): Promise<EnqueueResult<P>[]> {
    this.live();
    for (const item of items) validateJob(item.job, item.options ?? {});
    return this.tx(() => {
      const now = this.now();
      return items.map((item) => this.enqueueSync(item.job, item.options ?? {}, now));
    });
  }

  async claim<P = unknown>(worker: string, leaseMs: number, options: ClaimOptions = {}): Promise<Lease<P> | undefined> {
    this.live();
    checkClaim(worker, leaseMs);
    return this.tx(() => this.claimSync<P>(worker, leaseMs, options, this.now()));
  }

  async completeAndClaim<P = unknown>(lease: LeaseRef, worker: string, leaseMs: number, options: ClaimOptions = {}): Promise<Lease<P> | undefined> {
    this.live();
    checkClaim(worker, leaseMs);
    return this.tx(() => {
      const now = this.now();
      this.completeSync(lease, now);
      return this.claimSync<P>(worker, leaseMs, options, now);
    });
  }

  async claimBatch<P = unknown>(worker: string, leaseMs: number, max: number, options: ClaimOptions = {}): Promise<Lease<P>[]> {
    this.live();
    checkClaim(worker, leaseMs);
    checkBatchMax(max, 1);
    return this.tx(() => this.claimManySync<P>(worker, leaseMs, max, options, this.now()));
  }

  async completeAndClaimBatch<P = unknown>(leases: readonly LeaseRef[], worker: string, leaseMs: number, max: number, options: ClaimOptions = {}): Promise<BatchSettleResult<P>> {
    this.live();
    checkClaim(worker, leaseMs);
    checkBatchMax(max, 0);
    return this.tx(() => {
      const now = this.now();
      const completed: string[] = [];
      const lost: LeaseLostError[] = [];
      for (const lease of leases) {
        try {
          // verify throws before anything is written: a lost lease changes nothing
          this.completeSync(lease, now);
          completed.push(lease.jobId);
        } catch (e) {
          if (!(e instanceof LeaseLostError)) throw e;
          lost.push(e);
        }
      }
      return { completed, lost, leases: this.claimManySync<P>(worker, leaseMs, max, options, now) };
    });
  }

  async heartbeat(lease: LeaseRef, leaseMs?: number): Promise<HeartbeatResult> {
    this.live();
    if (leaseMs !== undefined) positiveMs('leaseMs', leaseMs);
    return this.tx(() => {
      const now = this.now();
      const row = this.verify(lease, now);
      const expiresAt = now + (leaseMs ?? row.lease_ms!);
      this.s.extend.run(expiresAt, now, row.id);
      this.seen(row.lease_worker!, now);
      return { expiresAt, supersededBy: row.superseded_by === null ? null : String(row.superseded_by) };
    });
  }

  async checkpoint(lease: LeaseRef, step: string, payload?: unknown): Promise<void> {
    this.live();
    const json = encodeCheckpoint(step, payload);
    this.tx(() => {
      const now = this.now();
      const row = this.verify(lease, now);
      this.s.putCheckpoint.run(row.id, step, row.id, json, now);
    });
  }

  async complete(lease: LeaseRef): Promise<void> {
    this.live();
    this.tx(() => {
      this.completeSync(lease, this.now());
    });
  }

  /**
   * Runs `write` and completes the job in one immediate transaction on this
   * queue's connection, so the index write and the completion commit together
   * or not at all: how this adapter makes `commitJob` atomic (adapter-level;
   * the port takes an `IndexChange`, not a callback). The write runs
   * synchronously (work after an
   * `await` would run outside the transaction; a returned promise is refused).
   *
   * - lease no longer valid: throws `LeaseLostError`, `write` does not run;
   * - job superseded by newer content: `write` does not run, the job becomes
   *   `superseded`, returns `{ outcome: 'superseded' }`;
   * - `write` throws: everything rolls back, the lease stays (call `fail`).
   *
   * Called inside a transaction the caller already holds on this connection,
   * it nests as a savepoint of that transaction.
   */
  completeWith<T>(lease: LeaseRef, write: (db: Database.Database) => T): CompleteWithResult<T> {
    this.live();
    return this.tx(() => {
      const now = this.now();
      const found = this.lookup(lease);
      if (settledBy(found, lease)) throw new LeaseLostError(lease.jobId, 'lost');
      const row = this.verify(lease, now, found);
      if (row.superseded_by !== null) {
        this.s.endAttempt.run({ now, outcome: 'superseded', error: null, job: row.id });
        this.s.finish.run('superseded', now, now, row.id);
        return { outcome: 'superseded' as const };
      }
      const value = write(this.db);
      if (typeof (value as { then?: unknown } | undefined)?.then === 'function') {
        throw new InvalidInputError('completeWith: write must be synchronous (it runs inside the transaction)', { field: 'write' });
      }
      this.settleCompleted(row, now);
      return { outcome: 'completed' as const, value };
    });
  }

  async commitJob(lease: LeaseRef, change: IndexChange): Promise<CommitResult> {
    this.live();
    const index = this.index;
    if (!index && change.kind !== 'none') {
      throw new DocgraphError('INTERNAL', `this job queue was opened without the index it commits to; cannot apply a ${change.kind}`);
    }
    const r = this.completeWith(lease, () => (index ? index.applyChange(change) : false));
    return r.outcome === 'completed' ? { state: 'completed', changed: r.value } : { state: 'superseded' };
  }

  async fail(lease: LeaseRef, error: unknown, options: FailOptions = {}): Promise<FailResult> {
    this.live();
    if (options.delayMs !== undefined && !(options.delayMs >= 0)) throw new InvalidInputError('delayMs must be >= 0', { field: 'delayMs' });
    const retryable = isRetryable(error, options.retryable);
    const recorded = toJobError(error, retryable);
    return this.tx((): FailResult => {
      const now = this.now();
      const row = this.verify(lease, now);
      if (row.superseded_by !== null) {
        this.s.endAttempt.run({ now, outcome: 'superseded', error: JSON.stringify(recorded), job: row.id });
        this.s.retire.run(JSON.stringify(recorded), now, now, row.id);
        return { state: 'superseded' };
      }
      this.s.endAttempt.run({ now, outcome: 'failed', error: JSON.stringify(recorded), job: row.id });
      if (!retryable) return this.toDead(row, 'permanent-error', recorded, now);
      if (row.attempts >= row.max_attempts) return this.toDead(row, 'max-attempts', recorded, now);
      const runAt = now + (options.delayMs ?? backoffDelay(row.attempts, this.o.backoff, this.o.random));
      this.s.requeue.run(runAt, JSON.stringify(recorded), now, row.id);
      return { state: 'pending', runAt };
    });
  }

  async list(options: JobListOptions = {}): Promise<Job[]> {
    this.live();
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 50), 0), 10_000);
    const offset = Math.max(Math.floor(options.offset ?? 0), 0);
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.states && options.states.length > 0) {
      for (const st of options.states) if (!JOB_STATES.includes(st)) throw new InvalidInputError(`unknown job state "${st}"`, { field: 'state', allowed: JOB_STATES.join(', ') });
      where.push(`state IN (${options.states.map(() => '?').join(', ')})`);
      params.push(...options.states);
    }
    if (options.ids) {
      const ids = options.ids.map(toRowId).filter((id): id is number => id !== undefined);
      if (ids.length === 0) return [];
      where.push(`id IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(ids));
    }
    const sql = `SELECT * FROM queue_jobs ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...params, limit, offset) as JobRow[]).map((r) => toJob(r));
  }

  async expireStale(olderThanMs: number, apply: boolean): Promise<StaleLeases> {
    this.live();
    if (!(olderThanMs >= 0)) throw new InvalidInputError('olderThanMs must be >= 0', { field: 'olderThanMs' });
    return this.tx(() => {
      const now = this.now();
      const rows = this.db
        .prepare("SELECT * FROM queue_jobs WHERE state = 'running' AND (lease_expires_at <= ? OR lease_started_at <= ?) ORDER BY id LIMIT ?")
        .all(now, now - olderThanMs, REAP_BATCH) as JobRow[];
      const stale = rows.map((r) => toJob(r));
      if (!apply) return { stale };
      const end = this.db.prepare('UPDATE queue_jobs SET lease_expires_at = ? WHERE id = ?');
      for (const r of rows) end.run(now, r.id);
      return { stale, reaped: this.reapSync(now) };
    });
  }

  async release(lease: LeaseRef, options: ReleaseOptions = {}): Promise<void> {
    this.live();
    const delay = options.delayMs ?? 0;
    if (!(delay >= 0)) throw new InvalidInputError('delayMs must be >= 0', { field: 'delayMs' });
    this.tx(() => {
      const now = this.now();
      const row = this.verify(lease, now);
      this.s.endAttempt.run({ now, outcome: 'released', error: null, job: row.id });
      if (row.superseded_by !== null) this.s.retire.run(row.last_error, now, now, row.id);
      else this.s.giveBack.run(now + delay, now, row.id);
    });
  }

  async reap(): Promise<ReapResult> {
    this.live();
    return this.tx(() => this.reapSync(this.now()));
  }

  async get<P = unknown>(id: string): Promise<JobDetails<P> | undefined> {
    this.live();
    return this.getSync<P>(id);
  }

  async depth(): Promise<number> {
    this.live();
    return this.depthSync();
  }

  async counts(): Promise<QueueCounts> {
    this.live();
    return this.countsSync();
  }

  async shouldPause(): Promise<boolean> {
    return (await this.backpressure()).paused;
  }

  async backpressure(): Promise<BackpressureState> {
    this.live();
    const depth = this.depthSync();
    return { paused: this.hysteresis.update(depth), depth, highWater: this.o.highWater, lowWater: this.o.lowWater, maxSize: this.o.maxSize };
  }

  async stats(): Promise<QueueStats> {
    this.live();
    const now = this.now();
    // One read transaction, so the numbers agree with each other.
    const read = this.db.transaction(() => {
      const counts = this.countsSync();
      const ready = this.s.countReady.get(now) as number;
      const oldest = this.s.oldestPending.get() as number | null;
      const workers = (this.s.workers.all() as { worker: string; last_seen_at: number; running: number }[]).map((w) => ({
        worker: w.worker,
        lastSeenAt: w.last_seen_at,
        running: w.running,
      }));
      return {
        counts,
        ready,
        delayed: counts.pending - ready,
        oldestPendingAgeMs: oldest === null ? null : now - oldest,
        staleLeases: this.s.countStale.get(now) as number,
        workers,
        dlq: { size: counts.dead, droppedBySize: this.counter('dlq_dropped_size'), droppedByRetention: this.counter('dlq_dropped_retention') },
      };
    });
    const base = read.deferred();
    const depth = base.counts.pending + base.counts.running;
    return {
      ...base,
      backpressure: { paused: this.hysteresis.update(depth), depth, highWater: this.o.highWater, lowWater: this.o.lowWater, maxSize: this.o.maxSize },
    };
  }

  async maintenance(): Promise<MaintenanceResult> {
    this.live();
    return this.tx(() => {
      const now = this.now();
      const reaped = this.reapSync(now);
      const expired = this.deleteJobs("state = 'dead' AND finished_at <= ?", [now - this.o.dlqRetentionMs]);
      this.s.bump.run(expired, 'dlq_dropped_retention');
      const capped = this.enforceDlqCap();
      const checkpointsExpired = this.s.expireCheckpoints.run(now - this.o.checkpointTtlMs).changes;
      const jobsRemoved = this.deleteJobs(
        `id IN (SELECT id FROM queue_jobs WHERE state IN ('completed', 'superseded') AND finished_at <= ? LIMIT ${CLEANUP_BATCH})`,
        [now - this.o.finishedRetentionMs],
      );
      const workersForgotten = this.s.forgetWorkers.run(now - this.o.workerRetentionMs).changes;
      return { reaped, dlqDropped: expired + capped, checkpointsExpired, jobsRemoved, workersForgotten };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDb) this.db.close();
  }

  // ---------------------------------------------------------------- internals

  private enqueueSync<P>(job: JobInput<P>, options: EnqueueOptions, now: number): EnqueueResult<P> {
    const key = options.dedupeKey ?? defaultDedupeKey(job);
    const priority = options.priority ?? 0;
    const maxAttempts = options.maxAttempts ?? this.o.maxAttempts;
    const payload = JSON.stringify(job.payload ?? null);
    // Every job of the subject (few: finished ones are cleaned up), oldest first.
    const subject = this.s.subjectJobs.all(job.sourceId, job.uri) as { id: number; state: JobState; dedupe_key: string }[];
    const newest = subject[subject.length - 1];
    if (!options.force && newest && newest.dedupe_key === key && DEDUPE_STATES.has(newest.state)) {
      const existing = this.row(newest.id)!;
      if (existing.state === 'pending' && priority > existing.priority) {
        this.s.setPriority.run(priority, now, existing.id);
        existing.priority = priority;
        existing.updated_at = now;
      }
      return { job: toJob<P>(existing), outcome: 'deduplicated', superseded: [] };
    }
    const pending = subject.filter((r) => r.state === 'pending');
    const depth = this.depthSync();
    if (depth - pending.length >= this.o.maxSize) throw new QueueFullError(depth, this.o.maxSize);
    const runAt = options.runAt ?? now;
    const id = Number(this.s.insert.run(job.type, job.sourceId, job.uri, job.checksum, key, payload, priority, runAt, maxAttempts, now, now).lastInsertRowid);
    if (pending.length > 0) this.s.supersedePending.run(id, now, now, job.sourceId, job.uri, id);
    if (subject.some((r) => r.state === 'running' || r.state === 'dead')) this.s.flagSuperseded.run(id, now, job.sourceId, job.uri, id);
    const row: JobRow = {
      id,
      type: job.type,
      source_id: job.sourceId,
      uri: job.uri,
      checksum: job.checksum,
      dedupe_key: key,
      payload,
      priority,
      state: 'pending',
      run_at: runAt,
      attempts: 0,
      max_attempts: maxAttempts,
      lease_token: null,
      lease_worker: null,
      lease_ms: null,
      lease_expires_at: null,
      lease_started_at: null,
      superseded_by: null,
      last_error: null,
      dead_reason: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    };
    const superseded = subject.filter((r) => r.state === 'pending' || r.state === 'running').map((r) => String(r.id));
    return { job: toJob<P>(row), outcome: 'created', superseded };
  }

  private claimSync<P>(worker: string, leaseMs: number, options: ClaimOptions, now: number): Lease<P> | undefined {
    this.seen(worker, now);
    const types = options.types ? JSON.stringify(options.types) : null;
    const row = this.s.nextReady.get({ now, types }) as JobRow | undefined;
    if (!row) return undefined;
    const token = randomUUID();
    const attempt = row.attempts + 1;
    const expiresAt = now + leaseMs;
    this.s.start.run(attempt, token, worker, leaseMs, expiresAt, now, now, row.id);
    Object.assign(row, {
      state: 'running',
      attempts: attempt,
      lease_token: token,
      lease_worker: worker,
      lease_ms: leaseMs,
      lease_expires_at: expiresAt,
      lease_started_at: now,
      updated_at: now,
    });
    return { jobId: String(row.id), token, job: toJob<P>(row), worker, attempt, expiresAt, checkpoints: this.checkpointsOf(row.id, now) };
  }

  /** Up to `max` claims (each sees the ones before it running, so subjects stay one job at a time). */
  private claimManySync<P>(worker: string, leaseMs: number, max: number, options: ClaimOptions, now: number): Lease<P>[] {
    const out: Lease<P>[] = [];
    while (out.length < max) {
      const lease = this.claimSync<P>(worker, leaseMs, options, now);
      if (!lease) break;
      out.push(lease);
    }
    return out;
  }

  private completeSync(lease: LeaseRef, now: number): void {
    const row = this.lookup(lease);
    if (settledBy(row, lease)) return;
    this.settleCompleted(this.verify(lease, now, row), now);
  }

  private tx<T>(fn: () => T): T {
    return this.runTx.immediate(fn) as T;
  }

  private now(): number {
    return this.o.clock.now();
  }

  private live(): void {
    if (this.closed) throw new DocgraphError('INTERNAL', 'the job queue is closed');
  }

  private row(id: number): JobRow | undefined {
    return this.s.byId.get(id) as JobRow | undefined;
  }

  private lookup(lease: LeaseRef): JobRow | undefined {
    const id = toRowId(lease.jobId);
    return id === undefined ? undefined : this.row(id);
  }

  /** The running job a lease names, or throws `LeaseLostError`. Runs inside a transaction. */
  private verify(lease: LeaseRef, now: number, row = this.lookup(lease)): JobRow {
    if (!row) throw new LeaseLostError(lease.jobId, 'not-found');
    if (row.state !== 'running' || row.lease_token !== lease.token) throw new LeaseLostError(lease.jobId, 'lost');
    if (row.lease_expires_at! <= now) throw new LeaseLostError(lease.jobId, 'expired');
    return row;
  }

  private settleCompleted(row: JobRow, now: number): void {
    this.s.endAttempt.run({ now, outcome: 'completed', error: null, job: row.id });
    this.s.finish.run('completed', now, now, row.id);
    this.s.dropCheckpoints.run(row.id);
    this.seen(row.lease_worker!, now);
  }

  /** Records that a worker is alive, at most once a second per worker and handle (each write costs a page). */
  private seen(worker: string, now: number): void {
    const last = this.lastSeen.get(worker);
    if (last !== undefined && now >= last && now - last < SEEN_RESOLUTION_MS) return;
    if (this.lastSeen.size >= 10_000) this.lastSeen.clear();
    this.s.touchWorker.run(worker, now);
    this.lastSeen.set(worker, now);
  }

  private toDead(row: JobRow, reason: DeadReason, error: JobError, now: number): FailResult {
    this.s.bury.run(reason, JSON.stringify(error), now, now, row.id);
    this.enforceDlqCap();
    return { state: 'dead' };
  }

  /** Drops the oldest dead jobs beyond `dlqMaxSize`; returns how many. */
  private enforceDlqCap(): number {
    const excess = this.countsSync().dead - this.o.dlqMaxSize;
    if (excess <= 0) return 0;
    const dropped = this.deleteJobs("id IN (SELECT id FROM queue_jobs WHERE state = 'dead' ORDER BY finished_at, id LIMIT ?)", [excess]);
    this.s.bump.run(dropped, 'dlq_dropped_size');
    return dropped;
  }

  private reapSync(now: number): ReapResult {
    const result: ReapResult = { requeued: [], dead: [], superseded: [] };
    for (const row of this.s.expired.all(now, REAP_BATCH) as JobRow[]) {
      const error = leaseExpiredError(row.lease_worker);
      const json = JSON.stringify(error);
      this.s.endAttempt.run({ now, outcome: 'expired', error: json, job: row.id });
      if (row.superseded_by !== null) {
        this.s.retire.run(json, now, now, row.id);
        result.superseded.push(String(row.id));
      } else if (row.attempts >= row.max_attempts) {
        this.toDead(row, 'max-attempts', error, now);
        result.dead.push(String(row.id));
      } else {
        this.s.requeue.run(now + backoffDelay(row.attempts, this.o.backoff, this.o.random), json, now, row.id);
        result.requeued.push(String(row.id));
      }
    }
    return result;
  }

  private getSync<P = unknown>(id: string): JobDetails<P> | undefined {
    const rowId = toRowId(id);
    const row = rowId === undefined ? undefined : this.row(rowId);
    if (!row) return undefined;
    const history = (this.s.attempts.all(row.id) as AttemptRow[]).map(
      (a): AttemptRecord => ({
        attempt: a.attempt,
        worker: a.worker,
        startedAt: a.started_at,
        endedAt: a.ended_at,
        outcome: a.outcome,
        error: a.error === null ? null : (JSON.parse(a.error) as JobError),
      }),
    );
    if (row.state === 'running') {
      history.push({ attempt: row.attempts, worker: row.lease_worker!, startedAt: row.lease_started_at!, endedAt: null, outcome: null, error: null });
    }
    return { ...toJob<P>(row), history, checkpoints: this.checkpointsOf(row.id, this.now()) };
  }

  private checkpointsOf(id: number, now: number): Checkpoint[] {
    return (this.s.checkpoints.all(id, now - this.o.checkpointTtlMs) as { step: string; payload: string; recorded_at: number }[]).map((c) => ({
      step: c.step,
      payload: JSON.parse(c.payload) as unknown,
      recordedAt: c.recorded_at,
    }));
  }

  private countsSync(): QueueCounts {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as QueueCounts;
    for (const r of this.s.counts.all() as { state: JobState; n: number }[]) counts[r.state] = r.n;
    return counts;
  }

  private depthSync(): number {
    return this.s.depth.get() as number;
  }

  private counter(name: string): number {
    return (this.s.counter.get(name) as number | undefined) ?? 0;
  }

  private listDead(options: DeadLetterListOptions = {}): Job[] {
    this.live();
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 50), 0), 1_000);
    const offset = Math.max(Math.floor(options.offset ?? 0), 0);
    return (this.s.listDead.all(limit, offset) as JobRow[]).map((r) => toJob(r));
  }

  private retryDead(id: string): 'requeued' | 'superseded' | 'not-found' {
    const rowId = toRowId(id);
    const row = rowId === undefined ? undefined : this.row(rowId);
    if (!row || row.state !== 'dead') return 'not-found';
    const now = this.now();
    if (row.superseded_by !== null || this.s.hasNewer.get(row.source_id, row.uri, row.id)) {
      this.s.finish.run('superseded', now, now, row.id);
      return 'superseded';
    }
    this.s.resurrect.run(now, now, row.id);
    return 'requeued';
  }

  private retryAllDead(): { requeued: number; superseded: number } {
    const out = { requeued: 0, superseded: 0 };
    for (const id of this.s.deadIds.all() as number[]) {
      const r = this.retryDead(String(id));
      if (r !== 'not-found') out[r]++;
    }
    return out;
  }

  private purgeDead(olderThanMs: number): number {
    this.live();
    if (!(olderThanMs >= 0)) throw new InvalidInputError('olderThanMs must be >= 0', { field: 'olderThanMs' });
    return this.tx(() => this.deleteJobs("state = 'dead' AND finished_at <= ?", [this.now() - olderThanMs]));
  }

  /** Deletes the jobs matching `where` (over queue_jobs) with their attempts and checkpoints; returns how many jobs. */
  private deleteJobs(where: string, params: unknown[]): number {
    const ids = this.db.prepare(`SELECT id FROM queue_jobs WHERE ${where}`).pluck().all(...params) as number[];
    for (const id of ids) {
      this.s.deleteAttempts.run(id);
      this.s.dropCheckpoints.run(id);
      this.s.deleteJob.run(id);
    }
    return ids.length;
  }
}

function prepare(db: Database.Database) {
  const p = (sql: string): Database.Statement => db.prepare(sql);
  return {
    byId: p('SELECT * FROM queue_jobs WHERE id = ?'),
    subjectJobs: p('SELECT id, state, dedupe_key FROM queue_jobs WHERE source_id = ? AND uri = ? ORDER BY id'),
    hasNewer: p('SELECT 1 FROM queue_jobs WHERE source_id = ? AND uri = ? AND id > ? LIMIT 1').pluck(),
    setPriority: p('UPDATE queue_jobs SET priority = ?, updated_at = ? WHERE id = ?'),
    insert: p(
      `INSERT INTO queue_jobs (type, source_id, uri, checksum, dedupe_key, payload, priority, state, run_at, max_attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    ),
    supersedePending: p(
      `UPDATE queue_jobs SET state = 'superseded', superseded_by = ?, finished_at = ?, updated_at = ?
       WHERE source_id = ? AND uri = ? AND state = 'pending' AND id <> ?`,
    ),
    flagSuperseded: p(
      `UPDATE queue_jobs SET superseded_by = ?, updated_at = ?
       WHERE source_id = ? AND uri = ? AND state IN ('running', 'dead') AND id < ?`,
    ),
    nextReady: p(
      `SELECT * FROM queue_jobs j
       WHERE j.state = 'pending' AND j.run_at <= @now
         AND (@types IS NULL OR j.type IN (SELECT value FROM json_each(@types)))
         AND NOT EXISTS (SELECT 1 FROM queue_jobs r WHERE r.source_id = j.source_id AND r.uri = j.uri AND r.state = 'running')
       ORDER BY j.priority DESC, j.run_at, j.id
       LIMIT 1`,
    ),
    start: p(
      `UPDATE queue_jobs SET state = 'running', attempts = ?, lease_token = ?, lease_worker = ?, lease_ms = ?, lease_expires_at = ?,
         lease_started_at = ?, updated_at = ?
       WHERE id = ?`,
    ),
    /** Records the attempt that just ended; the running attempt lives in the job row. */
    endAttempt: p(
      `INSERT INTO queue_attempts (job_id, n, attempt, worker, started_at, ended_at, outcome, error)
       SELECT id, (SELECT COALESCE(MAX(n), 0) + 1 FROM queue_attempts WHERE job_id = @job), attempts, lease_worker, lease_started_at, @now, @outcome, @error
       FROM queue_jobs WHERE id = @job AND state = 'running'`,
    ),
    attempts: p('SELECT attempt, worker, started_at, ended_at, outcome, error FROM queue_attempts WHERE job_id = ? ORDER BY n'),
    touchWorker: p(
      `INSERT INTO queue_workers (worker, last_seen_at) VALUES (?, ?)
       ON CONFLICT(worker) DO UPDATE SET last_seen_at = MAX(last_seen_at, excluded.last_seen_at)`,
    ),
    extend: p('UPDATE queue_jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ?'),
    /** Completed, or superseded at completion: the lease token stays so a repeated `complete` is a no-op. */
    finish: p('UPDATE queue_jobs SET state = ?, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ?'),
    /** Superseded after a failure, expiry or release. */
    retire: p(
      `UPDATE queue_jobs SET state = 'superseded', last_error = ?, lease_token = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
       WHERE id = ?`,
    ),
    bury: p(
      `UPDATE queue_jobs SET state = 'dead', dead_reason = ?, last_error = ?, lease_token = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
       WHERE id = ?`,
    ),
    requeue: p(
      `UPDATE queue_jobs SET state = 'pending', run_at = ?, last_error = ?, lease_token = NULL, lease_worker = NULL, lease_ms = NULL,
         lease_expires_at = NULL, lease_started_at = NULL, updated_at = ?
       WHERE id = ?`,
    ),
    giveBack: p(
      `UPDATE queue_jobs SET state = 'pending', attempts = attempts - 1, run_at = ?, lease_token = NULL, lease_worker = NULL, lease_ms = NULL,
         lease_expires_at = NULL, lease_started_at = NULL, updated_at = ?
       WHERE id = ?`,
    ),
    resurrect: p(
      `UPDATE queue_jobs SET state = 'pending', attempts = 0, run_at = ?, dead_reason = NULL, finished_at = NULL, updated_at = ?
       WHERE id = ?`,
    ),
    expired: p("SELECT * FROM queue_jobs WHERE state = 'running' AND lease_expires_at <= ? ORDER BY lease_expires_at LIMIT ?"),
    putCheckpoint: p(
      `INSERT INTO queue_checkpoints (job_id, step, seq, payload, recorded_at)
       VALUES (?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM queue_checkpoints WHERE job_id = ?), ?, ?)
       ON CONFLICT(job_id, step) DO UPDATE SET seq = excluded.seq, payload = excluded.payload, recorded_at = excluded.recorded_at`,
    ),
    checkpoints: p('SELECT step, payload, recorded_at FROM queue_checkpoints WHERE job_id = ? AND recorded_at > ? ORDER BY seq'),
    dropCheckpoints: p('DELETE FROM queue_checkpoints WHERE job_id = ?'),
    expireCheckpoints: p('DELETE FROM queue_checkpoints WHERE recorded_at <= ?'),
    deleteAttempts: p('DELETE FROM queue_attempts WHERE job_id = ?'),
    deleteJob: p('DELETE FROM queue_jobs WHERE id = ?'),
    counts: p('SELECT state, n FROM queue_state_counts'),
    depth: p("SELECT COALESCE(SUM(n), 0) FROM queue_state_counts WHERE state IN ('pending', 'running')").pluck(),
    countReady: p("SELECT COUNT(*) FROM queue_jobs WHERE state = 'pending' AND run_at <= ?").pluck(),
    oldestPending: p("SELECT MIN(created_at) FROM queue_jobs WHERE state = 'pending'").pluck(),
    countStale: p("SELECT COUNT(*) FROM queue_jobs WHERE state = 'running' AND lease_expires_at <= ?").pluck(),
    workers: p(
      `SELECT w.worker, w.last_seen_at,
         (SELECT COUNT(*) FROM queue_jobs j WHERE j.state = 'running' AND j.lease_worker = w.worker) AS running
       FROM queue_workers w ORDER BY w.worker`,
    ),
    forgetWorkers: p(
      `DELETE FROM queue_workers WHERE last_seen_at <= ?
         AND NOT EXISTS (SELECT 1 FROM queue_jobs j WHERE j.state = 'running' AND j.lease_worker = queue_workers.worker)`,
    ),
    listDead: p("SELECT * FROM queue_jobs WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT ? OFFSET ?"),
    deadIds: p("SELECT id FROM queue_jobs WHERE state = 'dead' ORDER BY finished_at, id").pluck(),
    counter: p('SELECT value FROM queue_counters WHERE name = ?').pluck(),
    bump: p('UPDATE queue_counters SET value = value + ? WHERE name = ?'),
  };
}

