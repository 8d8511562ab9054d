/**
 * Behaviour shared by every JobQueue implementation, so they cannot drift:
 * option defaults, error classification and recording, and backpressure
 * hysteresis.
 */
import { InvalidInputError, isDocgraphError } from '../domain/errors.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { systemClock, type Clock, type JobError, type QueueOptions } from './queue.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Most bytes of JSON a checkpoint payload may take. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** Longest stack trace kept on a job. */
const MAX_STACK_CHARS = 8_000;
const MAX_MESSAGE_CHARS = 4_000;

export interface ResolvedQueueOptions {
  clock: Clock;
  random: () => number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  maxSize: number;
  highWater: number;
  lowWater: number;
  dlqRetentionMs: number;
  dlqMaxSize: number;
  checkpointTtlMs: number;
  finishedRetentionMs: number;
  workerRetentionMs: number;
}

/** Applies defaults and checks the options; throws `InvalidInputError` naming the bad one. */
export function resolveQueueOptions(o: QueueOptions = {}): ResolvedQueueOptions {
  const maxSize = o.maxSize ?? 100_000;
  positiveInt('maxSize', maxSize);
  const highWater = o.highWater ?? Math.max(1, Math.floor(maxSize * 0.8));
  const lowWater = o.lowWater ?? Math.floor(maxSize * 0.6);
  positiveInt('highWater', highWater);
  if (!Number.isInteger(lowWater) || lowWater < 0 || lowWater >= highWater || highWater > maxSize) {
    throw new InvalidInputError(`queue marks must satisfy 0 <= lowWater < highWater <= maxSize (got ${lowWater}, ${highWater}, ${maxSize})`, {
      field: 'lowWater',
    });
  }
  const r: ResolvedQueueOptions = {
    clock: o.clock ?? systemClock,
    random: o.random ?? Math.random,
    maxAttempts: o.maxAttempts ?? 5,
    backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
    maxSize,
    highWater,
    lowWater,
    dlqRetentionMs: (o.dlqRetentionDays ?? 14) * DAY,
    dlqMaxSize: o.dlqMaxSize ?? 10_000,
    checkpointTtlMs: o.checkpointTtlMs ?? DAY,
    finishedRetentionMs: o.finishedRetentionMs ?? DAY,
    workerRetentionMs: o.workerRetentionMs ?? DAY,
  };
  positiveInt('maxAttempts', r.maxAttempts);
  positiveInt('dlqMaxSize', r.dlqMaxSize);
  for (const [k, v] of Object.entries({ dlqRetentionMs: r.dlqRetentionMs, checkpointTtlMs: r.checkpointTtlMs, finishedRetentionMs: r.finishedRetentionMs })) {
    if (!(v >= 0)) throw new InvalidInputError(`queue option ${k} must be >= 0 (got ${v})`, { field: k });
  }
  return r;
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidInputError(`queue option ${name} must be a positive integer (got ${v})`, { field: name });
}

/**
 * Whether a failure may succeed on retry: the explicit flag when given, else
 * a `DocgraphError`'s `retryable`, else an own boolean `retryable` property of
 * the error, else true (unknown errors are assumed transient; `maxAttempts`
 * bounds the cost of being wrong).
 */
export function isRetryable(error: unknown, explicit?: boolean): boolean {
  if (explicit !== undefined) return explicit;
  if (isDocgraphError(error)) return error.retryable;
  if (typeof error === 'object' && error !== null && typeof (error as { retryable?: unknown }).retryable === 'boolean') {
    return (error as { retryable: boolean }).retryable;
  }
  return true;
}

/** The error as plain data for the job record; never throws, whatever was thrown. */
export function toJobError(error: unknown, retryable: boolean): JobError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message.slice(0, MAX_MESSAGE_CHARS),
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack ? { stack: error.stack.slice(0, MAX_STACK_CHARS) } : {}),
      retryable,
    };
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { name: 'Error', message: message.slice(0, MAX_MESSAGE_CHARS), retryable };
}

/** The error recorded when a lease runs out. */
export function leaseExpiredError(worker: string | null): JobError {
  return { name: 'LeaseExpired', message: `lease expired: worker ${worker ?? '?'} stopped heartbeating (died or hung)`, retryable: true };
}

/** Serialises a checkpoint payload, enforcing the size cap. */
export function encodeCheckpoint(step: string, payload: unknown): string {
  if (step === '' || step.length > 200) throw new InvalidInputError('a checkpoint step must be a non-empty name of at most 200 characters', { field: 'step' });
  const json = JSON.stringify(payload === undefined ? null : payload);
  if (Buffer.byteLength(json) > MAX_CHECKPOINT_BYTES) {
    throw new InvalidInputError(`checkpoint ${step} payload is ${Buffer.byteLength(json)} bytes; at most ${MAX_CHECKPOINT_BYTES} are kept`, { field: 'payload' });
  }
  return json;
}

/**
 * Pause/resume with hysteresis: paused from when depth reaches `high` until it
 * falls to `low`, so producers do not flap around a single threshold.
 */
export class Hysteresis {
  private paused = false;
  constructor(
    readonly high: number,
    readonly low: number,
  ) {}

  update(depth: number): boolean {
    if (this.paused) {
      if (depth <= this.low) this.paused = false;
    } else if (depth >= this.high) {
      this.paused = true;
    }
    return this.paused;
  }
}
