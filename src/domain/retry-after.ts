/** The `Retry-After` header (RFC 9110 §10.2.3) of a 429 or 503 answer, read the same way by every HTTP client of ours. */

/**
 * Milliseconds to wait according to a `Retry-After` header: delta-seconds or
 * an HTTP date. Undefined when absent or unreadable; never negative. The
 * caller caps it.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // An HTTP date always has a weekday or month name; this keeps "-5" from parsing as a year.
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
