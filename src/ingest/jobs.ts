/**
 * The jobs ingest puts on the queue: one per document (DESIGN §6). The job's
 * subject is the document (source id + uri); its checksum is the content it
 * will write, so the queue's dedupe key (type + subject + checksum) makes
 * enqueueing the same content twice a no-op and newer content supersede older.
 */
import type { SkippedFile } from './ingest.js';

/** Index one file: read it, check it is still the content planned, parse, extract, embed what changed, write. */
export const INGEST_DOCUMENT = 'ingest-document';
/** Remove one document whose file is gone. */
export const DELETE_DOCUMENT = 'delete-document';
export const DOCUMENT_JOB_TYPES = [INGEST_DOCUMENT, DELETE_DOCUMENT] as const;
/** The checksum of a deletion job (a file that is not there). */
export const DELETED = 'deleted';

export interface DocumentJobPayload {
  /** Absolute path of the source folder; the file is `root/uri`. */
  root: string;
  /** Write even when the index already holds this content (verify --repair). */
  force?: boolean;
  /** The source opted in to file symlinks that lead out of its folder (special files are refused all the same). */
  followOutside?: boolean;
  /**
   * How many jobs before this one, in a row, found the file changed since it
   * was read and handed over to a job for the new content. Past
   * MAX_SUPERSEDES the file is skipped as `unstable`.
   */
  supersedes?: number;
  /** The source is being removed (`docgraph remove`): a deletion removes the document whatever its file holds now. */
  removing?: boolean;
}

/**
 * A file read this many times in a row with different content each time is
 * being rewritten continuously: it is skipped as `unstable` instead of
 * superseding itself forever.
 */
export const MAX_SUPERSEDES = 3;

/** What one job did, for the ingest report. */
export type DocumentOutcome =
  | { kind: 'indexed'; uri: string; sections: number; embedded: number; embedMs: number; writeMs: number }
  | { kind: 'unchanged'; uri: string }
  | { kind: 'deleted'; uri: string; existed: boolean; deleteMs: number }
  /** A file that cannot be indexed (permanent: the job goes to the DLQ); `removed` when an older version left the index. */
  | { kind: 'skipped'; uri: string; skip: SkippedFile; removed: boolean }
  /** The file changed (or went) after the job was planned: a job for what is there now was queued instead. */
  | { kind: 'superseded'; uri: string };
