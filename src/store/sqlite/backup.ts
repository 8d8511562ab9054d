/**
 * Backup and restore of a SQLite index file (`docgraph backup`, `docgraph
 * restore`). A backup is SQLite's online backup API (better-sqlite3's
 * `backup()`) run inside one read transaction: the copy is the index as one
 * commit left it, while other processes keep writing (WAL: a reader never
 * blocks a writer, and a pinned snapshot never makes the backup restart).
 * Both write a temp file beside the target and rename it into place, so a
 * failure never leaves a half-written file under the target's name.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DocgraphError, InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { QUEUE_MIGRATIONS, queueSchemaVersion } from '../../queue/sqlite/migrations.js';
import { MIGRATIONS } from './migrations.js';

const STORE_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
const QUEUE_VERSION = QUEUE_MIGRATIONS[QUEUE_MIGRATIONS.length - 1]!.version;

/** Pages copied per step of the backup: small enough for a smooth progress bar, large enough to be quick (4 KiB pages: 4 MiB). */
const PAGES_PER_STEP = 1024;

/** Where a backup is, page by page. */
export interface BackupProgress {
  totalPages: number;
  remainingPages: number;
}

export interface BackupResult {
  /** The backup file written (absolute). */
  path: string;
  /** The index it was taken from. */
  source: string;
  bytes: number;
  pages: number;
  /** When the snapshot was taken (ISO 8601): the copy holds every commit before it and none after. */
  snapshotAt: string;
  durationMs: number;
  /** The copy's store and queue schema versions. */
  schemaVersion: number;
  queueSchemaVersion: number;
}

/** A process that has the index open (a row of `open_connections`, see open-marker.ts). */
export interface IndexHolder {
  host: string;
  pid: number;
  openedAt: string;
}

export interface RestoreResult {
  /** The index written (absolute). */
  path: string;
  /** The backup it came from. */
  from: string;
  bytes: number;
  /** True when an index was there before and is now replaced. */
  replaced: boolean;
  schemaVersion: number;
  queueSchemaVersion: number;
  durationMs: number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Refuses a target that cannot be written: its folder missing, a folder in its place, or a file there without `force`. */
function checkTarget(target: string, force: boolean, what: string): void {
  const dir = dirname(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InvalidInputError(`cannot write ${what} ${target}: the folder ${dir} does not exist`, { field: 'file', allowed: 'a file path in an existing folder' });
  }
  if (existsSync(target)) {
    if (statSync(target).isDirectory()) throw new InvalidInputError(`cannot write ${what} ${target}: it is a folder`, { field: 'file', allowed: 'a file path, e.g. backups/index-2026-01-31.db' });
    if (!force) throw new InvalidInputError(`${target} already exists`, { field: 'file', allowed: 'a new file name, or --force to replace it' });
  }
}

function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

function removeFileSet(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/**
 * A backup file as a standalone index: no process holds it, so the markers
 * copied with it (of the processes that had the source open) go.
 */
function clearHolders(path: string): void {
  const db = new Database(path);
  try {
    db.prepare('DELETE FROM open_connections').run();
  } finally {
    db.close(); // the last connection: checkpoints and removes the -wal file
  }
}

/**
 * Copies the index at `source` to `dest` with the online backup API while
 * other processes may be writing it. `progress` hears each step. Refuses an
 * existing `dest` unless `force`, a `dest` in a missing folder, and `dest`
 * being the index itself.
 */
export async function backupSqliteIndex(source: string, dest: string, opts: { force?: boolean; progress?: (p: BackupProgress) => void } = {}): Promise<BackupResult> {
  const src = resolve(source);
  const target = resolve(dest);
  if (!existsSync(src)) throw new NotFoundError(`no index at ${source}`, { hint: 'point --index / DOCGRAPH_INDEX at the index to back up' });
  if (src === target) throw new InvalidInputError(`the backup file ${dest} is the index itself`, { field: 'file', allowed: 'another path than the index' });
  checkTarget(target, opts.force ?? false, 'the backup to');
  const started = Date.now();
  let db: Database.Database;
  try {
    db = new Database(src, { readonly: true, fileMustExist: true, timeout: 10_000 });
  } catch (e) {
    throw new DocgraphError('STORE_FAILED', `cannot open the index at ${source} to back it up: ${message(e)}`, { cause: e });
  }
  const temp = tempBeside(target);
  let snapshotAt: string;
  let pages: number;
  try {
    // One read transaction for the whole copy: the pages come from one snapshot, and writes of other
    // processes (which go to the WAL) neither block the copy nor make it start over.
    db.exec('BEGIN');
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    if (schemaVersion === 0) throw new InvalidInputError(`${source} is not a docgraph index (no schema)`, { field: '--index', allowed: 'an index file made by docgraph ingest' });
    snapshotAt = new Date().toISOString();
    const done = await db.backup(temp, {
      progress: (p) => {
        opts.progress?.(p);
        return PAGES_PER_STEP;
      },
    });
    pages = done.totalPages;
    db.exec('COMMIT');
  } catch (e) {
    removeFileSet(temp);
    if (e instanceof DocgraphError) throw e;
    throw new DocgraphError('STORE_FAILED', `the backup of ${source} to ${dest} failed: ${message(e)}`, { cause: e, hint: 'check free space and permissions where the backup goes' });
  } finally {
    db.close();
  }
  try {
    clearHolders(temp);
    const v = versions(temp);
    renameSync(temp, target);
    rmSync(target + '-wal', { force: true });
    rmSync(target + '-shm', { force: true });
    opts.progress?.({ totalPages: pages, remainingPages: 0 });
    return { path: target, source: src, bytes: statSync(target).size, pages, snapshotAt, durationMs: Date.now() - started, ...v };
  } catch (e) {
    removeFileSet(temp);
    throw new DocgraphError('STORE_FAILED', `the backup of ${source} to ${dest} failed: ${message(e)}`, { cause: e });
  }
}

function versions(path: string): { schemaVersion: number; queueSchemaVersion: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return { schemaVersion: db.pragma('user_version', { simple: true }) as number, queueSchemaVersion: queueSchemaVersion(db) };
  } finally {
    db.close();
  }
}

/**
 * Checks that `file` is a whole docgraph index this build can open: a SQLite
 * database whose `PRAGMA integrity_check` passes, with docgraph's tables, at
 * a store and queue schema this build knows (an older one is migrated on
 * first open). Throws INVALID_INPUT saying what is wrong.
 */
export function checkBackupFile(file: string): { schemaVersion: number; queueSchemaVersion: number } {
  if (!existsSync(file)) throw new NotFoundError(`no backup file at ${file}`, { hint: 'name a file written by `docgraph backup`' });
  if (statSync(file).isDirectory()) throw new InvalidInputError(`${file} is a folder`, { field: 'file', allowed: 'a backup file written by `docgraph backup`' });
  const notIndex = (why: string): InvalidInputError => new InvalidInputError(`${file} is not a docgraph index: ${why}`, { field: 'file', allowed: 'a backup file written by `docgraph backup` (or a copy of an index file)' });
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw notIndex(message(e));
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check(10)', { simple: false }) as Record<string, string>[]).map((r) => Object.values(r)[0] ?? '').filter((p) => p !== 'ok');
    } catch (e) {
      throw notIndex(message(e)); // "file is not a database", or damage bad enough that the check fails
    }
    if (problems.length > 0) throw notIndex(`PRAGMA integrity_check found ${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`);
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    for (const t of ['documents', 'sections', 'open_connections']) if (!tables.has(t)) throw notIndex(`it has no ${t} table`);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const queue = queueSchemaVersion(db);
    if (schemaVersion > STORE_VERSION || queue > QUEUE_VERSION) {
      throw new InvalidInputError(`${file} was written by a newer docgraph (schema ${schemaVersion}, queue ${queue}; this build knows ${STORE_VERSION} and ${QUEUE_VERSION})`, {
        field: 'file',
        allowed: 'a backup of this docgraph version or an older one; or upgrade docgraph first',
      });
    }
    return { schemaVersion, queueSchemaVersion: queue };
  } finally {
    db.close();
  }
}

/**
 * The processes that have the index at `path` open, as their markers say
 * (open-marker.ts): on this host those still alive; on other hosts all of
 * them (their processes cannot be checked from here). Empty for a missing
 * file or one that cannot be read.
 */
export function indexHolders(path: string): { local: IndexHolder[]; remote: IndexHolder[] } {
  if (!existsSync(path)) return { local: [], remote: [] };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5_000 });
    const rows = db.prepare('SELECT host, pid, opened_at AS openedAt FROM open_connections').all() as IndexHolder[];
    const me = hostname();
    return {
      local: rows.filter((r) => r.host === me && r.pid !== process.pid && alive(r.pid)),
      remote: rows.filter((r) => r.host !== me),
    };
  } catch {
    return { local: [], remote: [] };
  } finally {
    db?.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Puts the backup `file` in place as the index at `target`: checks the file
 * (checkBackupFile), refuses while a process holds the target (and, without
 * `force`, an existing target at all, or markers of other hosts), copies it
 * to a temp file beside the target and renames it over the target, after
 * removing the old index's -wal and -shm (they belong to the old file).
 */
export function restoreSqliteIndex(file: string, target: string, opts: { force?: boolean } = {}): RestoreResult {
  const started = Date.now();
  const from = resolve(file);
  const dest = resolve(target);
  if (from === dest) throw new InvalidInputError(`the backup ${file} is the index itself`, { field: 'file', allowed: 'a backup file other than the index' });
  const v = checkBackupFile(from);
  checkTarget(dest, opts.force ?? false, 'the index');
  const replaced = existsSync(dest);
  const holders = indexHolders(dest);
  if (holders.local.length > 0) {
    // a process holds one marker per connection (serve: one per search thread); name each process once
    const pids = [...new Set(holders.local.map((h) => h.pid))];
    const who = pids.map((pid) => `pid ${pid}`).join(', ');
    throw new InvalidInputError(`the index ${target} is open in ${pids.length === 1 ? 'a running process' : 'running processes'}: ${who}`, {
      field: '--index',
      allowed: 'an index no docgraph serve, worker, watch or ingest has open: stop them first, then restore',
    });
  }
  if (holders.remote.length > 0 && !opts.force) {
    const who = [...new Set(holders.remote.map((h) => `${h.host} pid ${h.pid}`))].join(', ');
    throw new InvalidInputError(`the index ${target} may be open on other hosts (${who}); that cannot be checked from here`, {
      field: '--index',
      allowed: 'stop those processes, then restore with --force',
    });
  }
  const temp = tempBeside(dest);
  try {
    copyFileSync(from, temp);
    clearHolders(temp);
    rmSync(dest + '-wal', { force: true });
    rmSync(dest + '-shm', { force: true });
    renameSync(temp, dest);
  } catch (e) {
    removeFileSet(temp);
    throw new DocgraphError('STORE_FAILED', `cannot restore ${file} to ${target}: ${message(e)}`, { cause: e, hint: 'check free space and permissions of the folder that holds the index' });
  }
  return { path: dest, from, bytes: statSync(dest).size, replaced, ...v, durationMs: Date.now() - started };
}
