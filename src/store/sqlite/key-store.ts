import type Database from 'better-sqlite3';
import { toApiKeyRecord as toRecord, type ApiKeyRecord, type ApiKeyRow as Row, type KeyStore } from '../keys.js';

/**
 * The keys' own numbered, append-only migrations (never edit a shipped one).
 * The store owns `PRAGMA user_version` and the queue `queue_meta`; the keys'
 * version lives in `api_keys_meta`.
 */
export const KEY_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
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

const LATEST = KEY_MIGRATIONS[KEY_MIGRATIONS.length - 1]!.version;

function keysVersion(db: Database.Database): number {
  const meta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_keys_meta'").get();
  if (!meta) return 0;
  const row = db.prepare("SELECT value FROM api_keys_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Brings the key tables to the newest version, under the write lock (processes racing migrate once). */
export function migrateKeys(db: Database.Database): void {
  const check = (v: number): number => {
    if (v > LATEST) throw new Error(`the API keys were written by a newer docgraph (keys schema ${v}, this build knows ${LATEST}); upgrade docgraph`);
    return v;
  };
  if (check(keysVersion(db)) === LATEST) return;
  db.transaction(() => {
    const now = check(keysVersion(db));
    db.exec('CREATE TABLE IF NOT EXISTS api_keys_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of KEY_MIGRATIONS) if (m.version > now) db.exec(m.sql);
    db.prepare("INSERT INTO api_keys_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(LATEST));
  }).immediate();
}

/** API keys in the index file, on the store's connection; the tables are created on first use. */
export class SqliteKeyStore implements KeyStore {
  private migrated = false;

  constructor(private readonly db: () => Database.Database) {}

  private conn(): Database.Database {
    const db = this.db();
    if (!this.migrated) {
      migrateKeys(db);
      this.migrated = true;
    }
    return db;
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
