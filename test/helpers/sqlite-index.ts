/**
 * The one test helper that touches the SQLite index file directly: tests of
 * `verify` and of damage recovery need an index that is broken in a known
 * way (a lost lexical row, a torn page), which no port can make. Assertions
 * still go through the ports; eslint allows SQLite here and nowhere else
 * outside the adapters (eslint.config.js).
 */
import Database from 'better-sqlite3';

/** Runs `fn` on a connection of its own to the index file (closed after); `readonly` for looking only. */
export function onIndexFile<T>(index: string, fn: (db: Database.Database) => T, o: { readonly?: boolean } = {}): T {
  const db = new Database(index, { readonly: o.readonly ?? false, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    return fn(db);
  } finally {
    db.close();
  }
}
