import { toApiKeyRecord as toRecord, type ApiKeyRecord, type ApiKeyRow as Row, type KeyStore } from '../keys.js';
import { migrate, type PgDatabase } from './database.js';

/** The keys' numbered, append-only migrations (component `keys` in docgraph_schema); never edit a shipped one. */
export const PG_KEY_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        id text COLLATE "C" PRIMARY KEY,
        name text,
        scopes text NOT NULL,
        hash text NOT NULL,
        created_at bigint NOT NULL,
        revoked_at bigint
      );
    `,
  },
];

/** API keys in the index's schema, on the store's pool; migrated on first use. */
export class PgKeyStore implements KeyStore {
  private migrated: Promise<void> | undefined;

  constructor(private readonly db: PgDatabase) {}

  private async ready(): Promise<PgDatabase> {
    this.migrated ??= migrate(this.db, 'keys', PG_KEY_MIGRATIONS).catch((e: unknown) => {
      this.migrated = undefined;
      throw e;
    });
    await this.migrated;
    return this.db;
  }

  async insert(k: ApiKeyRecord): Promise<void> {
    await (await this.ready()).query('INSERT INTO api_keys (id, name, scopes, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)', [k.id, k.name, JSON.stringify(k.scopes), k.hash, k.createdAt, k.revokedAt]);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const rows = await (await this.ready()).query<Row>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await (await this.ready()).query<Row>('SELECT * FROM api_keys ORDER BY created_at, id')).map(toRecord);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const rows = await (await this.ready()).query<{ id: string }>('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [at, id]);
    return rows.length > 0;
  }
}
