/**
 * Reading a file of a source folder safely. A folder is trusted for what it
 * holds, not for where its symlinks point: a link to `~/.aws/credentials` or
 * `/etc/passwd` would otherwise be indexed and served to every MCP client.
 *
 * - Every path is resolved (realpath) and must lie inside the source root,
 *   unless the source opts in (`ingest.followSymlinksOutside`, flag
 *   `--follow-symlinks-outside`): else `outside-root`.
 * - Only regular files are read, never FIFOs, sockets, devices or anything
 *   under /proc, /sys or /dev, even when opted in: `special-file`.
 * - The size is checked with fstat before a byte is read: `too-large`.
 * - The check is made on the file actually opened (its descriptor), so a file
 *   swapped for a symlink between planning and reading is refused too.
 */
import { constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UnsupportedFileError, type SkipReason } from '../domain/errors.js';
import { DEFAULT_MAX_FILE_BYTES, tooLarge } from '../parse/input.js';

export interface SourceReadOptions {
  /** Follow file symlinks whose target lies outside the root (the source opted in). Special files are refused all the same. Default false. */
  followOutside?: boolean;
  /** Larger files are refused as `too-large` without being read. Default 20 MB. */
  maxBytes?: number;
}

/** A file or folder a scan or a read leaves out, and why. */
export interface SourceSkip {
  uri: string;
  reason: SkipReason;
  message: string;
}

/** What is at a uri: an indexable regular file, nothing, or something refused (with why). */
export type FileCheck = { kind: 'file'; size: number; mtimeMs: number } | { kind: 'gone' } | { kind: 'folder' } | { kind: 'skip'; skip: SourceSkip };

/** Trees whose entries look like files but are the kernel's: never read. */
const SPECIAL_TREES = ['/proc', '/sys', '/dev'];

const FOLLOW_HINT = 'pass --follow-symlinks-outside (or list the folder in ingest.followSymlinksOutside) to index it anyway';

/** True when `real` is `root` or lies under it (both real, absolute paths). */
export function isInside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function inSpecialTree(real: string): boolean {
  const under = (t: string): boolean => real === t || real.startsWith(t + sep);
  // /dev/shm is ordinary shared memory storage (tmpfs), not a device
  return SPECIAL_TREES.some(under) && !under('/dev/shm');
}

/** Why a file at real path `real` with stats `st` may not be read from `root`, or undefined when it may. */
export function refusal(root: string, uri: string, real: string, st: Stats, o: SourceReadOptions): SourceSkip | undefined {
  if (!st.isFile() || inSpecialTree(real)) {
    return { uri, reason: 'special-file', message: `${uri} is ${describe(st, real)}, not a regular file; docgraph never reads those` };
  }
  if (!o.followOutside && !isInside(root, real)) {
    return { uri, reason: 'outside-root', message: `${uri} links to a file outside the folder being indexed; ${FOLLOW_HINT}` };
  }
  const max = o.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (st.size > max) {
    const e = tooLarge(uri, st.size, max);
    return { uri, reason: e.reason, message: e.message };
  }
  return undefined;
}

function describe(st: Stats, real: string): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return `a kernel file (${real})`;
}

/**
 * What is at `root/uri` now, without reading it (the planner of a watcher
 * batch, and the scanner for symlinks). Follows links to classify them:
 * dangling, looping, outside the root, special, too large.
 */
export function checkFile(root: string, uri: string, o: SourceReadOptions = {}): FileCheck {
  const path = join(root, uri);
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { kind: 'skip', skip: { uri, reason: 'link-loop', message: `${uri} is a symlink that loops back on itself` } };
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const link = lstatSync(path, { throwIfNoEntry: false });
      if (link?.isSymbolicLink()) return { kind: 'skip', skip: { uri, reason: 'dangling-link', message: `${uri} is a symlink to a file that does not exist` } };
      return { kind: 'gone' };
    }
    return { kind: 'skip', skip: { uri, reason: 'unreadable', message: `${uri} could not be looked at (${code ?? String(e)})` } };
  }
  if (st.isDirectory()) return { kind: 'folder' };
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return { kind: 'gone' }; // went away in between
  }
  const refused = refusal(root, uri, real, st, o);
  return refused ? { kind: 'skip', skip: refused } : { kind: 'file', size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * Reads `root/uri` (root: a real, absolute path) under the rules of the
 * module comment. Throws UnsupportedFileError (outside-root, special-file,
 * too-large: permanent), or the system error (ENOENT, EISDIR, ELOOP, EACCES
 * ...: the caller decides whether it is gone or worth a retry).
 */
export async function readSourceFile(root: string, uri: string, o: SourceReadOptions = {}): Promise<Buffer> {
  const path = join(root, uri);
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: ${uri} is a folder`), { code: 'EISDIR' });
    const real = await openedPath(fh, path, st);
    const refused = refusal(root, uri, real, st, o);
    if (refused) throw new UnsupportedFileError(uri, refused.reason, refused.message);
    return await readAtMost(fh, uri, st.size, o.maxBytes ?? DEFAULT_MAX_FILE_BYTES);
  } finally {
    await fh.close();
  }
}

/**
 * The real path of the file `fh` has open. On Linux the kernel says it
 * (/proc/self/fd); elsewhere the path is resolved and must still be the same
 * file (device and inode) as the one opened, else it was swapped meanwhile.
 */
async function openedPath(fh: FileHandle, path: string, st: Stats): Promise<string> {
  if (process.platform === 'linux') {
    try {
      return await readlink(`/proc/self/fd/${fh.fd}`);
    } catch {
      // /proc not mounted: fall through
    }
  }
  const real = await realpath(path);
  const now = await stat(real);
  if (now.dev !== st.dev || now.ino !== st.ino) {
    throw Object.assign(new Error(`EAGAIN: the file changed while it was opened: ${path}`), { code: 'EAGAIN' });
  }
  return real;
}

/** Reads up to `max` bytes; a file that grew past `max` since its fstat is refused as too large. */
async function readAtMost(fh: FileHandle, uri: string, size: number, max: number): Promise<Buffer> {
  let buf = Buffer.allocUnsafe(Math.min(size, max) + 1);
  let n = 0;
  for (;;) {
    if (n === buf.length) {
      if (buf.length > max) throw tooLarge(uri, n, max);
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, max + 1));
      buf.copy(bigger, 0, 0, n);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  if (n > max) throw tooLarge(uri, n, max);
  return buf.subarray(0, n);
}
