/**
 * The planner: turns a folder (or a watcher's batch of paths) into document
 * jobs. It scans, diffs checksums against the index, decides the embedder up
 * front (the builtin one is fitted here, on the texts about to be written, so
 * every worker embeds in the same space) and re-embeds stored sections when
 * the embedder changed. It writes no document: the job handler does.
 */
import { append } from '../domain/arrays.js';
import { join } from 'node:path';
import { InvalidInputError, UnsupportedFileError } from '../domain/errors.js';
import { folderSourceName, freeName } from '../domain/sources.js';
import { documentId, sourceId as makeSourceId } from '../domain/ids.js';
import { documentChecksum } from './revision.js';
import type { Embedder } from '../embed/embedder.js';
import { formatOf } from '../parse/input.js';
import { folderRoot, isIgnoredDirName, scanFolder, type ScannedFile } from '../sources/filesystem.js';
import { checkFile, readSourceFile } from '../sources/source-file.js';
import type { SourceRecord, Store } from '../store/store.js';
import type { EnqueueOptions, JobInput } from '../queue/queue.js';
import { reembedStored, skipOf, type EmbedderResolver, type IngestProgress, type SkippedFile } from './ingest.js';
import { DELETE_DOCUMENT, DELETED, INGEST_DOCUMENT, type DocumentJobPayload } from './jobs.js';
import type { DocumentRecords } from './records.js';
import { parserOnThisThread, type Parser } from './parse-pool.js';
import type { ParseTask } from './parse-task.js';
import { anchorsOf } from './links.js';
import { ThreadStoppedError } from '../threads/pool.js';

export interface PlanOptions {
  store: Store;
  resolveEmbedder: EmbedderResolver;
  maxFileBytes?: number;
  maxSectionTokens?: number;
  /** Leaves files and folders out by uri (`ingest.ignore`). */
  ignore?: (uri: string) => boolean;
  onProgress?: (p: IngestProgress) => void;
  now?: () => Date;
  /**
   * Plan only these uris (a watcher's batch): those whose file is gone become
   * deletions; the rest of the folder is not looked at. Default: the whole
   * folder, and every indexed document whose file is gone is deleted.
   */
  uris?: readonly string[];
  /** Queue these uris even if the index holds their content (verify --repair). */
  force?: ReadonlySet<string>;
  /** Follow file symlinks out of the folder (the source opted in); the jobs carry it. Default false. */
  followOutside?: boolean;
  /** Parses on other threads (`parse-pool.ts`); default: on this one. */
  parser?: Parser;
  /** Runs with fewer bytes to look at than this are parsed on this thread even with a `parser`. Default 8 MiB. */
  threadsFromBytes?: number;
  /**
   * Bytes of changed files (in file order) parsed while planning, their
   * records held for the jobs and the builtin embedder's fit; the files past
   * them are parsed by their jobs. Default PLAN_PARSE_BYTES (ingest.planParseBytes).
   */
  parseBytes?: number;
  /**
   * Runs of at least this many bytes to look at fit the builtin embedder on a
   * sample: every other new or changed file parsed ahead (in file order).
   * Default FIT_SAMPLE_FROM_BYTES.
   */
  fitSampleFromBytes?: number;
  /**
   * Return once the fit's sample is parsed and the embedder resolved, with
   * the other files parsed ahead still parsing (`PlannedFile.pending`), so
   * their jobs can be written while they parse. Default false: the plan
   * returns with every file it parses parsed.
   */
  stream?: boolean;
  /**
   * The source the folder is (registered by `docgraph add`): its id names the
   * documents. Default: the folder source of `dir` (`ensureFolderSource`).
   */
  source?: SourceRecord;
}

/**
 * The folder source of `root` (`docgraph ingest <dir>`, the quick path):
 * registered on first use, named after the folder (`folderSourceName`, made
 * unique with `-2`, `-3` ...), unversioned.
 */
export async function ensureFolderSource(store: Store, root: string, now: string): Promise<SourceRecord> {
  const id = makeSourceId('fs', root);
  for (let attempt = 0; ; attempt++) {
    const all = await store.sources();
    const known = all.find((x) => x.id === id);
    if (known) {
      if (known.location !== root) await store.upsertSource({ ...known, location: root });
      return { ...known, location: root };
    }
    const taken = new Set(all.filter((x) => x.version === null).map((x) => x.name));
    const source: SourceRecord = { id, kind: 'fs', location: root, createdAt: now, name: freeName(folderSourceName(root), taken), version: null, options: {}, revision: null, refreshedAt: null };
    try {
      await store.upsertSource(source);
      return source;
    } catch (e) {
      // another process took the name between the read and the write: read again
      if (attempt >= 2 || !(e instanceof InvalidInputError)) throw e;
    }
  }
}

/** A parse's outcome: the records, or why the file cannot be indexed (UnsupportedFileError, ParseError). */
export type ParsedOutcome = { records: DocumentRecords } | { error: unknown };

/** A file's place in the plan, in file order. `fit`: its texts are in the builtin embedder's fit. */
interface Slot {
  change?: PlannedFile;
  skip?: SkippedFile;
  fit?: boolean;
}

/** A new or changed file, parsed (or found bad) while planning. */
export interface PlannedFile {
  uri: string;
  checksum: string;
  /** The records, when it parsed here (see PLAN_PARSE_BYTES); the handler of an in-process worker re-uses them. */
  records?: DocumentRecords;
  /**
   * A streaming plan (`PlanOptions.stream`): the parse of a file outside the
   * fit's sample, still running on the parse threads when the plan returns.
   * Never rejects: a file that cannot be indexed is `{ error }`.
   */
  pending?: Promise<ParsedOutcome>;
  /** Why it cannot be indexed, when it cannot. */
  skip?: SkippedFile;
  force: boolean;
  /** The index holds an older version. */
  replaces: boolean;
}

export interface Plan {
  root: string;
  sourceId: string;
  /** Symlinks out of the folder are followed (the jobs read with the same rule). */
  followOutside: boolean;
  /** Files looked at: indexable ones, and documents skipped while scanning (see `skipped`). */
  files: number;
  ignored: number;
  /** Files whose content the index already holds. */
  unchanged: number;
  /**
   * Files (and folders) that cannot be indexed, with why. Those found bad by
   * their content get a job that goes to the DLQ; those refused before
   * reading (outside the root, special, too large, dangling ...) get none,
   * and an indexed version of them is deleted.
   */
  skipped: SkippedFile[];
  /** Files to (re)index, bad ones included, in uri order. */
  changes: PlannedFile[];
  /** Indexed documents whose file is gone. */
  deletions: string[];
  /** The embedder the index uses after planning (fitted now, for the builtin one, when needed). */
  embedder: Embedder | undefined;
  embedderId: string | undefined;
  /** Stored sections re-embedded because the embedder changed. */
  reembedded: number;
  /** uri → anchor → section id of the planned documents, for resolving links between them. */
  anchors: Map<string, Map<string, string>>;
  timings: { parseMs: number; fitMs: number; reembedMs: number };
}

/**
 * Below this many bytes of files a planner parses on its own thread (see
 * PlanOptions.threadsFromBytes): starting parse threads and copying records
 * back costs more than it saves on a small run (the Node.js docs, 3.2 MB:
 * parsing took 1.2 s on the main thread, 1.6 s on two threads; the Python
 * docs, 46 MB: 34.6 s and 16.5 s).
 */
const THREADS_FROM_BYTES = 8 * 1024 * 1024;

/**
 * From this many bytes of files to look at (the Python docs are 46 MB, the
 * Node.js docs 3.2 MB), the builtin embedder is fitted on every other new or
 * changed file parsed ahead, in file order, a sample that depends only on the
 * files (so a fit, and the vectors, are the same on every run of the same
 * input, whatever the threads). The sample parses first; the parse threads
 * go on with the other files while the main thread fits and writes, where
 * without a sample the threads would idle through the fit and the writes.
 * Below it every file is in the fit.
 */
export const FIT_SAMPLE_FROM_BYTES = 8 * 1024 * 1024;

/**
 * Source bytes a plan parses ahead of its jobs. Parsed records take about
 * ten times their source in memory (5.3 KiB of heap a section at a million
 * synthetic sections, where holding them all needed 5 GiB and passed Node's
 * default heap limit at ~780k sections). Past this many bytes of changed
 * files, in file order, files are not parsed while planning: each one's job
 * parses it, and the builtin embedder is fitted on the texts of the files
 * before (a deterministic prefix of the corpus). Every dev corpus (the Python
 * docs are 46 MB) fits under it whole.
 */
export const PLAN_PARSE_BYTES = 64 * 1024 * 1024;

/**
 * How far the planner reads ahead of the file it is looking at: reading a
 * file is a handful of round trips to the I/O threads (open, fstat, readlink,
 * read, close), which one file at a time leaves idle. At most this many files
 * and bytes (by their scanned size) are read but not yet looked at; a file
 * larger than the byte bound is read alone.
 */
export const READ_AHEAD = { files: 8, bytes: 16 * 1024 * 1024 };

/** A read's outcome: its bytes, or what it threw. */
export type ReadOutcome = { bytes: Buffer } | { error: unknown };

/**
 * Reads `files` with `read`, several at a time within `limits`, and yields
 * the outcomes in the files' order, whatever finishes first. A read that
 * throws is an outcome (`{ error }`), never a rejection. Stopping early
 * (`break`) starts no further read; the ones running finish on their own.
 */
export async function* readAhead<F extends { size: number }>(
  files: readonly F[],
  read: (file: F) => Promise<Buffer>,
  limits: { files: number; bytes: number } = READ_AHEAD,
): AsyncGenerator<ReadOutcome> {
  /** Reads started and not yet yielded, in file order. */
  const pending: Promise<ReadOutcome>[] = [];
  let next = 0;
  let bytes = 0;
  for (const file of files) {
    // start reads while within the bounds (always the one yielded next, however large)
    while (next < files.length && (pending.length === 0 || (pending.length < limits.files && bytes + files[next]!.size <= limits.bytes))) {
      const f = files[next++]!;
      bytes += f.size;
      pending.push(read(f).then((b) => ({ bytes: b }), (error: unknown) => ({ error })));
    }
    const outcome = await pending.shift()!;
    bytes -= file.size;
    yield outcome;
  }
}

/** Plans a folder (or some of its files): see the module comment. */
export async function planFolder(dir: string, options: PlanOptions): Promise<Plan> {
  const started = performance.now();
  const { store } = options;
  const progress = options.onProgress ?? (() => undefined);
  const ignore = options.ignore ?? (() => false);
  const rules = { followOutside: options.followOutside ?? false, ...(options.maxFileBytes !== undefined ? { maxBytes: options.maxFileBytes } : {}) };
  progress({ phase: 'scan', done: 0, total: 0 });
  let root: string;
  let files: ScannedFile[];
  let ignored = 0;
  const gone: string[] = [];
  /** Refused before reading: no job; an indexed version leaves. */
  const refused: SkippedFile[] = [];
  if (options.uris) {
    root = folderRoot(dir);
    files = [];
    for (const uri of [...new Set(options.uris)].sort()) {
      if (!formatOf(uri) || ignore(uri) || uri.split('/').slice(0, -1).some(isIgnoredDirName)) continue;
      const c = checkFile(root, uri, rules);
      if (c.kind === 'file') files.push({ uri, path: join(root, uri), size: c.size, mtimeMs: c.mtimeMs });
      else if (c.kind === 'skip') refused.push(c.skip);
      else gone.push(uri);
    }
  } else {
    const scan = scanFolder(dir, { ignore, ...rules });
    root = scan.root;
    files = scan.files;
    ignored = scan.ignored;
    append(refused, scan.skipped);
  }
  const fileCount = files.length + refused.length;
  const now = (options.now ?? (() => new Date()))().toISOString();
  let srcId: string;
  if (options.source) {
    srcId = options.source.id;
    await store.upsertSource(options.source);
  } else {
    srcId = (await ensureFolderSource(store, root, now)).id;
  }

  const existing = new Map<string, string>();
  if (options.uris) {
    for (const uri of [...files.map((f) => f.uri), ...gone, ...refused.map((r) => r.uri)]) {
      const doc = await store.getDocument(documentId(srcId, uri));
      if (doc) existing.set(uri, doc.checksum);
    }
  } else {
    for (const d of await store.listDocuments(srcId)) existing.set(d.uri, d.checksum);
  }

  const skipped: SkippedFile[] = [...refused];
  let unchanged = 0;
  let sections = 0;
  // Files are read here, in order, and parsed by the parser (other threads, a few at a time);
  // each file's outcome fills its slot, so the plan lists them in file order whatever finishes first.
  let bytesToLook = 0;
  for (const f of files) bytesToLook += f.size;
  const parser = options.parser && bytesToLook >= (options.threadsFromBytes ?? THREADS_FROM_BYTES) ? options.parser : parserOnThisThread;
  // A large run fits the builtin embedder on every other changed file parsed ahead, and those parse
  // first: the parse threads go on with the rest while this thread fits and the jobs write.
  const sampleFit = bytesToLook >= (options.fitSampleFromBytes ?? FIT_SAMPLE_FROM_BYTES);
  const slots: Slot[] = [];
  const inFlight = new Set<Promise<void>>();
  const deferred: { slot: Slot; task: ParseTask }[] = [];
  /** A parse that threw something other than a reason not to index: a bug, which fails the plan. */
  const failures: unknown[] = [];
  const parseBytes = options.parseBytes ?? PLAN_PARSE_BYTES;
  let parsedBytes = 0;
  let changedBytes = 0;
  let fitBytes = 0;
  let changedAhead = 0;
  const reads = readAhead(files, (f) => readSourceFile(root, f.uri, rules));
  for (const [i, file] of files.entries()) {
    if (failures.length > 0) break;
    progress({ phase: 'parse', done: i, total: files.length, uri: file.uri, sections });
    const read = (await reads.next()).value as ReadOutcome;
    let bytes: Buffer;
    if ('bytes' in read) bytes = read.bytes;
    else {
      const e = read.error;
      if (e instanceof UnsupportedFileError) {
        // refused on a closer look (the file changed since the scan)
        const skip = { uri: file.uri, reason: e.reason, message: e.message };
        slots.push({ skip });
        refused.push(skip);
        continue;
      }
      // Gone or unreadable now: the job reads it again and retries (or deletes it, if it is gone).
      slots.push({ skip: { uri: file.uri, reason: 'unreadable', message: `${file.uri} could not be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` } });
      continue;
    }
    const sum = documentChecksum(bytes);
    const force = options.force?.has(file.uri) ?? false;
    if (existing.get(file.uri) === sum && !force) {
      unchanged++;
      continue;
    }
    changedBytes += bytes.length;
    const replaces = existing.has(file.uri);
    const slot: Slot = { change: { uri: file.uri, checksum: sum, force, replaces } };
    slots.push(slot);
    // past the bytes parsed ahead (the first file always parses here): its job parses it
    if (parsedBytes > 0 && parsedBytes + bytes.length > parseBytes) continue;
    parsedBytes += bytes.length;
    const task: ParseTask = { uri: file.uri, bytes, sourceId: srcId, checksum: sum, indexedAt: now, maxFileBytes: options.maxFileBytes, maxSectionTokens: options.maxSectionTokens };
    if (sampleFit && changedAhead++ % 2 === 1) {
      deferred.push({ slot, task });
      continue;
    }
    slot.fit = true;
    fitBytes += bytes.length;
    const tracked = parseInto(slot, task).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= parser.threads * 2) await Promise.race(inFlight);
  }
  // the files outside the fit's sample queue behind it: the threads parse them while this thread fits
  const later = deferred.map(({ slot, task }) => {
    const outcome = parseOutcome(task);
    slot.change!.pending = outcome;
    return outcome.then((o) => settle(slot, o));
  });
  await Promise.all(inFlight);
  if (failures.length > 0) throw failures[0];
  progress({ phase: 'parse', done: files.length, total: files.length, sections });
  const parseMs = performance.now() - started;

  // The embedder: resolved (and for builtin fitted) only when there is something to embed or none is chosen yet.
  let mark = performance.now();
  const newTexts = slots.flatMap((x) => (x.fit && x.change?.records ? [...x.change.records.embedText.values()] : []));
  // the sections the sample stands for: its share of the changed bytes (all of them when it is all)
  const represents = fitBytes === changedBytes ? newTexts.length : Math.round((newTexts.length * changedBytes) / Math.max(1, fitBytes));
  const stored = await store.getEmbedder();
  let embedder: Embedder | undefined;
  let reembedAll = false;
  if (represents > 0 || !stored) {
    progress({ phase: 'fit', done: 0, total: newTexts.length, sections });
    ({ embedder, reembedAll } = await options.resolveEmbedder(newTexts, represents));
  }
  const fitMs = performance.now() - mark;
  // not streaming: the plan holds every parse it started, as it did before the sample
  if (!options.stream) {
    await Promise.all(later);
    if (failures.length > 0) throw failures[0];
    for (const { slot } of deferred) delete slot.change!.pending;
  }

  const changes: PlannedFile[] = [];
  for (const slot of slots) {
    if (slot.skip) skipped.push(slot.skip);
    if (slot.change) changes.push(slot.change);
  }
  const anchors = new Map<string, Map<string, string>>();
  for (const c of changes) if (c.records) anchors.set(c.uri, anchorsOf(c.records.sections));

  mark = performance.now();
  let reembedded = 0;
  if (embedder && reembedAll) {
    const rewritten = new Set(changes.filter((c) => c.records || c.pending).map((c) => documentId(srcId, c.uri)));
    reembedded = await reembedStored(store, embedder, rewritten);
  }
  const reembedMs = performance.now() - mark;

  /** Parses one file; a file that cannot be indexed is an outcome, anything else a bug (the plan fails). */
  function parseOutcome(task: ParseTask): Promise<ParsedOutcome> {
    return parser.parse(task).then(
      (records) => ({ records }),
      (error: unknown) => ({ error }),
    );
  }
  function settle(slot: Slot, o: ParsedOutcome): void {
    const change = slot.change!;
    if ('records' in o) {
      sections += o.records.sections.length;
      change.records = o.records;
      return;
    }
    // its thread stopped (a crash, not the file's fault as far as anyone knows): the file's job parses it again
    if (o.error instanceof ThreadStoppedError) return;
    const skip = skipOf(change.uri, o.error);
    if (!skip) {
      failures.push(o.error);
      return;
    }
    slot.skip = skip;
    change.skip = skip;
  }
  async function parseInto(slot: Slot, task: ParseTask): Promise<void> {
    settle(slot, await parseOutcome(task));
  }

  const refusedUris = new Set(refused.map((s) => s.uri));
  const present = new Set(files.map((f) => f.uri).filter((u) => !refusedUris.has(u)));
  // A folder that cannot be read now keeps what was indexed from it: nothing is known to be gone.
  const unreadableDirs = refused.filter((s) => s.reason === 'unreadable' && s.uri.endsWith('/')).map((s) => s.uri);
  const kept = (u: string): boolean => present.has(u) || unreadableDirs.some((d) => u.startsWith(d));
  const deletions = options.uris ? [...gone, ...refusedUris].filter((u) => existing.has(u)).sort() : [...existing.keys()].filter((u) => !kept(u));
  return {
    root,
    sourceId: srcId,
    followOutside: rules.followOutside,
    files: fileCount,
    ignored,
    unchanged,
    skipped,
    changes,
    deletions,
    embedder,
    embedderId: embedder?.info().id ?? stored?.id,
    reembedded,
    anchors,
    timings: { parseMs, fitMs, reembedMs },
  };
}

/**
 * The jobs of a plan: deletions first (claimed in queue order, so documents
 * written after them do not resolve links into documents about to go), then
 * one per changed file.
 */
export function planJobs(plan: Plan): { job: JobInput<DocumentJobPayload>; options?: EnqueueOptions }[] {
  const payload = (force: boolean): DocumentJobPayload => ({ root: plan.root, ...(force ? { force } : {}), ...(plan.followOutside ? { followOutside: true } : {}) });
  return [
    ...plan.deletions.map((uri) => ({ job: { type: DELETE_DOCUMENT, sourceId: plan.sourceId, uri, checksum: DELETED, payload: payload(false) } })),
    ...plan.changes.map((c) => ({
      job: { type: INGEST_DOCUMENT, sourceId: plan.sourceId, uri: c.uri, checksum: c.checksum, payload: payload(c.force) },
      ...(c.force ? { options: { force: true } } : {}),
    })),
  ];
}
