import { estimateTokens } from '../parse/model.js';

/**
 * Tokens a tool response costs a model: its structured content (as JSON) plus
 * its text rendering, at ≈4 characters per token. Both travel in the same
 * result, so both count against the budget.
 */
export function responseTokens(structured: unknown, text: string): number {
  return estimateTokens(JSON.stringify(structured)) + estimateTokens(text);
}

/**
 * The largest n in [0, max] for which `fits(n)` holds, assuming that fitting
 * is monotone (fewer items never cost more). Returns 0 when nothing fits, so
 * the caller decides what the smallest answer is. O(log max) calls.
 */
export function largestFitting(max: number, fits: (n: number) => boolean): number {
  if (max > 0 && fits(max)) return max; // the common case: everything fits, one call
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Shortens a string to at most `max` characters, marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, Math.max(0, max - 1)) + '…';
}
