import { DocgraphError } from '../domain/errors.js';

/**
 * Why a lease is no longer valid: `expired` (its time ran out), `lost` (the
 * job was reaped, released, settled or handed to another worker since), or
 * `not-found` (no such job).
 */
export type LeaseLostReason = 'expired' | 'lost' | 'not-found';

/** The lease on a job is gone: the holder must stop and must not write its result. */
export class LeaseLostError extends DocgraphError {
  readonly jobId: string;
  readonly reason: LeaseLostReason;
  constructor(jobId: string, reason: LeaseLostReason) {
    // the attempt lost its claim (it ran past its lease), not the job its chance: a job that failed with this is
    // retried. A worker whose heartbeat renewed a lease that had run out, after the write had refused it, fails
    // the job with this error; as a permanent error that sent a sound job to the dead-letter queue.
    super('LEASE_LOST', `the lease on job ${jobId} is no longer valid (${reason})`, { retryable: true });
    this.jobId = jobId;
    this.reason = reason;
  }
}

/** The queue holds `maxSize` pending and running jobs. Retryable: try again once workers have caught up. */
export class QueueFullError extends DocgraphError {
  readonly depth: number;
  readonly maxSize: number;
  constructor(depth: number, maxSize: number) {
    super('QUEUE_FULL', `the job queue is full (${depth} of ${maxSize} jobs pending or running)`, {
      retryable: true,
      hint: 'wait for the workers to catch up, or raise the queue maxSize',
    });
    this.depth = depth;
    this.maxSize = maxSize;
  }
}
