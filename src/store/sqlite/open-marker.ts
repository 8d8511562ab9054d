/**
 * Unclean-shutdown detection. Each connection that opens the index records
 * itself (host, pid, a random token) in `open_connections` and removes its
 * row when it closes cleanly. A row of this host whose process is gone means
 * a process died with the index open (SIGKILL, power loss, crash): the next
 * open runs a bounded `PRAGMA quick_check` before using the file, so damage
 * is reported then, with a hint, instead of as a stray "database disk image
 * is malformed" in the middle of a search. Rows of other hosts are left
 * alone (their processes cannot be checked from here).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { IndexCorruptError } from '../../domain/errors.js';
import { indexFailure } from './failures.js';

/** quick_check stops after this many problems: enough to name the damage, bounded. */
const QUICK_CHECK_MAX_ERRORS = 10;

export interface OpenMarker {
  /** True when a process of this host died with the index open since the last check. */
  readonly unclean: boolean;
  /** Removes this connection's row (clean close). Safe to call more than once; never throws. */
  clear(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Records this connection as open and reports whether an earlier one on this
 * host ended without closing. Needs write access; a read-only index gets no
 * marker (`unclean` false).
 */
export function markOpen(db: Database.Database): OpenMarker {
  const token = randomBytes(8).toString('hex');
  const host = hostname();
  let unclean = false;
  db.transaction(() => {
    const rows = db.prepare('SELECT token, pid FROM open_connections WHERE host = ?').all(host) as { token: string; pid: number }[];
    const del = db.prepare('DELETE FROM open_connections WHERE token = ?');
    for (const r of rows) {
      if (r.pid === process.pid || alive(r.pid)) continue;
      unclean = true;
      del.run(r.token);
    }
    db.prepare('INSERT INTO open_connections (token, host, pid, opened_at) VALUES (?, ?, ?, ?)').run(token, host, process.pid, new Date().toISOString());
  }).immediate();
  let cleared = false;
  return {
    unclean,
    clear: () => {
      if (cleared) return;
      cleared = true;
      try {
        db.prepare('DELETE FROM open_connections WHERE token = ?').run(token);
      } catch {
        // the next open treats this as unclean and checks the file: safe
      }
    },
  };
}

/**
 * `PRAGMA quick_check`, stopping at the first few problems; throws
 * IndexCorruptError naming them. O(size of the file), no index cross-check.
 */
export function quickCheck(db: Database.Database, path: string): void {
  const problems = check(db, `quick_check(${QUICK_CHECK_MAX_ERRORS})`);
  if (problems.length > 0) throw new IndexCorruptError(`integrity check failed after an unclean shutdown: ${problems.slice(0, 3).join('; ')}`, { path });
}

/** Full `PRAGMA integrity_check` (pages, indexes, constraints): the problems found, at most `max`; empty when the file is whole. */
export function integrityCheck(db: Database.Database, max = 100): string[] {
  return check(db, `integrity_check(${max})`);
}

/** Runs a check pragma; damage bad enough that the check itself fails counts as its one problem. */
function check(db: Database.Database, pragma: string): string[] {
  try {
    const rows = db.pragma(pragma, { simple: false }) as Record<string, string>[];
    return rows.map((r) => Object.values(r)[0] ?? '').filter((p) => p !== 'ok');
  } catch (e) {
    const failure = indexFailure(e);
    if (failure instanceof IndexCorruptError) return [failure.detail];
    throw e;
  }
}
