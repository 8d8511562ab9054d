import { lstatSync, opendirSync, realpathSync, statSync, type Dir } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { InvalidInputError } from '../domain/errors.js';
import { formatOf } from '../parse/input.js';
import { checkFile, type SourceReadOptions, type SourceSkip } from './source-file.js';

/** Folders never descended into: VCS data, dependencies, our own index. */
export const DEFAULT_IGNORED_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.docgraph']);

export interface ScannedFile {
  /** Path relative to the root, with forward slashes. */
  uri: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  root: string;
  files: ScannedFile[];
  /** Files seen that docgraph does not index (not .md/.html). */
  ignored: number;
  /**
   * Documents and folders left out, each with why: symlinks out of the root,
   * dangling or looping; FIFOs, sockets, devices; files over the size limit;
   * names that are not UTF-8; symlinked and unreadable folders. Sorted by uri.
   */
  skipped: SourceSkip[];
}

export interface ScanOptions extends SourceReadOptions {
  /** Leaves files and folders out by uri (see `ingest.ignore`); they count as neither files nor ignored. */
  ignore?: (uri: string) => boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Lists the documents under `root` (recursively, sorted by uri for
 * determinism). Hidden folders and DEFAULT_IGNORED_DIRS are skipped;
 * symlinked folders are not followed (no cycles); file symlinks are followed
 * only to regular files inside the root (or anywhere, with `followOutside`).
 * Everything else a document could have been is listed in `skipped` with why.
 */
export function scanFolder(root: string, options: ScanOptions | ((uri: string) => boolean) = {}): ScanResult {
  const o: ScanOptions = typeof options === 'function' ? { ignore: options } : options;
  const ignore = o.ignore ?? (() => false);
  const real = folderRoot(root);
  const files: ScannedFile[] = [];
  const skipped: SourceSkip[] = [];
  let ignored = 0;
  const stack = [real];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let handle: Dir;
    try {
      handle = opendirSync(dir, { encoding: 'buffer' as BufferEncoding });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      if (dir === real) throw new InvalidInputError(`cannot read folder ${root} (${code})`, { field: 'dir', allowed: 'a folder this user can read' });
      const uri = uriOf(real, dir);
      skipped.push({ uri: `${uri}/`, reason: 'unreadable', message: `folder ${uri}/ could not be read (${code}); nothing in it is indexed` });
      continue;
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        const raw = entry.name as unknown as Buffer;
        let name: string;
        try {
          name = utf8.decode(raw);
        } catch {
          name = escapeName(raw);
          const uri = uriOf(real, join(dir, name));
          if (ignore(uri)) continue;
          if (entry.isDirectory()) skipped.push({ uri: `${uri}/`, reason: 'non-utf8-name', message: `folder name "${name}" is not valid UTF-8; rename it to index what it holds` });
          else if (formatOf(name)) skipped.push({ uri, reason: 'non-utf8-name', message: `file name "${name}" is not valid UTF-8; rename it to index it` });
          else ignored++;
          continue;
        }
        const path = join(dir, name);
        const uri = uriOf(real, path);
        if (entry.isDirectory()) {
          if (!isIgnoredDirName(name) && !ignore(uri)) stack.push(path);
          continue;
        }
        if (ignore(uri)) continue;
        if (entry.isSymbolicLink()) {
          const c = checkFile(real, uri, o);
          if (c.kind === 'folder') {
            if (!isIgnoredDirName(name)) skipped.push({ uri: `${uri}/`, reason: 'linked-folder', message: `${uri} is a symlinked folder; docgraph does not follow those (ingest its target as a folder of its own)` });
          } else if (!formatOf(name)) ignored++;
          else if (c.kind === 'skip') skipped.push(c.skip);
          else if (c.kind === 'file') files.push({ uri, path, size: c.size, mtimeMs: c.mtimeMs });
          continue;
        }
        if (!formatOf(name)) {
          ignored++;
          continue;
        }
        if (!entry.isFile()) {
          const c = checkFile(real, uri, o);
          if (c.kind === 'skip') skipped.push(c.skip);
          continue;
        }
        const st = lstatSync(path, { throwIfNoEntry: false });
        if (st) files.push({ uri, path, size: st.size, mtimeMs: st.mtimeMs }); // else gone since it was listed
      }
    } finally {
      handle.closeSync();
    }
  }
  const byUri = <T extends { uri: string }>(a: T, b: T): number => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0);
  files.sort(byUri);
  skipped.sort(byUri);
  return { root: real, files, ignored, skipped };
}

/** A file name's bytes with those that are not printable ASCII written as \xNN. */
function escapeName(raw: Buffer): string {
  let s = '';
  for (const b of raw) s += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}

/** The real path of a source folder; INVALID_INPUT when it is missing or a file. */
export function folderRoot(root: string): string {
  let real: string;
  try {
    real = realpathSync(root);
  } catch {
    throw new InvalidInputError(`folder not found: ${root}`, { field: 'dir', allowed: 'a folder of .md / .html files' });
  }
  if (!statSync(real).isDirectory()) {
    throw new InvalidInputError(`${root} is a file, not a folder`, { field: 'dir', allowed: 'a folder of .md / .html files' });
  }
  return real;
}

/** True when `dir` is one of `folders` (`ingest.followSymlinksOutside`: sources opted in to symlinks out of them). */
export function optedOutside(folders: readonly string[], dir: string): boolean {
  if (folders.length === 0) return false;
  const root = folderRoot(dir);
  return folders.some((d) => {
    try {
      return folderRoot(d) === root;
    } catch {
      return false; // a listed folder that does not exist opts nothing in
    }
  });
}

/** A folder name scans and watches never enter: hidden ones and DEFAULT_IGNORED_DIRS. */
export function isIgnoredDirName(name: string): boolean {
  return name.startsWith('.') || DEFAULT_IGNORED_DIRS.has(name);
}

/** The uri of `path` under `root`: relative, with forward slashes. */
export function uriOf(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
