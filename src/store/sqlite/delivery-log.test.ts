import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { deliveryLogContract } from '../deliveries.contract.js';
import { DELIVERY_MIGRATIONS, SqliteDeliveryLog } from './delivery-log.js';

deliveryLogContract('sqlite', {
  open: async (keep) => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-deliveries-'));
    const one = new Database(join(dir, 'index.db'));
    const two = new Database(join(dir, 'index.db'));
    for (const db of [one, two]) db.pragma('busy_timeout = 5000');
    return {
      a: new SqliteDeliveryLog(() => one, keep),
      b: new SqliteDeliveryLog(() => two, keep),
      close: async () => {
        one.close();
        two.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

it('keeps the shipped delivery migrations as they were (append-only)', () => {
  const pinned = ['d532a757'];
  expect(DELIVERY_MIGRATIONS.map((m) => createHash('sha256').update(m.sql).digest('hex').slice(0, 8))).toEqual(pinned);
});
