/**
 * The wire vocabulary of the CLI's JSON, REST and MCP: snake_case field
 * names, and times as ISO 8601 strings. Internal records use camelCase and
 * epoch milliseconds; this is the one place they are mapped.
 */
const CAMEL = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/;
/** Fields holding a point in time as epoch ms (`createdAt`, `lastSeenAt`, ...). */
const TIME_FIELD = /^[a-z][a-zA-Z]*At$/;
/** Objects keyed by data, not by field names: their keys pass through unchanged. */
const DATA_KEYED = new Set(['meta', 'attributes']);

export function snakeCase(key: string): string {
  return CAMEL.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
}

/** `value` with snake_case keys and ISO 8601 times, ready for JSON.stringify. */
export function toWire(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => toWire(v));
  if (typeof value === 'number' && TIME_FIELD.test(key) && Number.isFinite(value) && value > 0) return new Date(value).toISOString();
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[snakeCase(k)] = DATA_KEYED.has(k) ? v : toWire(v, k);
  return out;
}

/** Pretty JSON of `value` in the CLI's vocabulary, with a trailing newline. */
export function jsonText(value: unknown): string {
  return JSON.stringify(toWire(value), null, 2) + '\n';
}
