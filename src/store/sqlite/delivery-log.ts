import type Database from 'better-sqlite3';
import { DELIVERIES_KEPT, type DeliveryLog } from '../deliveries.js';
import { componentOpener, type ComponentMigration } from './component.js';

/**
 * The delivery log's own numbered, append-only migrations (never edit a
 * shipped one); its version lives in `webhook_deliveries_meta`.
 */
export const DELIVERY_MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    name: 'webhook deliveries',
    sql: `
      CREATE TABLE webhook_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        received_at INTEGER NOT NULL
      );
    `,
  },
];

/** Webhook deliveries in the index file, on the store's connection; the tables are created on first use. */
export class SqliteDeliveryLog implements DeliveryLog {
  private readonly conn: () => Database.Database;

  constructor(
    db: () => Database.Database,
    private readonly keep = DELIVERIES_KEPT,
  ) {
    this.conn = componentOpener(db, { meta: 'webhook_deliveries_meta', what: 'the webhook deliveries', schema: 'deliveries', migrations: DELIVERY_MIGRATIONS });
  }

  remember(key: string, at: number): Promise<boolean> {
    const db = this.conn();
    const fresh = db
      .transaction(() => {
        const r = db.prepare('INSERT INTO webhook_deliveries (key, received_at) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(key, at);
        if (r.changes === 0) return false;
        db.prepare('DELETE FROM webhook_deliveries WHERE seq <= ?').run(Number(r.lastInsertRowid) - this.keep);
        return true;
      })
      .immediate();
    return Promise.resolve(fresh);
  }
}
