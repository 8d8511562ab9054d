/**
 * Ingest: the report and progress types, and re-embedding after an embedder
 * change. The work itself is split between the planner (`plan.ts`: folder →
 * jobs) and the job handler (`handler.ts`: one document); `report.ts` turns
 * what they did into an `IngestReport`.
 */
import { ParseError, UnsupportedFileError, type SkipReason } from '../domain/errors.js';
import type { Embedder } from '../embed/embedder.js';
import type { Store } from '../store/store.js';
import { embedTextOf } from './records.js';

export interface IngestProgress {
  /**
   * `parse`: files read out of the files found; `fit`: the embedder being
   * prepared (the builtin one is fitted) on `total` section texts;
   * `write`: jobs finished (by any worker) out of the jobs this ingest queued;
   * `link`: documents whose links to the run's documents were re-resolved.
   */
  phase: 'scan' | 'parse' | 'fit' | 'embed' | 'write' | 'link';
  done: number;
  total: number;
  /** Sections parsed so far (from the parse phase on). */
  sections?: number;
  /** The file being worked on, when there is one. */
  uri?: string;
}

export interface SkippedFile {
  uri: string;
  reason: SkipReason;
  message: string;
}

/** The skip a parse failure means (an unsupported file, or one that would not parse); undefined for any other error. */
export function skipOf(uri: string, e: unknown): SkippedFile | undefined {
  if (e instanceof UnsupportedFileError) return { uri, reason: e.reason, message: e.message };
  if (e instanceof ParseError) return { uri, reason: 'parse-error', message: e.message };
  return undefined;
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
  /** The jobs this ingest queued (new or changed files, deletions), and how they ended. */
  jobs?: IngestJobs;
  /** Files whose job failed for a reason other than their content (I/O, embedder) and ended in the DLQ, or is still retrying. */
  failed?: FailedFile[];
}

export interface IngestJobs {
  /** Jobs this ingest asked for. */
  queued: number;
  /** ... of which the same content was already queued (or done): not queued again. */
  deduplicated: number;
  /** Still pending or running when the report was made (with `--no-wait`, all of them). */
  pending: number;
  /** Their ids, in plan order. */
  ids: string[];
}

export interface FailedFile {
  uri: string;
  jobId: string;
  state: 'dead' | 'pending';
  message: string;
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
 * sections about to be written, or of a sample of them: `represents` is then
 * how many sections they stand for (an estimate; default `newTexts.length`).
 * A corpus-fitted embedder may (re)fit on them plus what is stored, in which
 * case it answers `reembedAll`.
 */
export type EmbedderResolver = (newTexts: readonly string[], represents?: number) => Promise<{ embedder: Embedder; reembedAll: boolean }>;

/**
 * Re-embeds every stored section outside `skipDocs` (after the embedder
 * changed), a document at a time. Each batch is written only while
 * `embedder` is still the index's embedder: if another writer switches it
 * meanwhile, this stops (that writer re-embeds everything in its own
 * space). Returns the count written.
 */
export async function reembedStored(store: Store, embedder: Embedder, skipDocs: Set<string> = new Set()): Promise<number> {
  const embedderId = embedder.info().id;
  let batch: { id: string; text: string }[] = [];
  let count = 0;
  let current = true;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const out = await embedder.embed(batch.map((b) => b.text), 'document');
    current = await store.putVectors(new Map(batch.map((b, i) => [b.id, out[i]!])), embedderId);
    if (current) count += batch.length;
    batch = [];
  };
  for (const d of await store.listDocuments()) {
    if (skipDocs.has(d.id)) continue;
    for (const s of await store.getDocumentSections(d.id)) batch.push({ id: s.id, text: embedTextOf(s.headingPath, d.title, s.text) });
    if (batch.length >= embedder.batchSize * 4) await flush();
    if (!current) return count;
  }
  await flush();
  return count;
}
