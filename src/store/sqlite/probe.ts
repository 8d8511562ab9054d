import Database from 'better-sqlite3';
import { QUEUE_SCHEMA_VERSION, queueSchemaVersion } from '../../queue/sqlite/migrations.js';
import type { IndexProbe } from '../readiness.js';
import { MIGRATIONS } from './migrations.js';

const STORE_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Opens the index file anew, read-only, and reads its schema versions: a
 * connection opened long ago keeps working on a file that was since removed,
 * replaced or made unreadable, so only a fresh open says whether the index
 * is still there for a restart, a search thread or another process.
 */
export function probeSqliteIndex(path: string): IndexProbe {
  if (path === ':memory:') return { reachable: true, migrated: true };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 1000 });
    const store = db.pragma('user_version', { simple: true }) as number;
    const queue = queueSchemaVersion(db);
    const migrated = store === STORE_VERSION && queue === QUEUE_SCHEMA_VERSION;
    return migrated ? { reachable: true, migrated } : { reachable: true, migrated, detail: `schema versions store ${store}/${STORE_VERSION}, queue ${queue}/${QUEUE_SCHEMA_VERSION}` };
  } catch (e) {
    return { reachable: false, migrated: false, detail: `cannot read the index at ${path}: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    db?.close();
  }
}
