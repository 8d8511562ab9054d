// Shipped migrations are frozen: each one's SQL is pinned by its SHA-256, so an
// edit fails here (add a new migration instead). A new migration adds its line.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BACKFILLS, MIGRATIONS } from './migrations.js';

const SHIPPED: Record<number, string> = {
  1: 'c796d7637cdfb3f9d2dda3d6e7a10a1d82e3a4978b55a632b2ec8cf891cce523',
  2: '01dea34a55c3ba2f3b1d7e5c15332936688a4bcadbc6e397694b34e3e69d5a06',
  3: '9e5b8c07d72ecbed5d8e71800d0a0a175216a995b777e49a65e5d14808742a6c',
  4: '667867df71b1cfb0c41a7f5bf1f62225cc60e9eae2702b69da85758be56ff262',
  5: '248861d974bfabbe13fb176328642a3dbc19d8412a1bb32b781b3756e2151383',
  6: 'becefe858a46ad8e64556a103c4ca606e84ed0371cf1e1616c1bdd52fd865f34',
  7: '4b72a1b8c75d50a4dc9a99087f7a4ad235721ce6a58632bc4e24e4929f46544f',
  8: 'fac6a924994049bf90e18a2c29c844befe220f264a48b01df52af3a2e89bbf9e',
};

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('store migrations', () => {
  it('are SQL, numbered 1..n, each exactly as shipped', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(Object.fromEntries(MIGRATIONS.map((m) => [m.version, sha256(m.sql)]))).toEqual(SHIPPED);
    for (const m of MIGRATIONS) expect(Object.keys(m).sort(), `migration ${m.version}`).toEqual(['name', 'sql', 'version']);
  });

  it('backfill only after a migration that exists', () => {
    for (const v of Object.keys(BACKFILLS)) expect(MIGRATIONS.some((m) => m.version === Number(v))).toBe(true);
  });
});
