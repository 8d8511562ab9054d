import { opendirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { InvalidInputError } from '../domain/errors.js';
import { formatOf } from '../parse/input.js';

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
}

/**
 * Lists the documents under `root` (recursively, sorted by uri for
 * determinism). Hidden folders and DEFAULT_IGNORED_DIRS are skipped;
 * symlinked folders are not followed (no cycles). `ignore` leaves out files
 * and folders by uri (see `ingest.ignore`); they count as neither files nor ignored.
 */
export function scanFolder(root: string, ignore: (uri: string) => boolean = () => false): ScanResult {
  const real = folderRoot(root);
  const files: ScannedFile[] = [];
  let ignored = 0;
  const stack = [real];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let handle;
    try {
      handle = opendirSync(dir);
    } catch {
      continue; // unreadable folder: nothing to index in it
    }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!isIgnoredDirName(entry.name) && !ignore(uriOf(real, path))) stack.push(path);
          continue;
        }
        if (ignore(uriOf(real, path))) continue;
        if (!entry.isFile() && !entry.isSymbolicLink()) continue;
        if (!formatOf(entry.name)) {
          ignored++;
          continue;
        }
        let st;
        try {
          st = statSync(path);
        } catch {
          continue; // dangling link
        }
        if (!st.isFile()) continue;
        files.push({ uri: uriOf(real, path), path, size: st.size, mtimeMs: st.mtimeMs });
      }
    } finally {
      handle.closeSync();
    }
  }
  files.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  return { root: real, files, ignored };
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

/** A folder name scans and watches never enter: hidden ones and DEFAULT_IGNORED_DIRS. */
export function isIgnoredDirName(name: string): boolean {
  return name.startsWith('.') || DEFAULT_IGNORED_DIRS.has(name);
}

/** The uri of `path` under `root`: relative, with forward slashes. */
export function uriOf(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
