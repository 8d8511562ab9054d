import { describe, expect, it } from 'vitest';
import { jsonText, snakeCase, toWire } from './wire.js';

describe("the CLI's JSON vocabulary", () => {
  it('writes field names in snake_case, deep, and leaves other keys alone', () => {
    expect(snakeCase('headingPath')).toBe('heading_path');
    expect(snakeCase('oldestPendingAgeMs')).toBe('oldest_pending_age_ms');
    expect(snakeCase('uri')).toBe('uri');
    expect(snakeCase('guides/rollBack.md')).toBe('guides/rollBack.md');
    expect(toWire({ hits: [{ sectionId: 's_1', parts: { lexical: { rank: 1 } } }], tookMs: 3 })).toEqual({ hits: [{ section_id: 's_1', parts: { lexical: { rank: 1 } } }], took_ms: 3 });
  });

  it('writes times as ISO 8601, whatever they were inside', () => {
    expect(toWire({ lastSeenAt: Date.UTC(2026, 11, 2, 8, 0, 0), indexedAt: '2026-12-02T08:00:00.000Z', runAt: null })).toEqual({
      last_seen_at: '2026-12-02T08:00:00.000Z',
      indexed_at: '2026-12-02T08:00:00.000Z',
      run_at: null,
    });
  });

  it('keeps the keys of data (front matter, entity attributes) as the docs wrote them', () => {
    expect(toWire({ meta: { lastUpdated: '2026-01-01' }, attributes: { defaultValue: 4 } })).toEqual({ meta: { lastUpdated: '2026-01-01' }, attributes: { defaultValue: 4 } });
    expect(jsonText({ aB: 1 })).toBe('{\n  "a_b": 1\n}\n');
  });
});
