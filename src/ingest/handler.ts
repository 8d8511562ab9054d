/**
 * The document job handler: does one planned job against the current file.
 *
 * 1. Read the file, under the source's rules (`sources/source-file.ts`: no
 *    symlink out of the folder unless the source opted in, no special file,
 *    size checked before reading), checked on the file actually opened: a
 *    file swapped for a symlink after planning is refused here (permanent).
 *    Gone, or not the content the job names (it changed after
 *    planning)? Queue a job for what is there now and finish this one as
 *    superseded: a job only ever writes the content its checksum names, so
 *    the queue's dedupe ("this content is done") stays true.
 * 2. The index already holds this content (a retry after a crash that
 *    happened after the write, or a duplicate)? Finish without writing.
 * 3. Parse (or take the planner's parse), extract, embed only sections whose
 *    text changed (stored vectors are re-used, and so are vectors an earlier
 *    attempt checkpointed), then write and complete in one step
 *    (`DocumentCommit.complete`). A file that cannot be parsed fails
 *    permanently (to the DLQ) after its stale document leaves the index.
 */
import { DocgraphError, ParseError, UNINDEXABLE_CODES, UnsupportedFileError } from '../domain/errors.js';
import { documentId } from '../domain/ids.js';
import { documentChecksum } from './revision.js';
import type { Embedder } from '../embed/embedder.js';
import { extractDocument, withLinks } from '../extract/extract.js';
import type { Job, LeaseRef } from '../queue/queue.js';
import { readSourceFile } from '../sources/source-file.js';
import type { JobContext } from '../queue/worker.js';
import type { DocumentWrite, IndexChange, Store } from '../store/store.js';
import { DELETE_DOCUMENT, DELETED, INGEST_DOCUMENT, MAX_SUPERSEDES, type DocumentJobPayload, type DocumentOutcome } from './jobs.js';
import { skipOf } from './ingest.js';
import { linkResolver, settleRelinks } from './links.js';
import type { DocumentRecords } from './records.js';
import { parserOnThisThread, type Parser } from './parse-pool.js';

/** What a job does to the index when it completes (see `IndexChange`). */
export type DocumentEffect = IndexChange;

/**
 * How effects reach the index: with the job's completion, atomically
 * (`JobQueue.commitJob`; one transaction where the queue and the index share
 * a database, write-then-complete elsewhere — the handler is idempotent).
 */
export interface DocumentCommit {
  /** Applies `effect` and completes the job; a superseded job completes as such without the effect. `changed`: the effect changed the index. */
  complete(lease: LeaseRef, effect: DocumentEffect): Promise<{ state: 'completed' | 'superseded'; changed: boolean }>;
  /** Removes a document while the lease is still valid and the job not superseded; false if it could not (then nothing changed). */
  removeIfCurrent(lease: LeaseRef, docId: string): Promise<boolean>;
}

/** Parsed documents an in-process planner already holds, so its worker does not parse them again. */
export interface PlanCache {
  /**
   * The planner's records for this uri and checksum, taken out of the cache
   * (waiting for them while they still parse); throws UnsupportedFileError or
   * ParseError as a parse does.
   */
  take(sourceId: string, uri: string, checksum: string): Promise<DocumentRecords | undefined>;
  /** uri → anchor → section id of the documents being planned together. */
  anchors(sourceId: string, uri: string): Map<string, string> | undefined;
}

export interface DocumentHandlerOptions {
  store: Store;
  /** The embedder the index holds vectors of now. */
  embedder: () => Promise<Embedder>;
  commit: DocumentCommit;
  /** Queues a job for a document's current state (its file's checksum, or `deleted`), carrying `supersedes` in its payload. */
  requeue: (job: Job<DocumentJobPayload>, current: string, supersedes: number) => Promise<void>;
  maxFileBytes?: number;
  maxSectionTokens?: number;
  /** Parses a file the planner did not (another process planned it); default: on this thread. */
  parser?: Parser;
  cache?: PlanCache;
  /**
   * Leave the relinking after a write or removal to the caller, which runs
   * `settleRelinks` when it runs out of jobs (the worker's `onIdle`): links
   * between documents written in one run are then settled once for the whole
   * run instead of after every document. The store keeps the pending marker
   * with the write, so a crash in between loses nothing. Default false.
   */
  deferRelinks?: boolean;
  /** Checkpoint embedded vectors so a retried job does not embed them again (worth it for remote embedders). */
  checkpointVectors?: boolean;
  now?: () => Date;
  onOutcome?: (jobId: string, outcome: DocumentOutcome) => void;
}

/** Most bytes of vectors per checkpoint (the queue caps a payload at 64 KiB). */
const CHECKPOINT_BYTES = 48 * 1024;

/** A job whose type this handler does not know. Permanent. */
export class UnknownJobError extends DocgraphError {
  constructor(type: string) {
    super('INVALID_INPUT', `unknown job type "${type}"`);
  }
}

/** The handler for `ingest-document` and `delete-document` jobs (pass it to `runWorker`). */
export function documentJobHandler(o: DocumentHandlerOptions): (ctx: JobContext<DocumentJobPayload>) => Promise<void> {
  const report = (ctx: JobContext<DocumentJobPayload>, outcome: DocumentOutcome): void => o.onOutcome?.(ctx.job.id, outcome);
  /** How a job reads its file: the planner's rules, carried by the payload. */
  const readRules = (p: DocumentJobPayload): { followOutside: boolean; maxBytes?: number } => ({
    followOutside: p.followOutside === true,
    ...(o.maxFileBytes !== undefined ? { maxBytes: o.maxFileBytes } : {}),
  });
  return async (ctx) => {
    const { job } = ctx;
    if (job.type === DELETE_DOCUMENT) return deleteDocument(ctx);
    if (job.type !== INGEST_DOCUMENT) throw new UnknownJobError(job.type);
    const uri = job.uri;
    const docId = documentId(job.sourceId, uri);
    let bytes: Buffer;
    try {
      bytes = await readSourceFile(job.payload.root, uri, readRules(job.payload));
    } catch (e) {
      if (e instanceof UnsupportedFileError) return refuse(ctx, docId, e);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return supersede(ctx, DELETED);
      throw e; // I/O errors are retryable
    }
    const sum = documentChecksum(bytes);
    if (sum !== job.checksum) return supersede(ctx, sum);
    if (!job.payload.force && (await o.store.getDocument(docId))?.checksum === sum) {
      const { state } = await o.commit.complete(ctx.lease, { kind: 'none' });
      return report(ctx, state === 'completed' ? { kind: 'unchanged', uri } : { kind: 'superseded', uri });
    }

    let rec: DocumentRecords;
    try {
      const task = { uri, bytes, sourceId: job.sourceId, checksum: sum, indexedAt: (o.now ?? (() => new Date()))().toISOString(), maxFileBytes: o.maxFileBytes, maxSectionTokens: o.maxSectionTokens };
      rec = (await o.cache?.take(job.sourceId, uri, sum)) ?? (await (o.parser ?? parserOnThisThread).parse(task));
    } catch (e) {
      if (!(e instanceof UnsupportedFileError || e instanceof ParseError)) throw e;
      return refuse(ctx, docId, e);
    }

    let mark = performance.now();
    const embedder = await o.embedder();
    const info = embedder.info();
    const vectors = new Map<string, Float32Array>();
    const reuse = await o.store.getSectionVectors(docId);
    for (const c of ctx.checkpoints) {
      const p = c.payload as VectorCheckpoint | null;
      if (c.step.startsWith('vectors:') && p?.embedder === info.id) for (const [k, v] of Object.entries(p.vectors)) reuse.set(k, fromBase64(v));
    }
    const toEmbed = rec.sections.filter((s) => {
      const old = reuse.get(s.checksum);
      if (old && old.length === info.dimensions) vectors.set(s.id, old);
      return !vectors.has(s.id);
    });
    for (let b = 0; b < toEmbed.length; b += embedder.batchSize) {
      ctx.signal.throwIfAborted();
      const batch = toEmbed.slice(b, b + embedder.batchSize);
      const out = await embedder.embed(batch.map((s) => rec.embedText.get(s.id)!), 'document');
      batch.forEach((s, i) => vectors.set(s.id, out[i]!));
      if (o.checkpointVectors) await checkpointVectors(ctx, `vectors:${ctx.attempt}:${b}`, info.id, batch.map((s, i) => [s.checksum, out[i]!]));
    }
    const embedMs = performance.now() - mark;
    mark = performance.now();
    ctx.signal.throwIfAborted();
    const resolve = await linkResolver(o.store, job.sourceId, { uri, sections: rec.sections }, (target) => o.cache?.anchors(job.sourceId, target));
    const input = { sourceId: job.sourceId, docId, uri, title: rec.document.title, sections: rec.sections };
    const graph = rec.content ? withLinks(rec.content, input, resolve) : extractDocument(input, resolve);
    const write: DocumentWrite = { document: rec.document, sections: rec.sections, vectors, lexical: rec.lexical, entities: graph.entities, edges: graph.edges, untypedNames: graph.untypedNames };
    const { state } = await o.commit.complete(ctx.lease, { kind: 'write', write, embedderId: info.id });
    if (state === 'superseded') return report(ctx, { kind: 'superseded', uri });
    if (!o.deferRelinks) await settleRelinks(o.store, docId);
    report(ctx, { kind: 'indexed', uri, sections: rec.sections.length, embedded: toEmbed.length, embedMs, writeMs: performance.now() - mark });
  };

  /** Permanent: the old version leaves the index, then the job goes to the DLQ with the reason. */
  async function refuse(ctx: JobContext<DocumentJobPayload>, docId: string, e: UnsupportedFileError | ParseError): Promise<never> {
    const uri = ctx.job.uri;
    const removed = (await o.store.getDocument(docId)) !== undefined && (await o.commit.removeIfCurrent(ctx.lease, docId));
    if (removed && !o.deferRelinks) await settleRelinks(o.store, docId);
    const skip = skipOf(uri, e)!;
    report(ctx, { kind: 'skipped', uri, skip, removed });
    throw e;
  }

  async function deleteDocument(ctx: JobContext<DocumentJobPayload>): Promise<void> {
    const { job } = ctx;
    // The file is back (and may be read): index what is there instead. Refused or gone: delete.
    // A source being removed deletes whatever is there.
    const bytes = job.payload.removing ? undefined : await readSourceFile(job.payload.root, job.uri, readRules(job.payload)).catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (e instanceof UnsupportedFileError || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw e;
    });
    if (bytes) return supersede(ctx, documentChecksum(bytes));
    const mark = performance.now();
    const docId = documentId(job.sourceId, job.uri);
    const { state, changed } = await o.commit.complete(ctx.lease, { kind: 'delete', docId });
    if (changed && !o.deferRelinks) await settleRelinks(o.store, docId);
    report(ctx, state === 'completed' ? { kind: 'deleted', uri: job.uri, existed: changed, deleteMs: performance.now() - mark } : { kind: 'superseded', uri: job.uri });
  }

  /**
   * The file is not what the job names any more: queue what it is now, and
   * finish this job as superseded. A file that keeps changing under its jobs
   * (MAX_SUPERSEDES times in a row) is being rewritten continuously: it is
   * skipped as `unstable` (the job goes to the DLQ; an indexed version stays).
   */
  async function supersede(ctx: JobContext<DocumentJobPayload>, current: string): Promise<void> {
    if (current === DELETED && ctx.job.type === DELETE_DOCUMENT) return;
    const supersedes = (ctx.job.payload.supersedes ?? 0) + 1;
    if (supersedes > MAX_SUPERSEDES && current !== DELETED) {
      const uri = ctx.job.uri;
      const e = new UnsupportedFileError(
        uri,
        'unstable',
        `${uri} changed every time it was read (${supersedes} reads in a row, each with other content): it is being rewritten continuously; it is indexed once it stops changing (run ingest again, or \`docgraph dlq retry\`)`,
      );
      report(ctx, { kind: 'skipped', uri, skip: { uri, reason: e.reason, message: e.message }, removed: false });
      throw e;
    }
    await o.requeue(ctx.job, current, supersedes);
    await o.commit.complete(ctx.lease, { kind: 'none' });
    report(ctx, { kind: 'superseded', uri: ctx.job.uri });
  }
}

interface VectorCheckpoint {
  embedder: string;
  /** section checksum → base64 float32 */
  vectors: Record<string, string>;
}

/** Records embedded vectors as checkpoints named `step`, `step.1` ... each under the queue's payload cap. */
async function checkpointVectors(ctx: JobContext<DocumentJobPayload>, step: string, embedder: string, pairs: [string, Float32Array][]): Promise<void> {
  let chunk: VectorCheckpoint = { embedder, vectors: {} };
  let bytes = 0;
  let part = 0;
  const flush = async (): Promise<void> => {
    if (Object.keys(chunk.vectors).length === 0) return;
    await ctx.checkpoint(part === 0 ? step : `${step}.${part}`, chunk);
    part++;
    chunk = { embedder, vectors: {} };
    bytes = 0;
  };
  for (const [sum, vec] of pairs) {
    const b64 = Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength).toString('base64');
    if (bytes + b64.length + sum.length > CHECKPOINT_BYTES) await flush();
    chunk.vectors[sum] = b64;
    bytes += b64.length + sum.length + 8;
  }
  await flush();
}

function fromBase64(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

/**
 * For a dead ingest job that failed because its file cannot be indexed
 * (binary, too large, not UTF-8, unparseable ...): the reason, when the file
 * still holds the content that failed — retrying it cannot help until the
 * file changes. Undefined when a retry may succeed (the file changed or
 * went, or the job died of something else).
 */
export async function stillUnindexable(job: Job<DocumentJobPayload>, maxFileBytes?: number): Promise<string | undefined> {
  const code = job.lastError?.code;
  if (job.type !== INGEST_DOCUMENT || job.deadReason !== 'permanent-error' || code === undefined || !UNINDEXABLE_CODES.has(code)) return undefined;
  try {
    const bytes = await readSourceFile(job.payload.root, job.uri, { followOutside: job.payload.followOutside === true, ...(maxFileBytes !== undefined ? { maxBytes: maxFileBytes } : {}) });
    return documentChecksum(bytes) === job.checksum ? job.lastError!.message : undefined;
  } catch (e) {
    // refused before reading (too large, outside the folder, ...): as permanent as before
    return e instanceof UnsupportedFileError ? e.message : undefined;
  }
}
