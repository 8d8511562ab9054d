/**
 * What one search did, gathered as plain data while it runs (stage timings,
 * embedder calls, the shared cache's answer) so that metrics and trace spans
 * can be made from it afterwards, on whichever thread serves the request: a
 * search that ran on a search thread (app/search-pool.ts) sends its record
 * back with its result. The record of the search in progress is found through
 * AsyncLocalStorage, so the code between the HTTP handler and the retrievers
 * passes nothing along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The search stages timed (docs/operations.md lists them). */
export type SearchStage = 'plan' | 'lexical' | 'vector' | 'entity' | 'fusion' | 'expansion';

export interface StageTiming {
  stage: SearchStage;
  /** Wall-clock start, ms since the epoch (comparable across threads). */
  startMs: number;
  durationMs: number;
}

export interface SearchTelemetry {
  stages: StageTiming[];
  embedderCalls: { outcome: string; seconds: number; error?: string }[];
  /** The shared result cache's answer, when there is one. */
  cache?: 'hit' | 'miss';
}

const current = new AsyncLocalStorage<SearchTelemetry>();

/** Runs `fn` with a fresh record as the current one; returns its value and the record. */
export async function recording<T>(fn: () => Promise<T>): Promise<{ value: T; telemetry: SearchTelemetry }> {
  const telemetry: SearchTelemetry = { stages: [], embedderCalls: [] };
  const value = await current.run(telemetry, fn);
  return { value, telemetry };
}

/** A fresh, empty record. */
export function newTelemetry(): SearchTelemetry {
  return { stages: [], embedderCalls: [] };
}

/** Runs `fn` with `record` as the current record (it keeps what was recorded when `fn` throws too). */
export function recordingInto<T>(record: SearchTelemetry, fn: () => Promise<T>): Promise<T> {
  return current.run(record, fn);
}

/** The record of the search in progress, if one is being kept. */
export function currentTelemetry(): SearchTelemetry | undefined {
  return current.getStore();
}

/** Adds what another thread recorded to the current record. */
export function mergeTelemetry(from: SearchTelemetry | undefined): void {
  const into = current.getStore();
  if (!into || !from) return;
  into.stages.push(...from.stages);
  into.embedderCalls.push(...from.embedderCalls);
  if (from.cache) into.cache = from.cache;
}

/** Wall-clock now in ms, with sub-millisecond precision. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Awaits `work` and records it as `stage` in the current record (when one is kept). */
export async function timed<T>(stage: SearchStage, work: Promise<T> | (() => Promise<T>)): Promise<T> {
  const t = current.getStore();
  const startMs = wallNow();
  try {
    return await (typeof work === 'function' ? work() : work);
  } finally {
    t?.stages.push({ stage, startMs, durationMs: wallNow() - startMs });
  }
}

/** Records a synchronous stage. */
export function timedSync<T>(stage: SearchStage, work: () => T): T {
  const t = current.getStore();
  const startMs = wallNow();
  try {
    return work();
  } finally {
    t?.stages.push({ stage, startMs, durationMs: wallNow() - startMs });
  }
}
