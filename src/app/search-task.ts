/**
 * One search as a task that can run on another thread (`search-pool.ts`):
 * its input and outcome are plain data, so they cross a worker boundary by
 * structured clone. The search runs on an App the thread opens on the same
 * index (its own connection and vector index; it sees every write, as any
 * reader of the index does). Errors travel as values and are thrown again,
 * as the same classes, on the caller's side.
 */
import type { Config } from '../config/config.js';
import { DocgraphError, InvalidInputError, NotFoundError, type ErrorCode } from '../domain/errors.js';
import type { SearchResult } from '../domain/types.js';
import type { SearchOptions } from '../search/search.js';
import type { BreakerSnapshot } from '../embed/guarded.js';
import type { SearchTelemetry } from '../observability/telemetry.js';

/** A search on the thread's index: the pool's config, which every thread gets once as its workerData (cloning it into each task cost ~20 µs a call on each side). */
export interface SearchTask {
  kind: 'search';
  query: string;
  options: SearchOptions;
}

/** What every search thread starts with (Piscina's workerData). */
export interface SearchWorkerData {
  config: Config;
}

/**
 * Sent once to every thread (SearchPool.warm, SearchPool.close): 'warm' opens
 * the index and runs a search, so the first real query finds the vector index
 * and the embedder loaded; 'close' closes the thread's Apps. Each then waits
 * at the barrier until `threads` threads have arrived, so every thread gets
 * exactly one.
 */
export interface EachThreadTask {
  kind: 'warm' | 'close';
  config: Config;
  barrier: SharedArrayBuffer;
  threads: number;
}

export type SearchWorkerTask = SearchTask | EachThreadTask;

/** An error as data: enough to throw the same class with the same fields. */
export interface ErrorValue {
  code: ErrorCode | undefined;
  message: string;
  hint?: string | undefined;
  retryable?: boolean;
  field?: string | undefined;
  allowed?: string | undefined;
}

/**
 * A search's answer, with what it recorded (stage timings, embedder calls:
 * the calling thread makes metrics and spans of them) and the state of the
 * thread's embedder breaker after it.
 */
export type SearchOutcome = ({ kind: 'result'; result: SearchResult } | { kind: 'error'; error: ErrorValue }) & { telemetry?: SearchTelemetry; thread?: number; breaker?: BreakerSnapshot };

export function errorValue(e: unknown): ErrorValue {
  if (e instanceof InvalidInputError) return { code: e.code, message: e.message, hint: e.hint, retryable: e.retryable, field: e.field, allowed: e.allowed };
  if (e instanceof DocgraphError) return { code: e.code, message: e.message, hint: e.hint, retryable: e.retryable };
  return { code: undefined, message: e instanceof Error ? e.message : String(e) };
}

/** The error an ErrorValue stands for: a DocgraphError of its class, or a plain Error for a bug. */
export function errorFrom(v: ErrorValue): Error {
  const opts = { ...(v.hint !== undefined ? { hint: v.hint } : {}), ...(v.retryable !== undefined ? { retryable: v.retryable } : {}) };
  if (v.code === 'INVALID_INPUT') return new InvalidInputError(v.message, { ...opts, ...(v.field !== undefined ? { field: v.field } : {}), ...(v.allowed !== undefined ? { allowed: v.allowed } : {}) });
  if (v.code === 'NOT_FOUND') return new NotFoundError(v.message, opts);
  if (v.code !== undefined) return new DocgraphError(v.code, v.message, opts);
  return new Error(v.message);
}
