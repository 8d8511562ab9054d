import type Database from 'better-sqlite3';
import { DELIVERIES_KEPT, type DeliveryLog } from '../deliveries.js';

/**
 * The delivery log's own numbered, append-only migrations (never edit a
 * shipped one); its version lives in `webhook_deliveries_meta`.
 */
export const DELIVERY_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
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

const LATEST = DELIVERY_MIGRATIONS[DELIVERY_MIGRATIONS.length - 1]!.version;

function deliveriesVersion(db: Database.Database): number {
  const meta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'webhook_deliveries_meta'").get();
  if (!meta) return 0;
  const row = db.prepare("SELECT value FROM webhook_deliveries_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Brings the delivery tables to the newest version, under the write lock (processes racing migrate once). */
export function migrateDeliveries(db: Database.Database): void {
  const check = (v: number): number => {
    if (v > LATEST) throw new Error(`the webhook deliveries were written by a newer docgraph (schema ${v}, this build knows ${LATEST}); upgrade docgraph`);
    return v;
  };
  if (check(deliveriesVersion(db)) === LATEST) return;
  db.transaction(() => {
    const now = check(deliveriesVersion(db));
    db.exec('CREATE TABLE IF NOT EXISTS webhook_deliveries_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of DELIVERY_MIGRATIONS) if (m.version > now) db.exec(m.sql);
    db.prepare("INSERT INTO webhook_deliveries_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(LATEST));
  }).immediate();
}

/** Webhook deliveries in the index file, on the store's connection; the tables are created on first use. */
export class SqliteDeliveryLog implements DeliveryLog {
  private migrated = false;

  constructor(
    private readonly db: () => Database.Database,
    private readonly keep = DELIVERIES_KEPT,
  ) {}

  remember(key: string, at: number): Promise<boolean> {
    const db = this.db();
    if (!this.migrated) {
      migrateDeliveries(db);
      this.migrated = true;
    }
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
