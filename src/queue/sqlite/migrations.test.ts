// Shipped queue migrations are frozen: each one's SQL is pinned by its SHA-256,
// so an edit fails here (add a new migration instead). A new one adds its line.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { QUEUE_MIGRATIONS } from './migrations.js';

const SHIPPED: Record<number, string> = {
  1: 'd713f0f4e458a7e37bc66ef681c053621a16b0af3e31eca87bfe21dc5c5ca423',
};

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('queue migrations', () => {
  it('are SQL, numbered 1..n, each exactly as shipped', () => {
    expect(QUEUE_MIGRATIONS.map((m) => m.version)).toEqual(QUEUE_MIGRATIONS.map((_, i) => i + 1));
    expect(Object.fromEntries(QUEUE_MIGRATIONS.map((m) => [m.version, sha256(m.sql)]))).toEqual(SHIPPED);
  });
});
