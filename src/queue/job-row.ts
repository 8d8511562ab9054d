/**
 * A job as the SQL queues (queue/sqlite, queue/postgres) store it, one row
 * per job, and the checks of what callers hand them: shared, so the two
 * adapters cannot read a row or validate an argument differently.
 */
import { InvalidInputError } from '../domain/errors.js';
import type { DeadReason, EnqueueOptions, Job, JobError, JobInput, JobState, LeaseRef } from './queue.js';

/** The stored row of a job (times in epoch ms). */
export interface JobRow {
  id: number;
  type: string;
  source_id: string;
  uri: string;
  checksum: string;
  dedupe_key: string;
  payload: string;
  priority: number;
  state: JobState;
  run_at: number;
  attempts: number;
  max_attempts: number;
  lease_token: string | null;
  lease_worker: string | null;
  lease_ms: number | null;
  lease_expires_at: number | null;
  lease_started_at: number | null;
  superseded_by: number | null;
  last_error: string | null;
  dead_reason: DeadReason | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export function toJob<P>(r: JobRow): Job<P> {
  return {
    id: String(r.id),
    type: r.type,
    sourceId: r.source_id,
    uri: r.uri,
    checksum: r.checksum,
    payload: JSON.parse(r.payload) as P,
    dedupeKey: r.dedupe_key,
    priority: r.priority,
    generation: r.id,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    supersededBy: r.superseded_by === null ? null : String(r.superseded_by),
    lease: r.state === 'running' && r.lease_worker !== null && r.lease_expires_at !== null ? { worker: r.lease_worker, expiresAt: r.lease_expires_at } : null,
    lastError: r.last_error === null ? null : (JSON.parse(r.last_error) as JobError),
    deadReason: r.state === 'dead' ? r.dead_reason : null,
  };
}

/** True when this very lease already completed the job (or retired it in `completeWith`). */
export function settledBy(row: JobRow | undefined, lease: LeaseRef): boolean {
  return !!row && row.lease_token === lease.token && (row.state === 'completed' || row.state === 'superseded');
}

export function toRowId(id: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function checkClaim(worker: string, leaseMs: number): void {
  positiveMs('leaseMs', leaseMs);
  if (worker === '') throw new InvalidInputError('a worker id must not be empty', { field: 'worker' });
}

/** Most jobs one `claimBatch` / `completeAndClaimBatch` may claim. */
export const MAX_CLAIM_BATCH = 1_000;

/** Checks a batch claim's `max`: a whole number from `min` (1, or 0 beside completions) to MAX_CLAIM_BATCH. */
export function checkBatchMax(max: number, min: 0 | 1): void {
  if (!Number.isInteger(max) || max < min || max > MAX_CLAIM_BATCH) {
    throw new InvalidInputError(`max must be a whole number from ${min} to ${MAX_CLAIM_BATCH} (got ${max})`, { field: 'max' });
  }
}

export function positiveMs(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidInputError(`${name} must be a positive whole number of milliseconds (got ${v})`, { field: name });
}

export function validateJob(job: JobInput<unknown>, o: EnqueueOptions): void {
  for (const f of ['type', 'sourceId', 'uri', 'checksum'] as const) {
    if (typeof job[f] !== 'string') throw new InvalidInputError(`job.${f} must be a string`, { field: f });
  }
  if (job.type === '') throw new InvalidInputError('job.type must not be empty', { field: 'type' });
  if (o.priority !== undefined && !Number.isInteger(o.priority)) throw new InvalidInputError('priority must be an integer', { field: 'priority' });
  if (o.runAt !== undefined && !Number.isFinite(o.runAt)) throw new InvalidInputError('runAt must be a time in epoch milliseconds', { field: 'runAt' });
  if (o.maxAttempts !== undefined && (!Number.isInteger(o.maxAttempts) || o.maxAttempts < 1)) {
    throw new InvalidInputError('maxAttempts must be a positive integer', { field: 'maxAttempts' });
  }
}
