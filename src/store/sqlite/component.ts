/**
 * Tables that live in the index file beside the store's but keep a schema
 * version of their own (the API keys, the webhook delivery log): the store
 * owns `PRAGMA user_version` and the queue `queue_meta`, so each component
 * records its version in a `<name>_meta` table and migrates on first use.
 */
import type Database from 'better-sqlite3';

/** One numbered, append-only migration of a component's tables (never edit a shipped one). */
export interface ComponentMigration {
  version: number;
  name: string;
  sql: string;
}

export interface SqliteComponent {
  /** The table that holds the component's `schema_version`, e.g. `api_keys_meta`. */
  meta: string;
  /** What the tables hold, for the error a newer file gives: "the API keys". */
  what: string;
  /** The schema's name in that error: "keys". */
  schema: string;
  migrations: readonly ComponentMigration[];
}

function schemaVersion(db: Database.Database, meta: string): number {
  const found = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(meta);
  if (!found) return 0;
  const row = db.prepare(`SELECT value FROM ${meta} WHERE key = 'schema_version'`).get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/**
 * Brings a component's tables to its newest version, under the write lock
 * (processes racing migrate once). Throws when the file was written by a newer
 * docgraph (a version this build does not know).
 */
export function migrateComponent(db: Database.Database, c: SqliteComponent): void {
  const latest = c.migrations[c.migrations.length - 1]!.version;
  const check = (v: number): number => {
    if (v > latest) throw new Error(`${c.what} were written by a newer docgraph (${c.schema} schema ${v}, this build knows ${latest}); upgrade docgraph`);
    return v;
  };
  if (check(schemaVersion(db, c.meta)) === latest) return;
  db.transaction(() => {
    const now = check(schemaVersion(db, c.meta));
    db.exec(`CREATE TABLE IF NOT EXISTS ${c.meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    for (const m of c.migrations) if (m.version > now) db.exec(m.sql);
    db.prepare(`INSERT INTO ${c.meta} (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(String(latest));
  }).immediate();
}

/**
 * The store's connection (`db()` on each call) with the component's tables
 * migrated on the first call; a failed migration is tried again on the next.
 */
export function componentOpener(db: () => Database.Database, c: SqliteComponent): () => Database.Database {
  let migrated = false;
  return () => {
    const conn = db();
    if (!migrated) {
      migrateComponent(conn, c);
      migrated = true;
    }
    return conn;
  };
}
