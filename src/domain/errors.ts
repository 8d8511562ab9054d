/**
 * One error hierarchy for the whole product. Interfaces (CLI, HTTP, MCP) map
 * `code` to an exit code, status or protocol error in exactly one place each.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'UNSUPPORTED_FILE'
  | 'PARSE_FAILED'
  | 'EMBEDDER_UNAVAILABLE'
  | 'EMBEDDER_MISMATCH'
  | 'CONFIG_INVALID'
  | 'STORE_FAILED'
  /** A job's lease expired or was taken over; the holder must stop and not write. */
  | 'LEASE_LOST'
  /** The job queue is at its maximum size; retry later (HTTP 503 with Retry-After). */
  | 'QUEUE_FULL'
  /** The index file is damaged (SQLite reports corruption or a failed integrity check). */
  | 'INDEX_CORRUPT'
  /** The index cannot be written or opened (read-only, permissions, disk full, I/O error); retrying will not help. */
  | 'INDEX_UNAVAILABLE'
  /** The server sheds load: too many requests waiting, or one waited past its deadline; retry later (HTTP 503 with Retry-After). */
  | 'SERVER_BUSY'
  | 'INTERNAL';

export interface DocgraphErrorOptions {
  cause?: unknown;
  /** A hint that tells the user what to do next. */
  hint?: string;
  /** True when retrying the same operation later may succeed. */
  retryable?: boolean;
}

export class DocgraphError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: DocgraphErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }
}

/** Bad arguments, flags, requests or query input. `allowed` says what would be accepted. */
export class InvalidInputError extends DocgraphError {
  readonly field: string | undefined;
  readonly allowed: string | undefined;
  constructor(message: string, opts: DocgraphErrorOptions & { field?: string; allowed?: string } = {}) {
    super('INVALID_INPUT', message, opts);
    this.field = opts.field;
    this.allowed = opts.allowed;
  }
}

export class NotFoundError extends DocgraphError {
  constructor(message: string, opts: DocgraphErrorOptions = {}) {
    super('NOT_FOUND', message, opts);
  }
}

/** A file docgraph will not index (binary, too large, wrong encoding, unknown type). */
export class UnsupportedFileError extends DocgraphError {
  readonly uri: string;
  readonly reason: SkipReason;
  constructor(uri: string, reason: SkipReason, message: string) {
    super('UNSUPPORTED_FILE', message);
    this.uri = uri;
    this.reason = reason;
  }
}

/** A file that could be read but not parsed into sections. Never retryable. */
export class ParseError extends DocgraphError {
  readonly uri: string;
  constructor(uri: string, message: string, opts: DocgraphErrorOptions = {}) {
    super('PARSE_FAILED', message, opts);
    this.uri = uri;
  }
}

export class EmbedderError extends DocgraphError {
  readonly provider: string;
  constructor(provider: string, message: string, opts: DocgraphErrorOptions = {}) {
    super('EMBEDDER_UNAVAILABLE', message, opts);
    this.provider = provider;
  }
}

/** The store's vectors were built by another embedder than the configured one. */
export class EmbedderMismatchError extends DocgraphError {
  constructor(message: string, opts: DocgraphErrorOptions = {}) {
    super('EMBEDDER_MISMATCH', message, opts);
  }
}

/** Vectors were computed with an embedder the index no longer uses (another writer switched it). Retryable: the next attempt embeds with the current one. */
export class EmbedderChangedError extends DocgraphError {
  constructor(was: string, now: string | undefined) {
    super('EMBEDDER_MISMATCH', `the index moved from embedder ${was} to ${now ?? 'none'} while the job ran`, { retryable: true });
  }
}

export class ConfigError extends DocgraphError {
  constructor(message: string, opts: DocgraphErrorOptions = {}) {
    super('CONFIG_INVALID', message, opts);
  }
}

/**
 * The index file is damaged: SQLite found corrupt pages, or an integrity
 * check failed. Never retryable; the hint says how to recover.
 */
export class IndexCorruptError extends DocgraphError {
  /** The index file, when known. */
  readonly path: string | undefined;
  /** What SQLite reported (the first problems of an integrity check, or the driver's message). */
  readonly detail: string;
  constructor(detail: string, opts: DocgraphErrorOptions & { path?: string } = {}) {
    const where = opts.path ? ` at ${opts.path}` : '';
    super('INDEX_CORRUPT', `the index${where} is damaged: ${detail}`, {
      ...opts,
      retryable: false,
      hint:
        opts.hint ??
        'restore a backup copy of the index file, or see the damage with `docgraph verify`, or re-ingest into a new index (`docgraph ingest <folder> --index <new file>`) and remove the damaged one',
    });
    this.path = opts.path;
    this.detail = detail;
  }
}

/** Why the index cannot be used: a stable string for logs and JSON. */
export type IndexUnavailableReason = 'read-only' | 'cannot-open' | 'disk-full' | 'io-error' | 'permission';

/**
 * The index cannot be opened or written, and retrying will not help until
 * someone fixes the cause (file or folder made read-only, disk full, the
 * file gone or unreadable, an I/O error).
 */
export class IndexUnavailableError extends DocgraphError {
  readonly reason: IndexUnavailableReason;
  readonly path: string | undefined;
  constructor(reason: IndexUnavailableReason, detail: string, opts: DocgraphErrorOptions & { path?: string } = {}) {
    const where = opts.path ? ` at ${opts.path}` : '';
    super('INDEX_UNAVAILABLE', `the index${where} cannot be written (${reason}): ${detail}`, {
      ...opts,
      // a server that cannot be reached may be back in a moment (the caller says so); a read-only or full disk is not
      retryable: opts.retryable ?? false,
      hint: opts.hint ?? UNAVAILABLE_HINTS[reason],
    });
    this.reason = reason;
    this.path = opts.path;
  }
}

const UNAVAILABLE_HINTS: Record<IndexUnavailableReason, string> = {
  'read-only': 'make the index file, its -wal and -shm files and its folder writable by this user again, then run the command again; queued jobs are kept',
  'cannot-open': 'check that the index file and its folder exist and are readable and writable by this user',
  'disk-full': 'free disk space on the volume that holds the index, then run the command again; queued jobs are kept',
  'io-error': 'the system refused a write or read: check that the volume has space and is writable, the permissions and immutable attributes (lsattr) of the index file, its -wal file and folder, and dmesg; queued jobs are kept',
  permission: 'check the permissions (and immutable attributes, lsattr) of the index file, its -wal and -shm files and its folder',
};

/** Why a file was skipped during ingest; stable strings used in summaries and JSON. */
export type SkipReason =
  | 'binary'
  | 'invalid-utf8'
  | 'too-large'
  | 'empty'
  | 'unsupported-type'
  | 'parse-error'
  | 'unreadable'
  | 'too-deep'
  /** A symlink whose target lies outside the source folder (followed only when the source opts in). */
  | 'outside-root'
  /** Not a regular file: a FIFO, socket or device, or anything under /proc, /sys or /dev. Never read. */
  | 'special-file'
  /** A symlink whose target does not exist. */
  | 'dangling-link'
  /** A symlink that (through others) points back at itself. */
  | 'link-loop'
  /** A symlinked folder: not followed (it could loop or lead out of the source). */
  | 'linked-folder'
  /** A file or folder name that is not valid UTF-8, so it has no stable uri. */
  | 'non-utf8-name'
  /** The file's content changed every time it was read (rewritten continuously), so no version could be indexed. */
  | 'unstable'
  /** A password-protected PDF or Word document: it cannot be read without the password. */
  | 'encrypted';

export function isDocgraphError(e: unknown): e is DocgraphError {
  return e instanceof DocgraphError;
}

/** Codes of a file that cannot be indexed as it is (binary, too large, not UTF-8, unparseable ...): an ingest outcome, not a fault. */
export const UNINDEXABLE_CODES: ReadonlySet<string> = new Set(['UNSUPPORTED_FILE', 'PARSE_FAILED']);

/** True for an error that says a file cannot be indexed as it is (see UNINDEXABLE_CODES). */
export function isUnindexable(e: unknown): e is DocgraphError {
  return e instanceof DocgraphError && UNINDEXABLE_CODES.has(e.code);
}
