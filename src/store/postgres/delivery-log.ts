import { DELIVERIES_KEPT, type DeliveryLog } from '../deliveries.js';
import { migrate, type PgDatabase } from './database.js';

/** The delivery log's numbered, append-only migrations (component `webhooks` in docgraph_schema); never edit a shipped one. */
export const PG_DELIVERY_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'webhook deliveries',
    sql: `
      CREATE TABLE webhook_deliveries (
        seq bigserial PRIMARY KEY,
        key text COLLATE "C" NOT NULL UNIQUE,
        received_at bigint NOT NULL
      );
    `,
  },
];

/** Webhook deliveries in the index's schema, on the store's pool; migrated on first use. */
export class PgDeliveryLog implements DeliveryLog {
  private migrated: Promise<void> | undefined;

  constructor(
    private readonly db: PgDatabase,
    private readonly keep = DELIVERIES_KEPT,
  ) {}

  async remember(key: string, at: number): Promise<boolean> {
    this.migrated ??= migrate(this.db, 'webhooks', PG_DELIVERY_MIGRATIONS).catch((e: unknown) => {
      this.migrated = undefined;
      throw e;
    });
    await this.migrated;
    const rows = await this.db.query<{ seq: string }>('INSERT INTO webhook_deliveries (key, received_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING seq', [key, at]);
    if (rows.length === 0) return false;
    await this.db.query('DELETE FROM webhook_deliveries WHERE seq <= $1', [Number(rows[0]!.seq) - this.keep]);
    return true;
  }
}
