import { describe, expect, it } from 'vitest';
import { parseDuration } from './ingest-commands.js';

describe('parseDuration', () => {
  it('reads ms, s, m, h and d, and refuses anything else', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('0s')).toBe(0);
    for (const bad of ['10', 'ten minutes', '-5m', '5 m', '']) expect(() => parseDuration(bad)).toThrow(/duration/);
  });
});
