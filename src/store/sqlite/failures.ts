/**
 * SQLite failures as docgraph errors. Codes are the extended result codes
 * better-sqlite3 puts on `SqliteError.code` (SQLITE_READONLY_DBMOVED,
 * SQLITE_IOERR_WRITE, ...); we branch on them, never on message text.
 */
import Database from 'better-sqlite3';
import type { DocgraphError} from '../../domain/errors.js';
import { IndexCorruptError, IndexUnavailableError, type IndexUnavailableReason } from '../../domain/errors.js';

/** Primary result code → why the index cannot be used. Codes not listed are not about the index file itself. */
const UNAVAILABLE: Record<string, IndexUnavailableReason> = {
  SQLITE_READONLY: 'read-only',
  SQLITE_CANTOPEN: 'cannot-open',
  SQLITE_FULL: 'disk-full',
  SQLITE_IOERR: 'io-error',
  SQLITE_PERM: 'permission',
  SQLITE_AUTH: 'permission',
};

const CORRUPT = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

function primary(code: string): string {
  const m = /^SQLITE_[A-Z]+/.exec(code);
  return m ? m[0] : code;
}

/**
 * The docgraph error for a SQLite failure that is about the index file
 * (damaged, read-only, cannot be opened, disk full, I/O error), or
 * undefined for anything else (busy, constraint, a docgraph error, ...).
 */
export function indexFailure(e: unknown, path?: string): DocgraphError | undefined {
  if (!(e instanceof Database.SqliteError)) return undefined;
  const code = primary(e.code);
  const opts = { cause: e, ...(path !== undefined ? { path } : {}) };
  if (CORRUPT.has(code)) return new IndexCorruptError(`${e.message} (${e.code})`, opts);
  const reason = UNAVAILABLE[code];
  if (reason) return new IndexUnavailableError(reason, `${e.message} (${e.code})`, opts);
  return undefined;
}

/** `e` as a docgraph error when it is a SQLite failure about the index file; otherwise `e` itself. */
export function asIndexFailure(e: unknown, path?: string): unknown {
  return indexFailure(e, path) ?? e;
}
