import type Database from 'better-sqlite3';
import { toApiKeyRecord as toRecord, type ApiKeyRecord, type ApiKeyRow as Row, type KeyStore } from '../keys.js';
import { componentOpener, type ComponentMigration } from './component.js';

/**
 * The keys' own numbered, append-only migrations (never edit a shipped one).
 * The store owns `PRAGMA user_version` and the queue `queue_meta`; the keys'
 * version lives in `api_keys_meta`.
 */
export const KEY_MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT,
        scopes TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
    `,
  },
];

/** API keys in the index file, on the store's connection; the tables are created on first use. */
export class SqliteKeyStore implements KeyStore {
  private readonly conn: () => Database.Database;

  constructor(db: () => Database.Database) {
    this.conn = componentOpener(db, { meta: 'api_keys_meta', what: 'the API keys', schema: 'keys', migrations: KEY_MIGRATIONS });
  }

  insert(k: ApiKeyRecord): Promise<void> {
    this.conn().prepare('INSERT INTO api_keys (id, name, scopes, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)').run(k.id, k.name, JSON.stringify(k.scopes), k.hash, k.createdAt, k.revokedAt);
    return Promise.resolve();
  }

  get(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.conn().prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row ? toRecord(row) : undefined);
  }

  list(): Promise<ApiKeyRecord[]> {
    return Promise.resolve((this.conn().prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as Row[]).map(toRecord));
  }

  revoke(id: string, at: number): Promise<boolean> {
    return Promise.resolve(this.conn().prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0);
  }
}
