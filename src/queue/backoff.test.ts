import { describe, expect, it } from 'vitest';
import { backoffBounds, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

describe('backoff', () => {
  it('grows exponentially from baseMs and is capped at maxMs', () => {
    const policy = { baseMs: 100, factor: 2, maxMs: 1_000, jitter: 'none' as const };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('keeps equal jitter within [d/2, d] and full jitter within [0, d]', () => {
    for (const attempt of [1, 2, 3, 10]) {
      const d = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1));
      expect(backoffBounds(attempt)).toEqual({ min: d / 2, max: d });
      expect(backoffBounds(attempt, { jitter: 'full' })).toEqual({ min: 0, max: d });
      for (const r of [0, 0.25, 0.5, 0.999999]) {
        const eq = backoffDelay(attempt, {}, () => r);
        expect(eq).toBeGreaterThanOrEqual(d / 2);
        expect(eq).toBeLessThanOrEqual(d);
        const full = backoffDelay(attempt, { jitter: 'full' }, () => r);
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThanOrEqual(d);
      }
    }
  });

  it('spreads delays across the jitter range for different random draws', () => {
    const low = backoffDelay(3, { baseMs: 1_000 }, () => 0);
    const high = backoffDelay(3, { baseMs: 1_000 }, () => 0.99);
    expect(low).toBe(2_000);
    expect(high).toBeGreaterThan(3_900);
  });

  it('is deterministic for a given random source', () => {
    const seq = [0.1, 0.7, 0.3];
    const draw = (): (() => number) => {
      let i = 0;
      return () => seq[i++ % seq.length]!;
    };
    const a = draw();
    const b = draw();
    expect([1, 2, 3].map((n) => backoffDelay(n, {}, a))).toEqual([1, 2, 3].map((n) => backoffDelay(n, {}, b)));
  });

  it('does not overflow for huge attempt numbers and treats attempt < 1 as the first', () => {
    expect(backoffDelay(10_000, { jitter: 'none' })).toBe(DEFAULT_BACKOFF.maxMs);
    expect(backoffDelay(0, { jitter: 'none', baseMs: 50 })).toBe(50);
  });

  it('rejects a nonsensical policy', () => {
    expect(() => backoffDelay(1, { factor: 0.5 })).toThrow(RangeError);
    expect(() => backoffDelay(1, { baseMs: -1 })).toThrow(RangeError);
  });
});
