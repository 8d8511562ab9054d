/**
 * Parsing one file into store records (with what extraction can find in it
 * alone), as a task that can run on another
 * thread (`parse-pool.ts`): its input and outcome are plain data, so they
 * cross a worker boundary by structured clone, and the errors parseDocument
 * throws travel as values and are thrown again on the caller's side.
 */
import { ParseError, UnsupportedFileError } from '../domain/errors.js';
import type { SkipReason } from '../domain/errors.js';
import { extractContent } from '../extract/extract.js';
import { parseDocument } from '../parse/parse.js';
import { toRecords, type DocumentRecords } from './records.js';

export interface ParseTask {
  uri: string;
  bytes: Uint8Array;
  sourceId: string;
  /** The file's checksum (already computed by the caller). */
  checksum: string;
  indexedAt: string;
  maxFileBytes?: number | undefined;
  maxSectionTokens?: number | undefined;
}

export type ParseOutcome =
  | { kind: 'records'; records: DocumentRecords }
  | { kind: 'unsupported'; reason: SkipReason; message: string }
  | { kind: 'parse-error'; message: string }
  /** Something else thrown (a bug), carried back from a parse thread as a value (parse-worker.ts): a rejected task means its thread stopped. */
  | { kind: 'thrown'; name: string; message: string; stack: string | undefined };

/** Parses and builds the records; a file that cannot be indexed is an outcome, not a throw. Anything else thrown is a bug. */
export async function runParseTask(t: ParseTask): Promise<ParseOutcome> {
  try {
    const parsed = await parseDocument(t.uri, t.bytes, { maxFileBytes: t.maxFileBytes, maxSectionTokens: t.maxSectionTokens });
    const records = toRecords(t.sourceId, parsed, t.checksum, t.bytes.length, t.indexedAt);
    // extraction too, while on this thread: all of it but the links, which need the other documents
    records.content = extractContent({ sourceId: t.sourceId, docId: records.document.id, uri: t.uri, title: records.document.title, sections: records.sections });
    return { kind: 'records', records };
  } catch (e) {
    if (e instanceof UnsupportedFileError) return { kind: 'unsupported', reason: e.reason, message: e.message };
    if (e instanceof ParseError) return { kind: 'parse-error', message: e.message };
    throw e;
  }
}
