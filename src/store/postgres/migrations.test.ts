// Shipped migrations are frozen: each one's SQL is pinned by its SHA-256, so an
// edit fails here (add a new migration instead). A new migration adds its line.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PG_QUEUE_MIGRATIONS } from '../../queue/postgres/migrations.js';
import { PG_STORE_MIGRATIONS } from './migrations.js';

const SHIPPED_STORE: Record<number, string> = {
  1: 'cb6f5a593c8fcab7ef1851dbf9302b23a487179a49e6b782766818c449ceba47',
  2: '314cae47ee9009f018ed9bba4bdbbf80d72e1c53c049b1b3a19ad487e85195d8',
  3: '37d76c659565db9841d005e68934a5a69b31607e03f5455d01f5ff47d8902b00',
  4: '58e09cac182fd54ca39fd0a35ddf8298aeb51d5d4194bcf173b72e87a9b218fb',
  5: '8aacea119afaf786248b45a461c20d802e2359c288f6d59ac09aed1b315727d8',
};
const SHIPPED_QUEUE: Record<number, string> = {
  1: 'af62de74f8248fa6dec7b5a683f251014879bfb26366a6bb447da5d9d8840376',
};

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('PostgreSQL migrations', () => {
  for (const [name, migrations, shipped] of [
    ['store', PG_STORE_MIGRATIONS, SHIPPED_STORE],
    ['queue', PG_QUEUE_MIGRATIONS, SHIPPED_QUEUE],
  ] as const) {
    it(`${name}: SQL, numbered 1..n, each exactly as shipped`, () => {
      expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
      expect(Object.fromEntries(migrations.map((m) => [m.version, sha256(m.sql)]))).toEqual(shipped);
      for (const m of migrations) expect(Object.keys(m).sort(), `migration ${m.version}`).toEqual(['name', 'sql', 'version']);
    });
  }
});
