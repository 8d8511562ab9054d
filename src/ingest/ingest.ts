import { readFileSync } from 'node:fs';
import { UnsupportedFileError, ParseError, type SkipReason } from '../domain/errors.js';
import { checksum, sourceId as makeSourceId } from '../domain/ids.js';
import type { Embedder } from '../embed/embedder.js';
import { extractDocument } from '../extract/extract.js';
import { parseFile } from '../parse/parse.js';
import type { Store } from '../store/store.js';
import { scanFolder } from '../sources/filesystem.js';
import { embedTextOf, toRecords, type DocumentRecords } from './records.js';

export interface IngestProgress {
  phase: 'scan' | 'parse' | 'embed' | 'write';
  done: number;
  total: number;
  /** The file being worked on, when there is one. */
  uri?: string;
}

export interface SkippedFile {
  uri: string;
  reason: SkipReason;
  message: string;
}

export interface IngestReport {
  root: string;
  sourceId: string;
  /** Indexable files found. */
  files: number;
  /** New or changed documents written. */
  indexed: number;
  unchanged: number;
  deleted: number;
  /** Sections in the documents written. */
  sections: number;
  /** Sections whose vectors were computed (the rest re-used unchanged vectors). */
  embedded: number;
  skipped: SkippedFile[];
  /** Files of other types that were not looked at. */
  ignored: number;
  embedder: string;
  seconds: number;
  /** Where the time went, in milliseconds (for benchmarks and `ingest --json`). */
  timings?: IngestTimings;
}

export interface IngestTimings {
  /** Scan, read, checksum, parse, sectionize and build records (lexical terms included). */
  parseMs: number;
  /** Choosing the embedder: for the builtin one, fitting (or loading) the model. */
  fitMs: number;
  /** Embedding new and changed sections. */
  embedMs: number;
  /** Writing documents (one transaction each). */
  writeMs: number;
  /** Removing documents that are gone. */
  deleteMs: number;
  /** Re-embedding stored sections after the embedder changed. */
  reembedMs: number;
}

/**
 * Chooses the embedder for this ingest. `newTexts` are the embed texts of the
 * sections about to be written; a corpus-fitted embedder may (re)fit on them
 * plus what is stored, in which case it answers `reembedAll`.
 */
export type EmbedderResolver = (newTexts: readonly string[]) => Promise<{ embedder: Embedder; reembedAll: boolean }>;

export interface IngestOptions {
  store: Store;
  resolveEmbedder: EmbedderResolver;
  maxFileBytes?: number;
  maxSectionTokens?: number;
  onProgress?: (p: IngestProgress) => void;
  /** Clock, for tests and reproducible exports. */
  now?: () => Date;
}

/**
 * Brings the index up to date with a folder: new and changed files are parsed
 * and written (one transaction per document), unchanged ones (same checksum)
 * are skipped, files that disappeared are removed with everything that hung
 * off them. Bad files are skipped with a reason; they never stop the run.
 */
export async function ingestFolder(dir: string, options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const timings: IngestTimings = { parseMs: 0, fitMs: 0, embedMs: 0, writeMs: 0, deleteMs: 0, reembedMs: 0 };
  const { store } = options;
  const progress = options.onProgress ?? (() => undefined);
  progress({ phase: 'scan', done: 0, total: 0 });
  const scan = scanFolder(dir);
  const srcId = makeSourceId('fs', scan.root);
  const now = (options.now ?? (() => new Date()))().toISOString();
  await store.upsertSource({ id: srcId, kind: 'fs', location: scan.root, createdAt: now });

  const existing = new Map((await store.listDocuments(srcId)).map((d) => [d.uri, d]));
  const skipped: SkippedFile[] = [];
  const pending: DocumentRecords[] = [];
  let unchanged = 0;

  scan.files.forEach((file, i) => {
    progress({ phase: 'parse', done: i, total: scan.files.length, uri: file.uri });
    let bytes: Buffer;
    try {
      bytes = readFileSync(file.path);
    } catch (e) {
      skipped.push({ uri: file.uri, reason: 'unreadable', message: `${file.uri} could not be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      return;
    }
    const sum = checksum(bytes);
    if (existing.get(file.uri)?.checksum === sum) {
      unchanged++;
      return;
    }
    try {
      const parsed = parseFile(file.uri, bytes, { maxFileBytes: options.maxFileBytes, maxSectionTokens: options.maxSectionTokens });
      pending.push(toRecords(srcId, parsed, sum, bytes.length, now));
    } catch (e) {
      if (e instanceof UnsupportedFileError) skipped.push({ uri: file.uri, reason: e.reason, message: e.message });
      else if (e instanceof ParseError) skipped.push({ uri: file.uri, reason: 'parse-error', message: e.message });
      else throw e;
    }
  });
  progress({ phase: 'parse', done: scan.files.length, total: scan.files.length });
  let mark = performance.now();
  timings.parseMs = mark - started;

  // links resolve against this ingest's documents and what the source already holds
  const anchors = new Map<string, Map<string, string>>();
  for (const a of await store.sectionAnchors(srcId)) addAnchor(anchors, a.uri, a.anchor, a.id);
  for (const rec of pending) {
    anchors.delete(rec.document.uri);
    for (const s of rec.sections) if (s.part <= 1) addAnchor(anchors, rec.document.uri, s.anchor, s.id);
  }
  const resolveSection = (uri: string, anchor?: string): string | undefined => {
    const m = anchors.get(uri);
    if (!m) return undefined;
    return anchor ? (m.get(anchor) ?? m.get(anchor.toLowerCase())) : m.values().next().value;
  };

  const newTexts = pending.flatMap((p) => [...p.embedText.values()]);
  const { embedder, reembedAll } = await options.resolveEmbedder(newTexts);
  timings.fitMs = performance.now() - mark;

  let embedded = 0;
  let sections = 0;
  const totalSections = pending.reduce((n, p) => n + p.sections.length, 0);
  for (const rec of pending) {
    mark = performance.now();
    const reuse = reembedAll ? new Map<string, Float32Array>() : await store.getSectionVectors(rec.document.id);
    const vectors = new Map<string, Float32Array>();
    const toEmbed = rec.sections.filter((s) => {
      const old = reuse.get(s.checksum);
      if (old) vectors.set(s.id, old);
      return !old;
    });
    for (let b = 0; b < toEmbed.length; b += embedder.batchSize) {
      const batch = toEmbed.slice(b, b + embedder.batchSize);
      const out = await embedder.embed(batch.map((s) => rec.embedText.get(s.id)!), 'document');
      batch.forEach((s, i) => vectors.set(s.id, out[i]!));
    }
    embedded += toEmbed.length;
    const embeddedAt = performance.now();
    timings.embedMs += embeddedAt - mark;
    const graph = extractDocument(
      { sourceId: srcId, docId: rec.document.id, uri: rec.document.uri, title: rec.document.title, sections: rec.sections },
      resolveSection,
    );
    await store.writeDocument({ document: rec.document, sections: rec.sections, vectors, lexical: rec.lexical, entities: graph.entities, edges: graph.edges });
    timings.writeMs += performance.now() - embeddedAt;
    sections += rec.sections.length;
    progress({ phase: 'write', done: sections, total: totalSections, uri: rec.document.uri });
  }

  // files that are gone (or are now skipped as bad) leave the index
  const present = new Set(scan.files.map((f) => f.uri));
  const skippedUris = new Set(skipped.map((s) => s.uri));
  let deleted = 0;
  mark = performance.now();
  for (const [uri, doc] of existing) {
    if (!present.has(uri) || skippedUris.has(uri)) {
      await store.deleteDocument(doc.id);
      deleted++;
    }
  }

  timings.deleteMs = performance.now() - mark;
  mark = performance.now();
  if (reembedAll) embedded += await reembedStored(store, embedder, new Set(pending.map((p) => p.document.id)));

  return {
    root: scan.root,
    sourceId: srcId,
    files: scan.files.length,
    indexed: pending.length,
    unchanged,
    deleted,
    sections,
    embedded,
    skipped,
    ignored: scan.ignored,
    embedder: embedder.info().id,
    seconds: (performance.now() - started) / 1000,
    timings: { ...timings, reembedMs: performance.now() - mark },
  };
}

function addAnchor(anchors: Map<string, Map<string, string>>, uri: string, anchor: string, id: string): void {
  let m = anchors.get(uri);
  if (!m) {
    m = new Map();
    anchors.set(uri, m);
  }
  if (!m.has(anchor)) m.set(anchor, id);
}

/** Re-embeds every stored section outside `skipDocs` (after the embedder changed). Returns the count. */
export async function reembedStored(store: Store, embedder: Embedder, skipDocs: Set<string> = new Set()): Promise<number> {
  let batch: { id: string; text: string }[] = [];
  let count = 0;
  const docs = new Map((await store.listDocuments()).map((d) => [d.id, d.title]));
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const out = await embedder.embed(batch.map((b) => b.text), 'document');
    await store.putVectors(new Map(batch.map((b, i) => [b.id, out[i]!])));
    count += batch.length;
    batch = [];
  };
  for await (const s of store.allSections()) {
    if (skipDocs.has(s.docId)) continue;
    batch.push({ id: s.id, text: embedTextOf(s.headingPath, docs.get(s.docId) ?? '', s.text) });
    if (batch.length >= embedder.batchSize * 4) await flush();
  }
  await flush();
  return count;
}
