/**
 * Folder watching (chokidar): file events become debounced batches of uris.
 * What a batch means is decided later, by looking at the files (the planner):
 * a path that exists is (re)indexed, one that is gone is deleted. So every
 * event pattern reduces to "this path may have changed": create, change,
 * delete, rename (unlink + add), and an editor's atomic save (write a temp
 * file, rename it over the original), whose temp file is not a document type
 * or is gone by the time the batch is planned.
 *
 * A file still being written is not read half-way: chokidar reports it only
 * once its size has been stable for `stableMs`, and the job checks that the
 * content it reads is the content planned (else it re-queues).
 *
 * A folder that appears is read again by us after chokidar has had time to
 * watch it: chokidar scans a new folder, then registers its watch, and a file
 * created between the two is never reported (chokidar issues #1112, #1471;
 * seen here as a file in a new `sub/deeper/` folder that was never indexed
 * on a loaded machine). Reporting a file that was already seen costs
 * nothing: the planner finds it unchanged.
 */
import { readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { formatOf } from '../parse/input.js';
import { isIgnoredDirName, uriOf } from './filesystem.js';

export interface FolderWatchOptions {
  /** Leaves files and folders out by uri (`ingest.ignore`); hidden folders, .git and node_modules are always left out. */
  ignore?: (uri: string) => boolean;
  /** Quiet time after the last event before a batch goes out, ms. */
  debounceMs: number;
  /** How long a file's size must stay the same before it is reported, ms (0: report at once). */
  stableMs: number;
  /** Gets each batch: uris of files that may have changed, and of folders that went away. Batches never overlap. */
  onChanges: (batch: WatchBatch) => Promise<void>;
  onError?: (error: unknown) => void;
}

export interface WatchBatch {
  uris: string[];
  /** Folders removed (their files were reported too, as far as the watcher knew them). */
  removedDirs: string[];
}

export interface FolderWatch {
  /** Stops watching, then waits for the batch in progress. Idempotent. */
  close(): Promise<void>;
}

/** When a new folder is read again after chokidar reported it (plus `stableMs`), ms. */
const RESCAN_AFTER_MS = [250, 2_000];

/** Starts watching `root` (a real, absolute folder path); resolves once the initial scan is done. */
export async function watchFolder(root: string, o: FolderWatchOptions): Promise<FolderWatch> {
  const ignore = o.ignore ?? (() => false);
  const uris = new Set<string>();
  const removedDirs = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let firstPendingAt = 0;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  // A steady stream of events must not hold a batch back for ever.
  const maxWaitMs = Math.max(1_000, o.debounceMs * 10);

  const ignored = (path: string, stats?: Stats): boolean => {
    const uri = uriOf(root, path);
    if (uri === '' || uri.startsWith('..')) return false;
    const parts = uri.split('/');
    const last = parts[parts.length - 1]!;
    if (parts.slice(0, -1).some(isIgnoredDirName)) return true;
    if ((stats ? stats.isDirectory() : !formatOf(last)) && isIgnoredDirName(last)) return true;
    return ignore(uri);
  };

  const flush = (): void => {
    timer = undefined;
    if (uris.size === 0 && removedDirs.size === 0) return;
    const batch: WatchBatch = { uris: [...uris].sort(), removedDirs: [...removedDirs].sort() };
    uris.clear();
    removedDirs.clear();
    chain = chain.then(() => o.onChanges(batch)).catch((e: unknown) => o.onError?.(e));
  };

  // files of a new folder, read again after chokidar has registered its watch on it (see the header)
  const rescans = new Set<NodeJS.Timeout>();
  const rescan = (dir: string): void => {
    if (closed) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // gone again: its removal is an event of its own
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isSymbolicLink() || ignored(path)) continue;
      if (e.isDirectory()) rescan(path);
      else if (e.isFile()) note('add', path);
    }
  };
  const rescanLater = (dir: string): void => {
    for (const ms of RESCAN_AFTER_MS) {
      const t = setTimeout(() => {
        rescans.delete(t);
        rescan(dir);
      }, ms + o.stableMs);
      rescans.add(t);
    }
  };

  const note = (event: string, path: string): void => {
    if (closed) return;
    const uri = uriOf(root, path);
    if (event === 'addDir') {
      if (uri !== '') rescanLater(path);
      return;
    }
    if (event === 'unlinkDir') removedDirs.add(uri);
    else if (event === 'add' || event === 'change' || event === 'unlink') {
      if (!formatOf(uri)) return;
      uris.add(uri);
    } else return;
    const now = Date.now();
    if (!timer) firstPendingAt = now;
    clearTimeout(timer);
    timer = setTimeout(flush, now - firstPendingAt >= maxWaitMs ? 0 : o.debounceMs);
  };

  const watcher: FSWatcher = watch(root, {
    ignored,
    ignoreInitial: true,
    followSymlinks: false,
    awaitWriteFinish: o.stableMs > 0 ? { stabilityThreshold: o.stableMs, pollInterval: Math.max(10, Math.min(50, Math.floor(o.stableMs / 2))) } : false,
  });
  watcher.on('all', note);
  watcher.on('error', (e) => o.onError?.(e));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      for (const t of rescans) clearTimeout(t);
      await watcher.close();
      await chain;
    },
  };
}
