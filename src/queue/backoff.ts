/**
 * Retry delays: exponential growth with jitter, capped. A pure function of
 * the attempt number and a random source, so the queue can be tested with a
 * fixed `random` and a manual clock.
 */

/**
 * How randomness is mixed into the exponential delay `d`:
 * - `full`: uniform in [0, d] (spreads retries the most; can retry at once);
 * - `equal`: uniform in [d/2, d] (keeps at least half the delay; the default);
 * - `none`: exactly `d` (only for tests and tools that need a fixed schedule).
 */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffPolicy {
  /** Delay before the first retry, before jitter, in milliseconds. Default 1,000. */
  baseMs: number;
  /** Growth per attempt. Default 2. */
  factor: number;
  /** Upper bound of any delay, in milliseconds. Default 300,000 (5 minutes). */
  maxMs: number;
  /** Default `equal`. */
  jitter: Jitter;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1_000, factor: 2, maxMs: 300_000, jitter: 'equal' });

/** The delay range `[min, max]` in ms that `backoffDelay` can return for `attempt` (1-based: the attempt that just failed). */
export function backoffBounds(attempt: number, policy: Partial<BackoffPolicy> = {}): { min: number; max: number } {
  const p = { ...DEFAULT_BACKOFF, ...policy };
  if (!Number.isFinite(p.baseMs) || p.baseMs < 0 || !Number.isFinite(p.maxMs) || p.maxMs < 0 || !(p.factor >= 1)) {
    throw new RangeError(`invalid backoff policy: baseMs=${p.baseMs}, factor=${p.factor}, maxMs=${p.maxMs}`);
  }
  const n = Math.max(1, Math.floor(attempt));
  // Clamp the exponent first so large attempt numbers cannot overflow to Infinity.
  const exp = Math.min(n - 1, 64);
  const d = Math.min(p.maxMs, p.baseMs * Math.pow(p.factor, exp));
  switch (p.jitter) {
    case 'full':
      return { min: 0, max: d };
    case 'equal':
      return { min: d / 2, max: d };
    case 'none':
      return { min: d, max: d };
  }
}

/**
 * Milliseconds to wait before retrying after attempt `attempt` (1-based) failed.
 * `random` returns a number in [0, 1), like `Math.random`. Always an integer
 * within `backoffBounds(attempt, policy)`.
 */
export function backoffDelay(attempt: number, policy: Partial<BackoffPolicy> = {}, random: () => number = Math.random): number {
  const { min, max } = backoffBounds(attempt, policy);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(max, Math.max(min, Math.round(min + (max - min) * r)));
}
