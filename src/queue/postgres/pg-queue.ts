import { randomUUID } from 'node:crypto';
import { DocgraphError, InvalidInputError } from '../../domain/errors.js';
import type { Queryable, PgDatabase } from '../../store/postgres/database.js';
import { migrate } from '../../store/postgres/database.js';
import type { IndexChange } from '../../store/store.js';
import { backoffDelay } from '../backoff.js';
import { LeaseLostError, QueueFullError } from '../errors.js';
import { checkBatchMax, checkClaim, positiveMs, settledBy, toJob, toRowId, validateJob, type JobRow } from '../job-row.js';
import { encodeCheckpoint, Hysteresis, isRetryable, leaseExpiredError, resolveQueueOptions, toJobError, type ResolvedQueueOptions } from '../policy.js';
import {
  defaultDedupeKey,
  JOB_STATES,
  type AttemptOutcome,
  type AttemptRecord,
  type BackpressureState,
  type BatchSettleResult,
  type Checkpoint,
  type ClaimOptions,
  type CommitResult,
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
import { PG_QUEUE_MIGRATIONS } from './migrations.js';

/** The index a queue commits job changes to, in the queue's own transaction (PgStore is one). */
export interface PgIndex {
  readonly database: PgDatabase;
  applyChange(c: Queryable, change: IndexChange): Promise<boolean>;
}

export interface PgQueueOptions extends QueueOptions {
  /** The database (the store's pool): the queue's tables live in its schema. Not closed by `close`. */
  db: PgDatabase;
  /** The index in the same schema: `commitJob` applies a job's change to it in the transaction that completes the job. */
  index?: PgIndex;
}

interface AttemptRow {
  attempt: number;
  worker: string;
  started_at: number;
  ended_at: number;
  outcome: AttemptOutcome;
  error: string | null;
}

const DEDUPE_STATES: ReadonlySet<JobState> = new Set(['pending', 'running', 'completed', 'dead']);
/** Expired leases handled per reap call (every loop has a bound); call again for more. */
const REAP_BATCH = 1_000;
/** Finished jobs removed per maintenance call. */
const CLEANUP_BATCH = 10_000;
/** `WorkerSeen.lastSeenAt` is exact to this many ms. */
const SEEN_RESOLUTION_MS = 1_000;
/** The database's clock in epoch ms. */
const DB_NOW = 'SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now';
/** Now in a statement: $1 (an injected clock's time) or the database's clock. */
const NOW_EXPR = 'COALESCE($1::bigint, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)';

/**
 * A transaction that changes only queue state a lease can recover (a claim, a
 * heartbeat, a completion without an index write) does not wait for its
 * commit to reach disk: a server crash may forget its last ~0.6 s of them,
 * which the leases make safe (a forgotten claim is claimed again; the old
 * holder's commitJob then fails with LEASE_LOST and writes nothing; a
 * forgotten completion is redone by an idempotent handler). `commitJob`,
 * which writes the index, and everything else keep the durable default.
 */
const RELAXED = { relaxed: true } as const;

const END_ATTEMPT = `INSERT INTO queue_attempts (job_id, n, attempt, worker, started_at, ended_at, outcome, error)
  SELECT id, (SELECT COALESCE(MAX(n), 0) + 1 FROM queue_attempts WHERE job_id = $1), attempts, lease_worker, lease_started_at, $2, $3, $4
  FROM queue_jobs WHERE id = $1 AND state = 'running'`;
const FINISH = 'UPDATE queue_jobs SET state = $1, lease_expires_at = NULL, finished_at = $2, updated_at = $2 WHERE id = $3';
const RETIRE = `UPDATE queue_jobs SET state = 'superseded', last_error = $1, lease_token = NULL, lease_expires_at = NULL, finished_at = $2, updated_at = $2 WHERE id = $3`;
const REQUEUE = `UPDATE queue_jobs SET state = 'pending', run_at = $1, last_error = $2, lease_token = NULL, lease_worker = NULL, lease_ms = NULL,
  lease_expires_at = NULL, lease_started_at = NULL, updated_at = $3 WHERE id = $4`;

/**
 * The scale-out JobQueue: tables `queue_*` in the index's PostgreSQL schema.
 * Claims take the best ready job with `FOR UPDATE SKIP LOCKED`, so claimers
 * in many processes never wait for each other nor get the same job; every
 * state change locks the job's row first (a lease is checked under that
 * lock), and the jobs of one subject are enqueued under an advisory lock on
 * the subject. Times come from the database's clock (one clock for every
 * worker on every host), unless a `clock` is given (tests).
 */
export class PgJobQueue implements JobQueue {
  readonly dlq: DeadLetterQueue;
  private readonly db: PgDatabase;
  private readonly index: PgIndex | undefined;
  private readonly o: ResolvedQueueOptions;
  private readonly clockGiven: boolean;
  private readonly hysteresis: Hysteresis;
  private readonly lastSeen = new Map<string, number>();
  private closed = false;
  private readonly rows: Rows = (sql, params) => this.db.query(sql, params);

  private constructor(options: PgQueueOptions) {
    this.o = resolveQueueOptions(options);
    this.clockGiven = options.clock !== undefined;
    this.hysteresis = new Hysteresis(this.o.highWater, this.o.lowWater);
    this.db = options.index?.database ?? options.db;
    if (options.index && options.index.database !== options.db) throw new InvalidInputError('PgJobQueue: index and db must be the same database', { field: 'db' });
    this.index = options.index;
    this.dlq = {
      list: (opts) => this.listDead(opts),
      show: (id) => this.get(id),
      retry: async (id) => {
        this.live();
        return this.tx(async (c) => this.retryDead(c, id, await this.now(c)));
      },
      retryAll: async () => {
        this.live();
        return this.tx(async (c) => {
          const now = await this.now(c);
          const out = { requeued: 0, superseded: 0 };
          const ids = (await c.query<{ id: number }>("SELECT id FROM queue_jobs WHERE state = 'dead' ORDER BY finished_at, id")).rows;
          for (const { id } of ids) {
            const r = await this.retryDead(c, String(id), now);
            if (r !== 'not-found') out[r]++;
          }
          return out;
        });
      },
      purge: (olderThanMs) => this.purgeDead(olderThanMs),
      size: async () => (await this.counts()).dead,
    };
  }

  /** Creates or migrates the queue's tables in the database's schema (once per process is enough; safe against concurrent openers). */
  static async migrate(db: PgDatabase): Promise<void> {
    await migrate(db, 'queue', PG_QUEUE_MIGRATIONS);
  }

  /** Opens the queue on a database whose queue tables exist (see `migrate`). */
  static open(options: PgQueueOptions): PgJobQueue {
    return new PgJobQueue(options);
  }

  async enqueue<P>(job: JobInput<P>, options: EnqueueOptions = {}): Promise<EnqueueResult<P>> {
    this.live();
    validateJob(job, options);
    return this.tx(async (c) => this.enqueueIn(c, job, options, await this.now(c), { depth: undefined }));
  }

  async enqueueMany<P>(items: readonly { job: JobInput<P>; options?: EnqueueOptions }[]): Promise<EnqueueResult<P>[]> {
    this.live();
    for (const item of items) validateJob(item.job, item.options ?? {});
    if (items.length === 0) return [];
    return this.tx(async (c) => {
      const now = await this.now(c);
      // subjects locked in one order, so two batches over the same subjects cannot deadlock
      const subjects = [...new Set(items.map((i) => subjectKey(i.job)))].sort();
      await c.query('SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest($1::text[]) AS k ORDER BY k', [subjects]);
      const out: EnqueueResult<P>[] = [];
      const tally = { depth: undefined as number | undefined };
      for (const item of items) out.push(await this.enqueueIn(c, item.job, item.options ?? {}, now, tally));
      if (items.length >= ANALYZE_BATCH && tally.depth !== undefined) await analyzeIfStale(c, tally.depth);
      return out;
    });
  }

  async claim<P = unknown>(worker: string, leaseMs: number, options: ClaimOptions = {}): Promise<Lease<P> | undefined> {
    this.live();
    checkClaim(worker, leaseMs);
    const token = randomUUID();
    const { params, see } = this.claimParams(worker, leaseMs, token, options);
    // one statement, one round trip: no BEGIN/COMMIT around it
    const r = (await this.db.query<ClaimRow>(CLAIM, params, 'docgraph_claim'))[0]!;
    if (see !== undefined) this.lastSeen.set(worker, see);
    return toLease<P>(r, token, worker);
  }

  async completeAndClaim<P = unknown>(lease: LeaseRef, worker: string, leaseMs: number, options: ClaimOptions = {}): Promise<Lease<P> | undefined> {
    this.live();
    checkClaim(worker, leaseMs);
    const token = randomUUID();
    const { params, see } = this.claimParams(worker, leaseMs, token, options);
    // the completion, its attempt record, and the next claim: one statement, one round trip
    const r = (
      await this.db.query<ClaimRow & { completed: boolean; settled: boolean; cur: Pick<JobRow, 'state' | 'lease_token' | 'lease_expires_at'> | null }>(
        COMPLETE_AND_CLAIM,
        [...params, toRowId(lease.jobId) ?? 0, lease.token],
        'docgraph_complete_and_claim',
      )
    )[0]!;
    if (!r.completed && !r.settled) {
      // nothing was changed; say why, as verify does
      if (!r.cur) throw new LeaseLostError(lease.jobId, 'not-found');
      if (r.cur.state !== 'running' || r.cur.lease_token !== lease.token) throw new LeaseLostError(lease.jobId, 'lost');
      throw new LeaseLostError(lease.jobId, 'expired');
    }
    if (see !== undefined) this.lastSeen.set(worker, see);
    return toLease<P>(r, token, worker);
  }

  async claimBatch<P = unknown>(worker: string, leaseMs: number, max: number, options: ClaimOptions = {}): Promise<Lease<P>[]> {
    this.live();
    checkClaim(worker, leaseMs);
    checkBatchMax(max, 1);
    const token = randomUUID();
    const { params, see } = this.claimParams(worker, leaseMs, token, options);
    // one statement: up to max jobs leased, each with its own token (the statement's token + its row id)
    const rows = await this.db.query<ClaimRow>(CLAIM_BATCH, [...params, max], 'docgraph_claim_batch');
    if (see !== undefined) this.lastSeen.set(worker, see);
    return leasesOf<P>(rows, worker);
  }

  async completeAndClaimBatch<P = unknown>(leases: readonly LeaseRef[], worker: string, leaseMs: number, max: number, options: ClaimOptions = {}): Promise<BatchSettleResult<P>> {
    this.live();
    checkClaim(worker, leaseMs);
    checkBatchMax(max, 0);
    const token = randomUUID();
    const { params, see } = this.claimParams(worker, leaseMs, token, options);
    // every completion (attempt recorded, checkpoints dropped) and the next claims: one statement, one round trip
    const rows = await this.db.query<ClaimRow & { completed_ids: string[]; cur: Pick<JobRow, 'id' | 'state' | 'lease_token' | 'lease_expires_at'>[] | null }>(
      COMPLETE_AND_CLAIM_BATCH,
      [...params, max, leases.map((l) => toRowId(l.jobId) ?? 0), leases.map((l) => l.token)],
      'docgraph_complete_and_claim_batch',
    );
    if (see !== undefined) this.lastSeen.set(worker, see);
    const first = rows[0]!;
    const done = new Set(first.completed_ids);
    const cur = new Map((first.cur ?? []).map((r) => [String(r.id), r]));
    const completed: string[] = [];
    const lost: LeaseLostError[] = [];
    for (const lease of leases) {
      const id = String(toRowId(lease.jobId) ?? 0);
      const row = cur.get(id);
      if (done.has(`${id} ${lease.token}`)) completed.push(lease.jobId);
      else if (!row) lost.push(new LeaseLostError(lease.jobId, 'not-found'));
      else if (row.lease_token === lease.token && (row.state === 'completed' || row.state === 'superseded')) completed.push(lease.jobId); // settled by this lease before
      else if (row.state !== 'running' || row.lease_token !== lease.token) lost.push(new LeaseLostError(lease.jobId, 'lost'));
      else lost.push(new LeaseLostError(lease.jobId, 'expired'));
    }
    return { completed, lost, leases: leasesOf<P>(rows, worker) };
  }

  async heartbeat(lease: LeaseRef, leaseMs?: number): Promise<HeartbeatResult> {
    this.live();
    if (leaseMs !== undefined) positiveMs('leaseMs', leaseMs);
    return this.tx(async (c) => {
      const { row: found, now } = await this.lockRow(c, lease);
      const row = await this.verify(c, lease, now, found);
      const expiresAt = now + (leaseMs ?? row.lease_ms!);
      await c.query('UPDATE queue_jobs SET lease_expires_at = $1, updated_at = $2 WHERE id = $3', [expiresAt, now, row.id]);
      await this.seen(c, row.lease_worker!, now);
      return { expiresAt, supersededBy: row.superseded_by === null ? null : String(row.superseded_by) };
    }, RELAXED);
  }

  async checkpoint(lease: LeaseRef, step: string, payload?: unknown): Promise<void> {
    this.live();
    const json = encodeCheckpoint(step, payload);
    await this.tx(async (c) => {
      const now = await this.now(c);
      const row = await this.verify(c, lease, now);
      await c.query(
        `INSERT INTO queue_checkpoints (job_id, step, seq, payload, recorded_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM queue_checkpoints WHERE job_id = $1), $3, $4)
         ON CONFLICT (job_id, step) DO UPDATE SET seq = excluded.seq, payload = excluded.payload, recorded_at = excluded.recorded_at`,
        [row.id, step, json, now],
      );
    });
  }

  async complete(lease: LeaseRef): Promise<void> {
    this.live();
    await this.tx(async (c) => {
      await this.completeIn(c, lease);
    }, RELAXED);
  }

  async commitJob(lease: LeaseRef, change: IndexChange): Promise<CommitResult> {
    this.live();
    const index = this.index;
    if (!index && change.kind !== 'none') {
      throw new DocgraphError('INTERNAL', `this job queue was opened without the index it commits to; cannot apply a ${change.kind}`);
    }
    return this.tx(async (c): Promise<CommitResult> => {
      const { row: found, now } = await this.lockRow(c, lease);
      if (settledBy(found, lease)) throw new LeaseLostError(lease.jobId, 'lost');
      const row = await this.verify(c, lease, now, found);
      if (row.superseded_by !== null) {
        await c.query(END_ATTEMPT, [row.id, now, 'superseded', null]);
        await c.query(FINISH, ['superseded', now, row.id]);
        return { state: 'superseded' };
      }
      // the index change and the completion: one transaction, one commit
      const changed = index ? await index.applyChange(c, change) : false;
      await this.settleCompleted(c, row, now);
      return { state: 'completed', changed };
    });
  }

  async fail(lease: LeaseRef, error: unknown, options: FailOptions = {}): Promise<FailResult> {
    this.live();
    if (options.delayMs !== undefined && !(options.delayMs >= 0)) throw new InvalidInputError('delayMs must be >= 0', { field: 'delayMs' });
    const retryable = isRetryable(error, options.retryable);
    const recorded = toJobError(error, retryable);
    const json = JSON.stringify(recorded);
    return this.tx(async (c): Promise<FailResult> => {
      const now = await this.now(c);
      const row = await this.verify(c, lease, now);
      if (row.superseded_by !== null) {
        await c.query(END_ATTEMPT, [row.id, now, 'superseded', json]);
        await c.query(RETIRE, [json, now, row.id]);
        return { state: 'superseded' };
      }
      await c.query(END_ATTEMPT, [row.id, now, 'failed', json]);
      if (!retryable) return this.toDead(c, row, 'permanent-error', recorded, now);
      if (row.attempts >= row.max_attempts) return this.toDead(c, row, 'max-attempts', recorded, now);
      const runAt = now + (options.delayMs ?? backoffDelay(row.attempts, this.o.backoff, this.o.random));
      await c.query(REQUEUE, [runAt, json, now, row.id]);
      return { state: 'pending', runAt };
    });
  }

  async release(lease: LeaseRef, options: ReleaseOptions = {}): Promise<void> {
    this.live();
    const delay = options.delayMs ?? 0;
    if (!(delay >= 0)) throw new InvalidInputError('delayMs must be >= 0', { field: 'delayMs' });
    await this.tx(async (c) => {
      const now = await this.now(c);
      const row = await this.verify(c, lease, now);
      await c.query(END_ATTEMPT, [row.id, now, 'released', null]);
      if (row.superseded_by !== null) await c.query(RETIRE, [row.last_error, now, row.id]);
      else {
        await c.query(
          `UPDATE queue_jobs SET state = 'pending', attempts = attempts - 1, run_at = $1, lease_token = NULL, lease_worker = NULL, lease_ms = NULL,
             lease_expires_at = NULL, lease_started_at = NULL, updated_at = $2 WHERE id = $3`,
          [now + delay, now, row.id],
        );
      }
    });
  }

  async reap(): Promise<ReapResult> {
    this.live();
    return this.tx(async (c) => this.reapIn(c, await this.now(c)));
  }

  async expireStale(olderThanMs: number, apply: boolean): Promise<StaleLeases> {
    this.live();
    if (!(olderThanMs >= 0)) throw new InvalidInputError('olderThanMs must be >= 0', { field: 'olderThanMs' });
    return this.tx(async (c) => {
      const now = await this.now(c);
      const rows = (
        await c.query<JobRow>(
          `SELECT * FROM queue_jobs WHERE state = 'running' AND (lease_expires_at <= $1 OR lease_started_at <= $2) ORDER BY id LIMIT $3 ${apply ? 'FOR UPDATE' : ''}`,
          [now, now - olderThanMs, REAP_BATCH],
        )
      ).rows;
      const stale = rows.map((r) => toJob(r));
      if (!apply) return { stale };
      if (rows.length > 0) await c.query('UPDATE queue_jobs SET lease_expires_at = $1 WHERE id = ANY($2::bigint[])', [now, rows.map((r) => r.id)]);
      return { stale, reaped: await this.reapIn(c, now) };
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
      params.push([...options.states]);
      where.push(`state = ANY($${params.length}::text[])`);
    }
    if (options.ids) {
      const ids = options.ids.map(toRowId).filter((id): id is number => id !== undefined);
      if (ids.length === 0) return [];
      params.push(ids);
      where.push(`id = ANY($${params.length}::bigint[])`);
    }
    params.push(limit, offset);
    const sql = `SELECT * FROM queue_jobs ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.db.query<JobRow>(sql, params)).map((r) => toJob(r));
  }

  async get<P = unknown>(id: string): Promise<JobDetails<P> | undefined> {
    this.live();
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const row = (await c.query<JobRow>('SELECT * FROM queue_jobs WHERE id = $1', [rowId])).rows[0];
      if (!row) return undefined;
      const now = await this.now(c);
      const history = (
        await c.query<AttemptRow>('SELECT attempt, worker, started_at, ended_at, outcome, error FROM queue_attempts WHERE job_id = $1 ORDER BY n', [row.id])
      ).rows.map(
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
      return { ...toJob<P>(row), history, checkpoints: await this.checkpointsOf(c, row.id, now) };
    });
  }

  async depth(): Promise<number> {
    this.live();
    return depthIn(this.rows);
  }

  async counts(): Promise<QueueCounts> {
    this.live();
    return countsIn(this.rows);
  }

  async shouldPause(): Promise<boolean> {
    return (await this.backpressure()).paused;
  }

  async backpressure(): Promise<BackpressureState> {
    this.live();
    const depth = await depthIn(this.rows);
    return { paused: this.hysteresis.update(depth), depth, highWater: this.o.highWater, lowWater: this.o.lowWater, maxSize: this.o.maxSize };
  }

  async stats(): Promise<QueueStats> {
    this.live();
    const base = await this.tx(async (c) => {
      // one snapshot, so the numbers agree with each other
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const now = await this.now(c);
      const counts = await countsIn(rowsOf(c));
      const one = async (sql: string, params: unknown[] = []): Promise<number | null> => {
        const v = Object.values((await c.query(sql, params)).rows[0] ?? {})[0];
        return v === null || v === undefined ? null : Number(v);
      };
      const ready = (await one("SELECT COUNT(*) FROM queue_jobs WHERE state = 'pending' AND run_at <= $1", [now])) ?? 0;
      const oldest = await one("SELECT MIN(created_at) FROM queue_jobs WHERE state = 'pending'");
      const workers = (
        await c.query<{ worker: string; last_seen_at: number; running: number }>(
          `SELECT w.worker, w.last_seen_at, (SELECT COUNT(*)::int FROM queue_jobs j WHERE j.state = 'running' AND j.lease_worker = w.worker) AS running
           FROM queue_workers w ORDER BY w.worker`,
        )
      ).rows.map((w) => ({ worker: w.worker, lastSeenAt: w.last_seen_at, running: w.running }));
      const counter = async (name: string): Promise<number> => (await one('SELECT value FROM queue_counters WHERE name = $1', [name])) ?? 0;
      return {
        counts,
        ready,
        delayed: counts.pending - ready,
        oldestPendingAgeMs: oldest === null ? null : now - oldest,
        staleLeases: (await one("SELECT COUNT(*) FROM queue_jobs WHERE state = 'running' AND lease_expires_at <= $1", [now])) ?? 0,
        workers,
        dlq: { size: counts.dead, droppedBySize: await counter('dlq_dropped_size'), droppedByRetention: await counter('dlq_dropped_retention') },
      };
    });
    const depth = base.counts.pending + base.counts.running;
    return { ...base, backpressure: { paused: this.hysteresis.update(depth), depth, highWater: this.o.highWater, lowWater: this.o.lowWater, maxSize: this.o.maxSize } };
  }

  async maintenance(): Promise<MaintenanceResult> {
    this.live();
    return this.tx(async (c) => {
      const now = await this.now(c);
      const reaped = await this.reapIn(c, now);
      const expired = await this.deleteJobs(c, "state = 'dead' AND finished_at <= $1", [now - this.o.dlqRetentionMs]);
      await c.query("UPDATE queue_counters SET value = value + $1 WHERE name = 'dlq_dropped_retention'", [expired]);
      const capped = await this.enforceDlqCap(c);
      const checkpointsExpired = (await c.query('DELETE FROM queue_checkpoints WHERE recorded_at <= $1', [now - this.o.checkpointTtlMs])).rowCount ?? 0;
      const jobsRemoved = await this.deleteJobs(
        c,
        `id IN (SELECT id FROM queue_jobs WHERE state IN ('completed', 'superseded') AND finished_at <= $1 LIMIT ${CLEANUP_BATCH})`,
        [now - this.o.finishedRetentionMs],
      );
      const workersForgotten =
        (
          await c.query(
            `DELETE FROM queue_workers w WHERE w.last_seen_at <= $1
               AND NOT EXISTS (SELECT 1 FROM queue_jobs j WHERE j.state = 'running' AND j.lease_worker = w.worker)`,
            [now - this.o.workerRetentionMs],
          )
        ).rowCount ?? 0;
      return { reaped, dlqDropped: expired + capped, checkpointsExpired, jobsRemoved, workersForgotten };
    });
  }

  /** Idempotent. Does not close the database (the store owns it). */
  async close(): Promise<void> {
    this.closed = true;
  }

  // ---------------------------------------------------------------- internals

  /** `tally.depth`: the queue's depth, counted once per transaction and kept up to date by each enqueue in it. */
  private async enqueueIn<P>(c: Queryable, job: JobInput<P>, options: EnqueueOptions, now: number, tally: { depth: number | undefined }): Promise<EnqueueResult<P>> {
    const key = options.dedupeKey ?? defaultDedupeKey(job);
    const priority = options.priority ?? 0;
    const maxAttempts = options.maxAttempts ?? this.o.maxAttempts;
    const payload = JSON.stringify(job.payload ?? null);
    // one enqueuer per subject at a time; the subject's rows are locked too, so a claim in flight finishes first
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [subjectKey(job)]);
    const subject = (
      await c.query<{ id: number; state: JobState; dedupe_key: string }>('SELECT id, state, dedupe_key FROM queue_jobs WHERE source_id = $1 AND uri = $2 ORDER BY id FOR UPDATE', [
        job.sourceId,
        job.uri,
      ])
    ).rows;
    const newest = subject[subject.length - 1];
    if (!options.force && newest && newest.dedupe_key === key && DEDUPE_STATES.has(newest.state)) {
      const existing = (await c.query<JobRow>('SELECT * FROM queue_jobs WHERE id = $1', [newest.id])).rows[0]!;
      if (existing.state === 'pending' && priority > existing.priority) {
        await c.query('UPDATE queue_jobs SET priority = $1, updated_at = $2 WHERE id = $3', [priority, now, existing.id]);
        existing.priority = priority;
        existing.updated_at = now;
      }
      return { job: toJob<P>(existing), outcome: 'deduplicated', superseded: [] };
    }
    const pending = subject.filter((r) => r.state === 'pending');
    const depth = (tally.depth ??= await depthIn(rowsOf(c)));
    if (depth - pending.length >= this.o.maxSize) throw new QueueFullError(depth, this.o.maxSize);
    // this job joins the depth, the pending ones it supersedes leave it
    tally.depth = depth + 1 - pending.length;
    const runAt = options.runAt ?? now;
    const row = (
      await c.query<JobRow>(
        `INSERT INTO queue_jobs (type, source_id, uri, checksum, dedupe_key, payload, priority, state, run_at, max_attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $10) RETURNING *`,
        [job.type, job.sourceId, job.uri, job.checksum, key, payload, priority, runAt, maxAttempts, now],
      )
    ).rows[0]!;
    if (pending.length > 0) {
      await c.query(
        `UPDATE queue_jobs SET state = 'superseded', superseded_by = $1, finished_at = $2, updated_at = $2
         WHERE source_id = $3 AND uri = $4 AND state = 'pending' AND id <> $1`,
        [row.id, now, job.sourceId, job.uri],
      );
    }
    if (subject.some((r) => r.state === 'running' || r.state === 'dead')) {
      await c.query(
        `UPDATE queue_jobs SET superseded_by = $1, updated_at = $2 WHERE source_id = $3 AND uri = $4 AND state IN ('running', 'dead') AND id < $1`,
        [row.id, now, job.sourceId, job.uri],
      );
    }
    const superseded = subject.filter((r) => r.state === 'pending' || r.state === 'running').map((r) => String(r.id));
    return { job: toJob<P>(row), outcome: 'created', superseded };
  }

  /** Completes (a no-op when this lease already did). */
  private async completeIn(c: Queryable, lease: LeaseRef): Promise<void> {
    const { row, now } = await this.lockRow(c, lease);
    if (settledBy(row, lease)) return;
    await this.settleCompleted(c, await this.verify(c, lease, now, row), now);
  }

  private async tx<T>(fn: (c: Queryable) => Promise<T>, options: { relaxed?: boolean } = {}): Promise<T> {
    return this.db.tx(fn, options);
  }

  /** Now, in epoch ms: the injected clock, else the database's. */
  private async now(c: Queryable): Promise<number> {
    if (this.clockGiven) return this.o.clock.now();
    return Number((await c.query<{ now: number }>(DB_NOW)).rows[0]!.now);
  }

  /** The injected clock's time, or null: statements then take the database's (`NOW_EXPR` with this as $1). */
  private clockNow(): number | null {
    return this.clockGiven ? this.o.clock.now() : null;
  }

  private live(): void {
    if (this.closed) throw new DocgraphError('INTERNAL', 'the job queue is closed');
  }

  /** The job a lease names, its row locked until the transaction ends, and the time (one round trip). */
  private async lockRow(c: Queryable, lease: LeaseRef): Promise<{ row: JobRow | undefined; now: number }> {
    const id = toRowId(lease.jobId);
    const rows = (
      await c.query<JobRow & { now_ms: number }>(`SELECT t.now AS now_ms, j.* FROM queue_jobs j, (SELECT ${NOW_EXPR} AS now) t WHERE j.id = $2 FOR UPDATE OF j`, [
        this.clockNow(),
        id ?? 0,
      ])
    ).rows;
    const r = rows[0];
    if (!r) return { row: undefined, now: await this.now(c) };
    const now = Number(r.now_ms);
    const { now_ms: _, ...row } = r;
    return { row: row as JobRow, now };
  }

  /** The running job a lease names (locked), or throws `LeaseLostError`. */
  private async verify(c: Queryable, lease: LeaseRef, now: number, found?: JobRow): Promise<JobRow> {
    const row = found ?? (await this.lockRow(c, lease)).row;
    if (!row) throw new LeaseLostError(lease.jobId, 'not-found');
    if (row.state !== 'running' || row.lease_token !== lease.token) throw new LeaseLostError(lease.jobId, 'lost');
    if (row.lease_expires_at! <= now) throw new LeaseLostError(lease.jobId, 'expired');
    return row;
  }

  private async settleCompleted(c: Queryable, row: JobRow, now: number): Promise<void> {
    // the attempt recorded, the job finished and its checkpoints dropped: one statement
    await c.query(
      `WITH attempt AS (${END_ATTEMPT}),
       gone AS (DELETE FROM queue_checkpoints WHERE job_id = $1)
       UPDATE queue_jobs SET state = 'completed', lease_expires_at = NULL, finished_at = $2, updated_at = $2 WHERE id = $1`,
      [row.id, now, 'completed', null],
    );
    await this.seen(c, row.lease_worker!, now);
  }

  /**
   * The parameters $1 to $7 every claim statement (CLAIM, CLAIM_BATCH and the
   * two complete-and-claim ones) starts with: the clock, the job types, the
   * lease token, the worker, the lease in ms, the checkpoint TTL and whether to
   * record the worker as seen; and `see`, the time to put in `lastSeen` once
   * the statement has run (undefined: not recorded this time).
   */
  private claimParams(worker: string, leaseMs: number, token: string, options: ClaimOptions): { params: unknown[]; see: number | undefined } {
    const see = this.seeing(worker);
    return { params: [this.clockNow(), options.types ? [...options.types] : null, token, worker, leaseMs, this.o.checkpointTtlMs, see !== undefined], see };
  }

  /**
   * Whether a one-statement claim should record that `worker` is alive (at
   * most once a second per worker and handle, as `seen`): the time to note
   * when it does, else undefined. The injected clock's time, or this host's
   * (the statement itself writes the database's).
   */
  private seeing(worker: string): number | undefined {
    const now = this.clockGiven ? this.o.clock.now() : Date.now();
    const last = this.lastSeen.get(worker);
    if (last !== undefined && now >= last && now - last < SEEN_RESOLUTION_MS) return undefined;
    if (this.lastSeen.size >= 10_000) this.lastSeen.clear();
    return now;
  }

  /** Records that a worker is alive, at most once a second per worker and handle. */
  private async seen(c: Queryable, worker: string, now: number): Promise<void> {
    const last = this.lastSeen.get(worker);
    if (last !== undefined && now >= last && now - last < SEEN_RESOLUTION_MS) return;
    if (this.lastSeen.size >= 10_000) this.lastSeen.clear();
    await c.query(
      `INSERT INTO queue_workers (worker, last_seen_at) VALUES ($1, $2)
       ON CONFLICT (worker) DO UPDATE SET last_seen_at = GREATEST(queue_workers.last_seen_at, excluded.last_seen_at)`,
      [worker, now],
    );
    this.lastSeen.set(worker, now);
  }

  private async toDead(c: Queryable, row: JobRow, reason: DeadReason, error: JobError, now: number): Promise<FailResult> {
    await c.query(
      `UPDATE queue_jobs SET state = 'dead', dead_reason = $1, last_error = $2, lease_token = NULL, lease_expires_at = NULL, finished_at = $3, updated_at = $3
       WHERE id = $4`,
      [reason, JSON.stringify(error), now, row.id],
    );
    await this.enforceDlqCap(c);
    return { state: 'dead' };
  }

  /** Drops the oldest dead jobs beyond `dlqMaxSize`; returns how many. */
  private async enforceDlqCap(c: Queryable): Promise<number> {
    const excess = (await countsIn(rowsOf(c))).dead - this.o.dlqMaxSize;
    if (excess <= 0) return 0;
    const dropped = await this.deleteJobs(c, "id IN (SELECT id FROM queue_jobs WHERE state = 'dead' ORDER BY finished_at, id LIMIT $1)", [excess]);
    await c.query("UPDATE queue_counters SET value = value + $1 WHERE name = 'dlq_dropped_size'", [dropped]);
    return dropped;
  }

  private async reapIn(c: Queryable, now: number): Promise<ReapResult> {
    const result: ReapResult = { requeued: [], dead: [], superseded: [] };
    // SKIP LOCKED: reapers in other processes take the other expired leases; each is handled once
    const rows = (
      await c.query<JobRow>("SELECT * FROM queue_jobs WHERE state = 'running' AND lease_expires_at <= $1 ORDER BY lease_expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED", [
        now,
        REAP_BATCH,
      ])
    ).rows;
    for (const row of rows) {
      const error = leaseExpiredError(row.lease_worker);
      const json = JSON.stringify(error);
      await c.query(END_ATTEMPT, [row.id, now, 'expired', json]);
      if (row.superseded_by !== null) {
        await c.query(RETIRE, [json, now, row.id]);
        result.superseded.push(String(row.id));
      } else if (row.attempts >= row.max_attempts) {
        await this.toDead(c, row, 'max-attempts', error, now);
        result.dead.push(String(row.id));
      } else {
        await c.query(REQUEUE, [now + backoffDelay(row.attempts, this.o.backoff, this.o.random), json, now, row.id]);
        result.requeued.push(String(row.id));
      }
    }
    return result;
  }

  private async checkpointsOf(c: Queryable, id: number, now: number): Promise<Checkpoint[]> {
    return (
      await c.query<{ step: string; payload: string; recorded_at: number }>(
        'SELECT step, payload, recorded_at FROM queue_checkpoints WHERE job_id = $1 AND recorded_at > $2 ORDER BY seq',
        [id, now - this.o.checkpointTtlMs],
      )
    ).rows.map((r) => ({ step: r.step, payload: JSON.parse(r.payload) as unknown, recordedAt: r.recorded_at }));
  }

  private async listDead(options: DeadLetterListOptions = {}): Promise<Job[]> {
    this.live();
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 50), 0), 1_000);
    const offset = Math.max(Math.floor(options.offset ?? 0), 0);
    return (await this.db.query<JobRow>("SELECT * FROM queue_jobs WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT $1 OFFSET $2", [limit, offset])).map((r) =>
      toJob(r),
    );
  }

  private async retryDead(c: Queryable, id: string, now: number): Promise<'requeued' | 'superseded' | 'not-found'> {
    const rowId = toRowId(id);
    const seen = rowId === undefined ? undefined : (await c.query<JobRow>('SELECT source_id, uri FROM queue_jobs WHERE id = $1', [rowId])).rows[0];
    if (!seen) return 'not-found';
    // the subject's lock before the row's, in the order enqueue takes them
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [subjectKey({ sourceId: seen.source_id, uri: seen.uri })]);
    const row = (await c.query<JobRow>('SELECT * FROM queue_jobs WHERE id = $1 FOR UPDATE', [rowId])).rows[0];
    if (!row || row.state !== 'dead') return 'not-found';
    const newer = (await c.query('SELECT 1 FROM queue_jobs WHERE source_id = $1 AND uri = $2 AND id > $3 LIMIT 1', [row.source_id, row.uri, row.id])).rows.length > 0;
    if (row.superseded_by !== null || newer) {
      await c.query(FINISH, ['superseded', now, row.id]);
      return 'superseded';
    }
    await c.query(
      `UPDATE queue_jobs SET state = 'pending', attempts = 0, run_at = $1, dead_reason = NULL, finished_at = NULL, updated_at = $1 WHERE id = $2`,
      [now, row.id],
    );
    return 'requeued';
  }

  private async purgeDead(olderThanMs: number): Promise<number> {
    this.live();
    if (!(olderThanMs >= 0)) throw new InvalidInputError('olderThanMs must be >= 0', { field: 'olderThanMs' });
    return this.tx(async (c) => this.deleteJobs(c, "state = 'dead' AND finished_at <= $1", [(await this.now(c)) - olderThanMs]));
  }

  /** Deletes the jobs matching `where` (over queue_jobs) with their attempts and checkpoints; returns how many jobs. */
  private async deleteJobs(c: Queryable, where: string, params: unknown[]): Promise<number> {
    const ids = (await c.query<{ id: number }>(`DELETE FROM queue_jobs WHERE ${where} RETURNING id`, params)).rows.map((r) => r.id);
    if (ids.length === 0) return 0;
    await c.query('DELETE FROM queue_attempts WHERE job_id = ANY($1::bigint[])', [ids]);
    await c.query('DELETE FROM queue_checkpoints WHERE job_id = ANY($1::bigint[])', [ids]);
    return ids.length;
  }
}

/** A claim statement's row: the time it used, and the job it leased (all null when none was ready). */
type ClaimRow = JobRow & { now_ms: number; checkpoints: { step: string; payload: string; recorded_at: number }[] | null };

/**
 * Now, for a one-statement queue change, and that change's commit made
 * without waiting for the disk (as RELAXED transactions do): set_config's
 * `is_local` lasts until the statement's own transaction commits.
 * Parameters $1 (an injected clock's time, or null: the database's).
 */
const NOW_RELAXED = `t AS (SELECT ${NOW_EXPR} AS now, set_config('synchronous_commit', 'off', true) AS relaxed)`;

/**
 * The CTEs `pick` and `upd` of a claim: the best ready job (SKIP LOCKED: a
 * job another claimer is taking right now is passed over, not waited for)
 * leased, with its live checkpoints. `gate`: what else the claim needs;
 * `notRunning`: a job that no longer counts as running its subject (the one
 * the statement completes). Parameters: $1 now, $2 types, $3 token,
 * $4 worker, $5 leaseMs, $6 checkpoint TTL.
 */
function claimCtes(gate: string, notRunning: string, limit = '1'): string {
  const batch = limit !== '1';
  return `pick${batch ? '_all' : ''} AS (
      SELECT j.id${batch ? ', j.source_id, j.uri, j.priority, j.run_at' : ''} FROM queue_jobs j, t
      WHERE ${gate} AND j.state = 'pending' AND j.run_at <= t.now AND ($2::text[] IS NULL OR j.type = ANY($2::text[]))
        AND NOT EXISTS (SELECT 1 FROM queue_jobs r WHERE r.source_id = j.source_id AND r.uri = j.uri AND r.state = 'running' AND r.id <> ${notRunning})
      ORDER BY j.priority DESC, j.run_at, j.id
      LIMIT ${limit} FOR UPDATE OF j SKIP LOCKED
    ),${
      // a batch takes one job per subject (the best), as claims one after another would
      batch ? `pick AS (SELECT DISTINCT ON (p.source_id, p.uri) p.id FROM pick_all p ORDER BY p.source_id, p.uri, p.priority DESC, p.run_at, p.id),` : ''
    }
    upd AS (
      UPDATE queue_jobs j SET state = 'running', attempts = j.attempts + 1, lease_token = $3, lease_worker = $4, lease_ms = $5,
        lease_expires_at = t.now + $5, lease_started_at = t.now, updated_at = t.now
      FROM pick, t WHERE j.id = pick.id
      RETURNING j.*, (
        SELECT COALESCE(json_agg(json_build_object('step', k.step, 'payload', k.payload, 'recorded_at', k.recorded_at) ORDER BY k.seq), '[]'::json)
        FROM queue_checkpoints k WHERE k.job_id = j.id AND k.recorded_at > t.now - $6
      ) AS checkpoints
    )`;
}

/** Records workers alive at the statement's time when $7 says to (a CTE; `workers` is a query of their names). */
function seenCte(workers: string, gate: string): string {
  return `seen AS (
      INSERT INTO queue_workers (worker, last_seen_at) SELECT DISTINCT x.w, t.now FROM t, (${workers}) AS x(w) WHERE $7::boolean AND ${gate}
      ON CONFLICT (worker) DO UPDATE SET last_seen_at = GREATEST(queue_workers.last_seen_at, excluded.last_seen_at)
    )`;
}

/** claim: $1–$6 as claimCtes, $7 record the worker as seen. */
const CLAIM = `WITH ${NOW_RELAXED}, ${claimCtes('true', '0')}, ${seenCte('SELECT $4::text', 'true')}
  SELECT t.now AS now_ms, upd.* FROM t LEFT JOIN upd ON true`;

/**
 * completeAndClaim: completes the job $8 held with lease token $9 (its
 * attempt recorded, its checkpoints dropped) and, when that went through or
 * this lease had already settled it, claims the next. $1–$7 as CLAIM. The
 * row update re-checks the lease under the row's lock; `cur` (the snapshot's
 * row) only says why nothing happened.
 */
const COMPLETE_AND_CLAIM = `WITH ${NOW_RELAXED},
    fin AS (
      UPDATE queue_jobs j SET state = 'completed', lease_expires_at = NULL, finished_at = t.now, updated_at = t.now
      FROM t WHERE j.id = $8 AND j.state = 'running' AND j.lease_token = $9 AND j.lease_expires_at > t.now
      RETURNING j.id, j.attempts, j.lease_worker, j.lease_started_at
    ),
    attempt AS (
      INSERT INTO queue_attempts (job_id, n, attempt, worker, started_at, ended_at, outcome, error)
      SELECT fin.id, (SELECT COALESCE(MAX(a.n), 0) + 1 FROM queue_attempts a WHERE a.job_id = fin.id), fin.attempts, fin.lease_worker, fin.lease_started_at, t.now, 'completed', NULL
      FROM fin, t
    ),
    gone AS (DELETE FROM queue_checkpoints k USING fin WHERE k.job_id = fin.id),
    cur AS (SELECT j.state, j.lease_token, j.lease_expires_at FROM queue_jobs j WHERE j.id = $8),
    go AS (SELECT EXISTS (SELECT 1 FROM fin) AS completed, EXISTS (SELECT 1 FROM cur WHERE cur.lease_token = $9 AND cur.state IN ('completed', 'superseded')) AS settled),
    ${claimCtes('(SELECT completed OR settled FROM go)', '$8')},
    ${seenCte('SELECT $4::text UNION SELECT fin.lease_worker FROM fin', '(SELECT completed OR settled FROM go)')}
  SELECT t.now AS now_ms, go.completed, go.settled, (SELECT row_to_json(cur) FROM cur) AS cur, upd.*
  FROM t CROSS JOIN go LEFT JOIN upd ON true`;

/**
 * claimBatch: up to $8 jobs, one per subject. $1–$7 as CLAIM; each lease's
 * token is $3 and the job's id (tokens stay unique per lease).
 */
const CLAIM_BATCH = `WITH ${NOW_RELAXED}, ${claimCtes('true', '0', '$8::int').replace("lease_token = $3", "lease_token = $3 || ':' || j.id")}, ${seenCte('SELECT $4::text', 'true')}
  SELECT t.now AS now_ms, upd.* FROM t LEFT JOIN upd ON true ORDER BY upd.priority DESC, upd.run_at, upd.id`;

/**
 * completeAndClaimBatch: completes the jobs $9 held with lease tokens $10
 * (pairwise; each under its row's lock, each on its own), then claims as
 * CLAIM_BATCH ($1–$8). `completed_ids` and `cur` (the snapshot's rows of
 * the leases' jobs, to say why one did not complete) repeat on every row.
 */
const COMPLETE_AND_CLAIM_BATCH = `WITH ${NOW_RELAXED},
    l AS (SELECT * FROM unnest($9::bigint[], $10::text[]) AS l(id, token)),
    fin AS (
      UPDATE queue_jobs j SET state = 'completed', lease_expires_at = NULL, finished_at = t.now, updated_at = t.now
      FROM t, l WHERE j.id = l.id AND j.state = 'running' AND j.lease_token = l.token AND j.lease_expires_at > t.now
      RETURNING j.id, j.lease_token, j.attempts, j.lease_worker, j.lease_started_at
    ),
    attempt AS (
      INSERT INTO queue_attempts (job_id, n, attempt, worker, started_at, ended_at, outcome, error)
      SELECT fin.id, (SELECT COALESCE(MAX(a.n), 0) + 1 FROM queue_attempts a WHERE a.job_id = fin.id), fin.attempts, fin.lease_worker, fin.lease_started_at, t.now, 'completed', NULL
      FROM fin, t
    ),
    gone AS (DELETE FROM queue_checkpoints k USING fin WHERE k.job_id = fin.id),
    cur AS (SELECT j.id, j.state, j.lease_token, j.lease_expires_at FROM queue_jobs j WHERE j.id IN (SELECT l.id FROM l)),
    ${claimCtes('$8::int > 0', 'ALL(ARRAY(SELECT fin.id FROM fin))', '$8::int').replace("lease_token = $3", "lease_token = $3 || ':' || j.id")},
    ${seenCte('SELECT $4::text UNION SELECT fin.lease_worker FROM fin', 'true')}
  SELECT t.now AS now_ms, (SELECT COALESCE(array_agg(fin.id::text || ' ' || fin.lease_token), '{}') FROM fin) AS completed_ids, (SELECT json_agg(cur) FROM cur) AS cur, upd.*
  FROM t LEFT JOIN upd ON true ORDER BY upd.priority DESC, upd.run_at, upd.id`;

/** The leases a batch claim statement's rows hold (none when its one row is all null). */
function leasesOf<P>(rows: readonly ClaimRow[], worker: string): Lease<P>[] {
  const out: Lease<P>[] = [];
  for (const r of rows) {
    const lease = toLease<P>(r, r.lease_token!, worker);
    if (lease) out.push(lease);
  }
  return out;
}

/** The lease a claim statement's row holds, or undefined when it claimed nothing. */
function toLease<P>(r: ClaimRow, token: string, worker: string): Lease<P> | undefined {
  if (r.id === null || r.id === undefined) return undefined;
  const { now_ms: _, checkpoints, ...job } = r;
  return {
    jobId: String(job.id),
    token,
    job: toJob<P>(job as JobRow),
    worker,
    attempt: job.attempts,
    expiresAt: job.lease_expires_at!,
    checkpoints: (checkpoints ?? []).map((k) => ({ step: k.step, payload: JSON.parse(k.payload) as unknown, recordedAt: Number(k.recorded_at) })),
  };
}

/** An enqueueMany of at least this many jobs checks that the planner's statistics know the queue's size. */
const ANALYZE_BATCH = 100;

/**
 * Refreshes the planner's statistics of queue_jobs when they are missing or
 * describe less than half the `depth` jobs now queued. A claim walks the
 * ready index in order and stops at the first job it may take; planned on
 * a table the statistics call empty (a new queue, a big enqueue before
 * autovacuum's next round), it sorts every pending job instead, and a 3,000
 * job queue claimed ~3× slower (bench/pg-queue.ts). ANALYZE samples at most
 * 30,000 rows and runs in this transaction (its own rows count).
 */
async function analyzeIfStale(c: Queryable, depth: number): Promise<void> {
  const known = (await c.query<{ tuples: number }>("SELECT reltuples::float8 AS tuples FROM pg_class WHERE oid = 'queue_jobs'::regclass")).rows[0]?.tuples ?? -1;
  if (known < 0 || known < depth / 2) await c.query('ANALYZE queue_jobs');
}

/** The advisory lock key of a job's subject. */
function subjectKey(job: Pick<JobInput, 'sourceId' | 'uri'>): string {
  return `docgraph-subject:${job.sourceId}\u001f${job.uri}`;
}

type Rows = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** Statements on a transaction's connection, rows only. */
function rowsOf(c: Queryable): Rows {
  return async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => (await c.query<R>(sql, params)).rows;
}

async function countsIn(q: Rows): Promise<QueueCounts> {
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as QueueCounts;
  for (const r of await q<{ state: JobState; n: number }>('SELECT state, COUNT(*)::int AS n FROM queue_jobs GROUP BY state')) counts[r.state] = r.n;
  return counts;
}

async function depthIn(q: Rows): Promise<number> {
  return (await q<{ n: number }>("SELECT COUNT(*)::int AS n FROM queue_jobs WHERE state IN ('pending', 'running')"))[0]!.n;
}
