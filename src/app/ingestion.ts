/**
 * The ingestion service on one index (DESIGN §6), on the ports the backend
 * factory (backend.ts) hands it — Store, JobQueue, IndexIntegrity: planner →
 * queue → workers → the index, plus watching, the operator's view of the
 * queue and the DLQ.
 *
 * Consistency: a job's index write and its completion commit in one atomic
 * step (`JobQueue.commitJob`), and the write is refused if the index has
 * moved to another embedder since the vectors were computed (the job is
 * retried with the new one).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.js';
import { DocgraphError, EmbedderChangedError, EmbedderError, isUnindexable } from '../domain/errors.js';

export { EmbedderChangedError };
import { sourceId } from '../domain/ids.js';
import type { Embedder } from '../embed/embedder.js';
import { inSpan } from '../observability/tracing.js';
import { documentJobHandler, stillUnindexable, type DocumentCommit, type PlanCache } from '../ingest/handler.js';
import type { IngestProgress, IngestReport } from '../ingest/ingest.js';
import { DELETE_DOCUMENT, DELETED, DOCUMENT_JOB_TYPES, INGEST_DOCUMENT, type DocumentJobPayload, type DocumentOutcome } from '../ingest/jobs.js';
import { planFolder, planJobs, type ParsedOutcome, type Plan } from '../ingest/plan.js';
import { anchorsOf } from '../ingest/links.js';
import type { DocumentRecords } from '../ingest/records.js';
import { buildReport, type QueuedJobs } from '../ingest/report.js';
import type { Logger } from '../observability/logger.js';
import { changesChannel } from '../cache/shared-state.js';
import { QueueFullError } from '../queue/errors.js';
import type { BackpressureState, EnqueueOptions, EnqueueResult, Job, JobDetails, JobInput, JobListOptions, JobQueue, QueueOptions, QueueStats, StaleLeases } from '../queue/queue.js';
import { settleRelinks } from '../ingest/links.js';
import { defaultParseThreads, parserOnThisThread, ThreadParser, type Parser } from '../ingest/parse-pool.js';
import { ThreadStoppedError } from '../threads/pool.js';
import { runWorker, type WorkerEvent, type WorkerSummary } from '../queue/worker.js';
import { folderRoot, optedOutside } from '../sources/filesystem.js';
import { globMatcher } from '../sources/globs.js';
import type { FolderWatch, WatchBatch } from '../sources/watch.js';
import type { SourceRecord, Store } from '../store/store.js';
import type { Backend } from './backend.js';
import { ingestEmbedderResolver, queryEmbedder } from './embedders.js';
import { fatalIndexFailure } from './failures.js';
import { lastVerify, recordVerify, verifyIndex, type LastVerify, type VerifyReport } from './verify.js';

export type BackpressureEvent = { type: 'paused' | 'resumed'; state: BackpressureState };

export interface EnqueueFolderOptions {
  onProgress?: (p: IngestProgress) => void;
  onBackpressure?: (e: BackpressureEvent) => void;
  signal?: AbortSignal;
  /** Only these uris (a watcher's batch). */
  uris?: readonly string[];
  /** Queue these uris even if the index holds their content. */
  force?: ReadonlySet<string>;
  /**
   * Keep the planner's parse for this process's worker, and stream: the plan
   * returns while files outside the fit's sample still parse, their jobs
   * waiting for them (`PlanOptions.stream`).
   */
  cache?: boolean;
  /** Called once, right before the first job is queued. */
  beforeEnqueue?: () => void;
  /** Follow file symlinks out of the folder for this run (flag --follow-symlinks-outside); `ingest.followSymlinksOutside` lists folders that always do. */
  followOutside?: boolean;
  /** The registered source the folder is (`docgraph add`, refresh); default: the folder source of `dir`. */
  source?: SourceRecord;
  /** Leaves files out by uri, besides `ingest.ignore` (a source's include/exclude globs). */
  ignore?: (uri: string) => boolean;
}

export interface IngestRunOptions {
  onProgress?: (p: IngestProgress) => void;
  onBackpressure?: (e: BackpressureEvent) => void;
  /** Wait until every job of this ingest has ended, running a worker in this process meanwhile. Default true. */
  wait?: boolean;
  /** Stops waiting (the jobs stay queued; a worker finishes them). */
  signal?: AbortSignal;
  log?: Logger;
  /** Follow file symlinks out of the folder (flag --follow-symlinks-outside). */
  followOutside?: boolean;
  /** See EnqueueFolderOptions.source. */
  source?: SourceRecord;
  /** Plan only these uris (the files a git refresh changed); see EnqueueFolderOptions.uris. */
  uris?: readonly string[];
  /** See EnqueueFolderOptions.ignore. */
  ignore?: (uri: string) => boolean;
}

export interface WorkerRunOptions {
  concurrency?: number;
  exitWhenIdle?: boolean;
  signal?: AbortSignal;
  worker?: string;
  log?: Logger;
  onEvent?: (e: WorkerEvent) => void;
}

export interface WatchOptions {
  log?: Logger;
  onBackpressure?: (e: BackpressureEvent) => void;
  /** After each batch of changes is queued. */
  onBatch?: (e: { uris: string[]; queued: QueuedJobs }) => void;
  /** Follow file symlinks out of the folder (flag --follow-symlinks-outside). */
  followOutside?: boolean;
}

/** Jobs are queued in batches of at most this many (one transaction each), checking backpressure in between. */
const MAX_ENQUEUE_BATCH = 100;

/** The queue's figures as an operator reads them. */
export interface QueueStatus extends Omit<QueueStats, 'workers'> {
  workers: (QueueStats['workers'][number] & { alive: boolean })[];
  /** What needs doing, e.g. jobs pending with no live worker. */
  warnings: string[];
}

export class Ingestion {
  private q: JobQueue | undefined;
  private embedder: Embedder | undefined;
  private readonly retired: Embedder[] = [];
  /** The planner's parses for this process's worker: done, or still parsing (a streaming plan). */
  private readonly records = new Map<string, DocumentRecords | Promise<ParsedOutcome>>();
  /** Bumped when an ingest's cache is cleared: a parse that ends later adds no anchors. */
  private cacheRun = 0;
  private readonly anchors = new Map<string, Map<string, string>>();
  private readonly listeners = new Set<(jobId: string, outcome: DocumentOutcome) => void>();
  private readonly watches = new Set<FolderWatch>();
  private closed = false;
  /** Parse threads, started on first use (`ingest.parseThreads`). */
  private readonly parser: Parser;
  /** Serving (`background`): every planned batch parses off the main thread, however small. */
  private serving = false;
  /** The logger of the latest run that gave one: where the parse threads' warning goes. */
  private log: Logger | undefined;

  readonly store: Store;

  constructor(
    readonly config: Config,
    private readonly backend: Backend,
  ) {
    this.store = backend.store;
    const threads = config.ingest.parseThreads === 0 ? defaultParseThreads() : config.ingest.parseThreads;
    this.parser =
      threads > 1
        ? new ThreadParser(threads, {
            onUnavailable: (cause) =>
              this.log?.warn(
                { reason: cause.message },
                `parse threads could not be used (${cause.message}): parsing on the main thread instead; reinstall docgraph if its files are damaged, or set ingest.parseThreads: 1 to parse on the main thread from the start`,
              ),
          })
        : parserOnThisThread;
  }

  /** The job queue beside the index (opened on first use). */
  private get queue(): JobQueue {
    if (this.closed) throw new DocgraphError('INTERNAL', 'the ingestion service is closed');
    this.q ??= this.backend.openQueue(queueOptions(this.config));
    return this.q;
  }

  /** A job with its attempt history and checkpoints, in any state (`docgraph jobs show`). */
  job(id: string): Promise<JobDetails | undefined> {
    return this.queue.get(id);
  }

  /** Dead jobs, most recently dead first (`docgraph dlq list`). */
  deadJobs(limit: number): Promise<Job[]> {
    return this.queue.dlq.list({ limit });
  }

  /** A dead job with its error and history (`docgraph dlq show`). */
  deadJob(id: string): Promise<JobDetails | undefined> {
    return this.queue.dlq.show(id);
  }

  /** How many jobs the DLQ holds. */
  deadCount(): Promise<number> {
    return this.queue.dlq.size();
  }

  /** Deletes dead jobs that died at least `olderThanMs` ago (0: all); returns how many. */
  purgeDead(olderThanMs: number): Promise<number> {
    return this.queue.dlq.purge(olderThanMs);
  }

  /** Plans `dir` (or some of its uris) and queues the jobs, pausing while the queue is above its high-water mark. */
  async enqueueFolder(dir: string, o: EnqueueFolderOptions = {}): Promise<{ plan: Plan; queued: QueuedJobs }> {
    const plan = await planFolder(dir, {
      followOutside: o.followOutside === true || optedOutside(this.config.ingest.followSymlinksOutside, dir),
      store: this.store,
      resolveEmbedder: ingestEmbedderResolver(this.config, this.store),
      maxFileBytes: this.config.ingest.maxFileBytes,
      maxSectionTokens: this.config.ingest.maxSectionTokens,
      parseBytes: this.config.ingest.planParseBytes,
      fitSampleFromBytes: this.config.ingest.fitSampleBytes,
      ignore: o.ignore ? orIgnored(globMatcher(this.config.ingest.ignore), o.ignore) : globMatcher(this.config.ingest.ignore),
      ...(o.source ? { source: o.source } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.uris ? { uris: o.uris } : {}),
      ...(o.force ? { force: o.force } : {}),
      parser: this.parser,
      ...(this.serving ? { threadsFromBytes: 0 } : {}),
      ...(o.cache ? { stream: true } : {}),
    });
    if (plan.embedder) this.adopt(plan.embedder);
    if (o.cache) {
      const run = this.cacheRun;
      for (const c of plan.changes) {
        if (c.records) this.records.set(key(plan.sourceId, c.uri, c.checksum), c.records);
        if (!c.pending) continue;
        this.records.set(key(plan.sourceId, c.uri, c.checksum), c.pending);
        // its anchors, for the links of the documents written after it parsed
        void c.pending.then((r) => {
          if ('records' in r && run === this.cacheRun) this.anchors.set(key(plan.sourceId, c.uri), anchorsOf(r.records.sections));
        });
      }
      for (const [uri, m] of plan.anchors) this.anchors.set(key(plan.sourceId, uri), m);
    }
    const items = planJobs(plan);
    if (items.length > 0) o.beforeEnqueue?.();
    const results = await this.produce(items, o);
    // The same content was done before, yet the index does not hold it (removed since): do it again.
    const redo = results.flatMap((r, i) =>
      r.outcome === 'deduplicated' && r.job.state === 'completed' && r.job.type === INGEST_DOCUMENT ? [i] : [],
    );
    for (const i of redo) {
      const doc = await this.store.getDocumentByUri(results[i]!.job.uri, plan.sourceId);
      if (doc?.checksum !== results[i]!.job.checksum) results[i] = await this.queue.enqueue(items[i]!.job, { ...items[i]!.options, force: true });
    }
    return { plan, queued: { ids: results.map((r) => r.job.id), deduplicated: results.filter((r) => r.outcome === 'deduplicated').length } };
  }

  /**
   * `docgraph ingest`: plan, queue, and (by default) wait until every job has
   * ended, running a worker in this process meanwhile (other workers may take
   * some of the jobs too). The report says what the jobs did.
   */
  async ingest(dir: string, o: IngestRunOptions = {}): Promise<IngestReport> {
    this.log = o.log ?? this.log;
    const started = performance.now();
    const wait = o.wait ?? true;
    const outcomes = new Map<string, DocumentOutcome>();
    const listener = (id: string, outcome: DocumentOutcome): void => void outcomes.set(id, outcome);
    const worker = this.wakingWorker(o.log);
    const startWorker = (): void => {
      this.listeners.add(listener);
      worker.start();
    };
    try {
      const { plan, queued } = await this.enqueueFolder(dir, { ...o, cache: wait, ...(wait ? { beforeEnqueue: startWorker } : {}) });
      const finals = wait
        ? await this.waitFor(queued.ids, { dirty: worker.dirty, setWake: worker.setWake, failure: worker.failure, ...(o.signal ? { signal: o.signal } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) })
        : new Map((await this.jobsById(queued.ids)).map((j) => [j.id, j]));
      if (wait) {
        // the jobs deferred their relinking: settle it once for the whole run, after the worker stopped
        await worker.stop();
        await settleRelinks(this.store, undefined, (done, total) => o.onProgress?.({ phase: 'link', done, total }));
      }
      return buildReport(plan, queued, finals, outcomes, started);
    } finally {
      await worker.stop();
      this.listeners.delete(listener);
      this.records.clear();
      this.anchors.clear();
      this.cacheRun++;
    }
  }

  /**
   * Removes documents of a source in jobs, one per document (each deletion
   * is atomic with its job, as every document write is), and waits for
   * them, running a worker in this process meanwhile. `root` is the folder
   * the source reads from, carried in the jobs' payload.
   */
  async removeDocuments(sourceId: string, root: string, uris: readonly string[], o: { signal?: AbortSignal; log?: Logger } = {}): Promise<Map<string, Job>> {
    this.log = o.log ?? this.log;
    const results = await this.produce(
      uris.map((uri) => ({ job: { type: DELETE_DOCUMENT, sourceId, uri, checksum: DELETED, payload: { root, removing: true } }, options: { force: true } })),
      o.signal ? { signal: o.signal } : {},
    );
    return this.drain(
      results.map((r) => r.job.id),
      o,
    );
  }

  /**
   * Runs a worker on this index until `signal` aborts (graceful) or, with
   * `exitWhenIdle`, the queue is empty. First runs any relinking left pending
   * by a worker that stopped between a write and the relinking after it.
   */
  async runWorker(o: WorkerRunOptions = {}): Promise<WorkerSummary> {
    this.log = o.log ?? this.log;
    const c = this.config;
    const log = o.log;
    // relinking a crashed worker wrote the marker for but did not run
    await settleRelinks(this.store);
    return runWorker<DocumentJobPayload>({
      queue: this.queue,
      handler: tracedJobs(this.handler()),
      ...(o.worker ? { worker: o.worker } : {}),
      concurrency: o.concurrency ?? c.worker.concurrency,
      leaseMs: c.queue.leaseMs,
      ...(c.queue.heartbeatMs !== undefined ? { heartbeatMs: c.queue.heartbeatMs } : {}),
      ...(c.queue.reaperIntervalMs !== undefined ? { reapEveryMs: c.queue.reaperIntervalMs } : {}),
      pollMs: c.worker.pollMs,
      graceMs: c.worker.graceMs,
      exitWhenIdle: o.exitWhenIdle ?? false,
      types: DOCUMENT_JOB_TYPES,
      // the handler defers relinking: links among the documents of a run are settled once, when the queue runs dry
      onIdle: async () => {
        await settleRelinks(this.store);
      },
      ...(o.signal ? { signal: o.signal } : {}),
      // the index made read-only, removed, full or damaged: stop and say so, instead of retrying forever
      fatalError: (e) => fatalIndexFailure(e, c.index),
      onEvent: (e) => {
        if (log) logEvent(log, e);
        // replicas hear that the index changed (with Redis): they warm what the next search reads
        if (e.type === 'completed') void this.backend.shared?.publish(changesChannel(this.backend.key), e.jobId);
        o.onEvent?.(e);
      },
    });
  }

  /**
   * Keeps `dir` indexed: queues what changed since the index last saw it,
   * then every batch of file changes. Run a worker too (`runWorker`) unless
   * another process does. Stop with `close()` on the returned handle.
   */
  async watch(dir: string, o: WatchOptions = {}): Promise<FolderWatch> {
    this.log = o.log ?? this.log;
    this.serving = true; // a watched change parses off the main thread, however small
    const root = folderRoot(dir);
    const follow = o.followOutside ? { followOutside: true } : {};
    // chokidar loads with the first watch, not with every CLI command
    const { watchFolder } = await import('../sources/watch.js');
    const w = await watchFolder(root, {
      ignore: globMatcher(this.config.ingest.ignore),
      debounceMs: this.config.watcher.debounceMs,
      stableMs: this.config.watcher.stableMs,
      onChanges: async (batch) => {
        const uris = await this.expand(root, batch);
        const { queued } = await this.enqueueFolder(root, { uris, ...follow, ...(o.onBackpressure ? { onBackpressure: o.onBackpressure } : {}) });
        o.log?.debug({ root, uris, jobs: queued.ids }, 'changes queued');
        o.onBatch?.({ uris, queued });
      },
      onError: (e) => o.log?.error({ err: e, root }, 'watch: could not queue changes'),
    });
    this.watches.add(w);
    try {
      // what changed while nobody watched
      const { queued } = await this.enqueueFolder(root, { ...follow, ...(o.onBackpressure ? { onBackpressure: o.onBackpressure } : {}) });
      o.onBatch?.({ uris: [], queued });
    } catch (e) {
      await w.close();
      this.watches.delete(w);
      throw e;
    }
    return {
      close: async () => {
        this.watches.delete(w);
        await w.close();
      },
    };
  }

  /** Checks the index against the files and itself; with `repair`, re-queues what drifted and drops what nothing owns. */
  async verify(o: { repair?: boolean } = {}): Promise<VerifyReport> {
    const report = await verifyIndex(
      {
        config: this.config,
        store: this.store,
        integrity: this.backend.integrity,
        depth: () => this.queue.depth(),
        requeue: async (root, uris) => (await this.enqueueFolder(root, { uris, force: new Set(uris) })).queued.ids,
      },
      o,
    );
    await recordVerify(this.store, report);
    return report;
  }

  /** The figures of the last `verify` of this index (any process), for /metrics. */
  lastVerify(): Promise<LastVerify | undefined> {
    return lastVerify(this.store);
  }

  /** Waits until the given jobs have ended (see `ingest`), running a worker in this process meanwhile. */
  async drain(ids: readonly string[], o: { signal?: AbortSignal; log?: Logger } = {}): Promise<Map<string, Job>> {
    this.log = o.log ?? this.log;
    const worker = this.wakingWorker(o.log);
    worker.start();
    try {
      const finals = await this.waitFor(ids, { dirty: worker.dirty, setWake: worker.setWake, failure: worker.failure, ...(o.signal ? { signal: o.signal } : {}) });
      await worker.stop();
      await settleRelinks(this.store);
      return finals;
    } finally {
      await worker.stop();
    }
  }

  /**
   * A worker in this process for a caller that waits on jobs (`ingest`,
   * `drain`): each event marks its job dirty and wakes the waiter. `stop`
   * stops it gracefully and waits for it; it is a no-op if never started.
   */
  private wakingWorker(log: Logger | undefined): {
    dirty: Set<string>;
    setWake: (f: () => void) => void;
    /** Why the worker stopped on its own (the index cannot be used), if it did. */
    failure: () => unknown;
    start: () => void;
    stop: () => Promise<void>;
  } {
    const abort = new AbortController();
    const dirty = new Set<string>();
    let wake: () => void = () => undefined;
    let running: Promise<WorkerSummary | undefined> | undefined;
    let failure: unknown;
    return {
      dirty,
      failure: () => failure,
      setWake: (f) => {
        wake = f;
      },
      start: () => {
        running = this.runWorker({
          signal: abort.signal,
          ...(log ? { log } : {}),
          onEvent: (e) => {
            if ('jobId' in e && e.jobId) dirty.add(e.jobId);
            wake();
          },
        }).catch((e: unknown) => {
          failure = e;
          wake();
          return undefined;
        });
      },
      stop: async () => {
        abort.abort();
        await running;
      },
    };
  }

  /**
   * The background work of `docgraph serve`: a worker (unless `worker` is
   * false) and a watcher per `watch` folder of the config, until `stop()`
   * (watchers first, then the worker's graceful stop).
   */
  async background(o: { worker: boolean; log?: Logger; onEvent?: (e: WorkerEvent) => void }): Promise<{ stop: () => Promise<void> }> {
    this.log = o.log ?? this.log;
    this.serving = true;
    const stop = new AbortController();
    const watches: FolderWatch[] = [];
    try {
      for (const dir of this.config.watch) watches.push(await this.watch(dir, o.log ? { log: o.log } : {}));
    } catch (e) {
      for (const w of watches) await w.close();
      throw e;
    }
    const worker = o.worker
      ? this.runWorker({ signal: stop.signal, ...(o.log ? { log: o.log } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) }).catch((e: unknown) => {
          // the index cannot be written: serving reads goes on, ingesting stops until a restart
          o.log?.error({ err: e }, 'worker stopped: the index cannot be written');
        })
      : undefined;
    return {
      stop: async () => {
        for (const w of watches) await w.close();
        stop.abort();
        await worker;
      },
    };
  }

  /**
   * Puts dead jobs back on the queue (one by id, or all), except those whose
   * file still cannot be indexed and has not changed since: retrying them
   * cannot help (ingest and watch queue the file again once it changes).
   */
  async retryDead(id?: string): Promise<{ requeued: string[]; superseded: string[]; kept: { id: string; uri: string; reason: string }[]; notFound: boolean }> {
    const out = { requeued: [] as string[], superseded: [] as string[], kept: [] as { id: string; uri: string; reason: string }[], notFound: false };
    const jobs: Job<DocumentJobPayload>[] = [];
    if (id !== undefined) {
      const job = (await this.queue.dlq.show(id)) as Job<DocumentJobPayload> | undefined;
      if (!job || job.state !== 'dead') return { ...out, notFound: true };
      jobs.push(job);
    } else {
      for (let offset = 0; ; offset += 1000) {
        const page = (await this.queue.dlq.list({ limit: 1000, offset })) as Job<DocumentJobPayload>[];
        for (const job of page) jobs.push(job);
        if (page.length < 1000) break;
      }
    }
    for (const job of jobs) {
      const reason = await stillUnindexable(job, this.config.ingest.maxFileBytes);
      if (reason !== undefined) {
        out.kept.push({ id: job.id, uri: job.uri, reason });
        continue;
      }
      const r = await this.queue.dlq.retry(job.id);
      if (r === 'requeued') out.requeued.push(job.id);
      else if (r === 'superseded') out.superseded.push(job.id);
    }
    return out;
  }

  /**
   * Queue depth by state, oldest pending age, stale leases, workers seen
   * (alive: seen within one lease, which a working or idle worker always
   * is), DLQ and backpressure, and warnings an operator must act on.
   */
  async status(): Promise<QueueStatus> {
    const stats = await this.queue.stats();
    const now = Date.now();
    const workers = stats.workers.map((w) => ({ ...w, alive: now - w.lastSeenAt <= this.config.queue.leaseMs }));
    const warnings: string[] = [];
    if (stats.counts.pending > 0 && !workers.some((w) => w.alive)) {
      const n = stats.counts.pending;
      warnings.push(`${n} ${n === 1 ? 'job is' : 'jobs are'} pending and no worker is running: start \`docgraph worker\` (or \`docgraph serve\`, which runs one)`);
    }
    return { ...stats, workers, warnings };
  }

  /** The queue's backpressure: `paused` from the high-water mark until it is back down to the low-water mark (the HTTP ingest endpoint answers 503 meanwhile). */
  backpressure(): Promise<BackpressureState> {
    return this.queue.backpressure();
  }

  /** Jobs, newest first, optionally in some states. */
  listJobs(options: JobListOptions = {}): Promise<Job[]> {
    return this.queue.list(options);
  }

  /** Stale leases (expired, or held longer than `olderThanMs`); with `apply`, requeued or sent to the DLQ per their retry budget. */
  cleanStale(olderThanMs: number, apply: boolean): Promise<StaleLeases> {
    return this.queue.expireStale(olderThanMs, apply);
  }

  /** Waits until each job has ended, following supersededBy to the job that replaced it. Returns the final job per given id. */
  private async waitFor(
    ids: readonly string[],
    o: { dirty: Set<string>; setWake: (f: () => void) => void; failure?: () => unknown; signal?: AbortSignal; onProgress?: (p: IngestProgress) => void },
  ): Promise<Map<string, Job>> {
    const current = new Map(ids.map((id) => [id, id]));
    /** The given ids a job id stands for (itself, or jobs it superseded): a dirty job is found without a walk over every open id. */
    const origin = new Map<string, string[]>(ids.map((id) => [id, [id]]));
    const open = new Set(ids);
    const finals = new Map<string, Job>();
    let lastFull = 0;
    const total = open.size;
    for (;;) {
      // the worker gave up (the index cannot be written): waiting longer would be forever
      const failed = o.failure?.();
      if (failed !== undefined) throw failed;
      // Jobs this process's worker ends are read at once (dirty); a full pass finds those another
      // process ended. It reads every open job, so its interval grows with them (1 ms a job, at
      // least 1 s): at every second it was most of the write phase of a 20,000-file run, and the
      // run's cost grew with the square of its files (docs/benchmarks.md, "1M sections").
      const full = Date.now() - lastFull >= Math.max(1_000, open.size);
      if (full) lastFull = Date.now();
      // a pass over the dirty jobs only costs what they do (a walk over every open id on each of the
      // worker's events was a fifth of the write phase of a 20,000-file run at 4,000 files written)
      const targets = full ? [...open] : [...new Set([...o.dirty].flatMap((job) => (origin.get(job) ?? []).filter((id) => open.has(id) && current.get(id) === job)))];
      o.dirty.clear();
      for (let i = 0; i < targets.length; i += 500) {
        const chunk = targets.slice(i, i + 500);
        const byId = new Map((await this.jobsById(chunk.map((id) => current.get(id)!))).map((j) => [j.id, j]));
        for (const id of chunk) {
          const job = byId.get(current.get(id)!);
          if (!job) {
            open.delete(id); // removed by retention: nothing to wait for
          } else if (job.state === 'superseded' && job.supersededBy) {
            current.set(id, job.supersededBy);
            origin.set(job.supersededBy, [...(origin.get(job.supersededBy) ?? []), id]);
            o.dirty.add(job.supersededBy);
          } else if (job.state === 'completed' || job.state === 'dead' || job.state === 'superseded') {
            finals.set(id, job);
            open.delete(id);
          } else {
            finals.set(id, job);
          }
        }
      }
      o.onProgress?.({ phase: 'write', done: total - open.size, total });
      if (open.size === 0 || o.signal?.aborted) return finals;
      if (o.dirty.size > 0) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.config.worker.pollMs);
        o.setWake(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private async jobsById(ids: readonly string[]): Promise<Job[]> {
    const out: Job[] = [];
    for (let i = 0; i < ids.length; i += 500) out.push(...(await this.queue.list({ ids: ids.slice(i, i + 500), limit: 500 })));
    return out;
  }

  /** Queues `items` in batches, pausing while the queue is above its high-water mark (bounded by `queue.pauseTimeoutMs`). */
  private async produce<P>(items: { job: JobInput<P>; options?: EnqueueOptions }[], o: EnqueueFolderOptions): Promise<EnqueueResult<P>[]> {
    const results: EnqueueResult<P>[] = [];
    if (items.length === 0) return results;
    const bp = await this.queue.backpressure();
    const size = Math.max(1, Math.min(MAX_ENQUEUE_BATCH, bp.highWater - bp.lowWater, bp.maxSize - bp.highWater + 1));
    for (let i = 0; i < items.length; ) {
      await this.room(o);
      try {
        results.push(...(await this.queue.enqueueMany(items.slice(i, i + size))));
        i += size;
      } catch (e) {
        if (!(e instanceof QueueFullError)) throw e;
        // another producer filled it: wait for room again
      }
    }
    return results;
  }

  private async room(o: EnqueueFolderOptions): Promise<void> {
    let state = await this.queue.backpressure();
    if (!state.paused && state.depth < state.maxSize) return;
    const deadline = Date.now() + this.config.queue.pauseTimeoutMs;
    o.onBackpressure?.({ type: 'paused', state });
    for (;;) {
      await sleep(this.config.worker.pollMs, undefined, o.signal ? { signal: o.signal } : {});
      state = await this.queue.backpressure();
      if (!state.paused && state.depth < state.maxSize) {
        o.onBackpressure?.({ type: 'resumed', state });
        return;
      }
      if (Date.now() > deadline) throw new QueueFullError(state.depth, state.maxSize);
    }
  }

  /** A watcher batch's uris, plus the indexed documents under folders that went away. */
  private async expand(root: string, batch: WatchBatch): Promise<string[]> {
    const uris = new Set(batch.uris);
    if (batch.removedDirs.length > 0) {
      for (const d of await this.store.listDocuments(sourceId('fs', root))) {
        if (batch.removedDirs.some((dir) => d.uri.startsWith(dir + '/'))) uris.add(d.uri);
      }
    }
    return [...uris];
  }

  private handler(): ReturnType<typeof documentJobHandler> {
    const cache: PlanCache = {
      take: async (sourceId, uri, checksum) => {
        const k = key(sourceId, uri, checksum);
        const r = this.records.get(k);
        this.records.delete(k);
        if (!(r instanceof Promise)) return r;
        const o = await r;
        if ('records' in o) return o.records;
        // the planner's parse thread stopped: the job parses the file itself
        if (o.error instanceof ThreadStoppedError) return undefined;
        throw o.error;
      },
      anchors: (sourceId, uri) => this.anchors.get(key(sourceId, uri)),
    };
    return documentJobHandler({
      store: this.store,
      embedder: () => this.currentEmbedder(),
      commit: this.commit,
      requeue: async (job, current, supersedes) => {
        const payload: DocumentJobPayload = { root: job.payload.root, ...(job.payload.followOutside ? { followOutside: true } : {}), supersedes };
        const input: JobInput<DocumentJobPayload> =
          current === DELETED
            ? { type: DELETE_DOCUMENT, sourceId: job.sourceId, uri: job.uri, checksum: DELETED, payload }
            : { type: INGEST_DOCUMENT, sourceId: job.sourceId, uri: job.uri, checksum: current, payload };
        await this.queue.enqueue(input);
      },
      maxFileBytes: this.config.ingest.maxFileBytes,
      maxSectionTokens: this.config.ingest.maxSectionTokens,
      cache,
      checkpointVectors: this.config.embedder.provider !== 'builtin',
      deferRelinks: true,
      parser: this.parser,
      onOutcome: (id, outcome) => {
        for (const l of this.listeners) l(id, outcome);
      },
    });
  }

  private readonly commit: DocumentCommit = {
    complete: async (lease, effect) => {
      const r = await this.queue.commitJob(lease, effect);
      return r.state === 'completed' ? r : { state: 'superseded', changed: false };
    },
    removeIfCurrent: async (lease, docId) => {
      // The heartbeat proves the lease valid for another leaseMs and no newer job queued; the delete follows at once.
      const hb = await this.queue.heartbeat(lease);
      return hb.supersededBy === null && (await this.store.deleteDocument(docId));
    },
  };

  /** The embedder the index holds vectors of, built once per embedder id. */
  private async currentEmbedder(): Promise<Embedder> {
    const stored = await this.store.getEmbedder();
    if (!stored) throw new EmbedderError(this.config.embedder.provider, 'the index has no embedder yet', { retryable: true, hint: 'run `docgraph ingest <folder>`' });
    if (this.embedder?.info().id === stored.id) return this.embedder;
    const e = await queryEmbedder(this.config, this.store);
    if (!e) throw new EmbedderError(this.config.embedder.provider, 'the index has no embedder model yet', { retryable: true });
    if (e.info().id !== stored.id) {
      await e.close();
      throw new EmbedderChangedError(e.info().id, stored.id);
    }
    this.adopt(e);
    return e;
  }

  private adopt(e: Embedder): void {
    if (this.embedder === e) return;
    if (this.embedder) this.retired.push(this.embedder);
    this.embedder = e;
  }

  /** Stops watchers and closes embedders it built. Does not close the store. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const w of [...this.watches]) await w.close();
    this.closed = true;
    for (const e of [...this.retired, ...(this.embedder ? [this.embedder] : [])]) await e.close().catch(() => undefined);
    await this.parser.close();
    await this.q?.close();
  }
}

function key(...parts: string[]): string {
  return parts.join('\u001f');
}

/** Queue options from the configuration. */
function orIgnored(a: (uri: string) => boolean, b: (uri: string) => boolean): (uri: string) => boolean {
  return (uri) => a(uri) || b(uri);
}

export function queueOptions(c: Config): QueueOptions {
  const q = c.queue;
  const highWater = Math.max(1, Math.floor(q.maxSize * q.highWater));
  const lowWater = Math.min(highWater - 1, Math.floor(q.maxSize * q.lowWater));
  return {
    maxAttempts: q.maxAttempts,
    backoff: { baseMs: q.backoffBaseMs, maxMs: q.backoffMaxMs },
    maxSize: q.maxSize,
    highWater,
    lowWater,
    dlqRetentionDays: q.dlqRetentionDays,
    dlqMaxSize: q.dlqMaxSize,
    finishedRetentionMs: q.finishedRetentionHours * 3_600_000,
  };
}

function logEvent(log: Logger, e: WorkerEvent): void {
  switch (e.type) {
    case 'claimed':
      log.info({ job: e.jobId, attempt: e.attempt }, 'job claimed');
      break;
    case 'completed':
      log.info({ job: e.jobId }, 'job completed');
      break;
    case 'failed':
      // a file that cannot be indexed is an ingest outcome (skipped, with its reason), not a fault with a stack
      if (isUnindexable(e.error)) log.info({ job: e.jobId, reason: e.error.message }, 'skipped');
      else log.warn({ job: e.jobId, state: e.state, err: e.error }, 'job failed');
      break;
    case 'released':
      log.info({ job: e.jobId }, 'job released');
      break;
    case 'lease-lost':
      log.warn({ job: e.jobId }, 'lease lost');
      break;
    case 'error':
      log.error({ job: e.jobId, err: e.error }, 'worker error');
      break;
  }
}

/** Each job attempt in a span of its own (`ingest.job`; nothing is made unless tracing is on, observability/tracing.ts). */
function tracedJobs<C extends { job: { id: string; type: string; uri: string }; attempt: number }>(handler: (ctx: C) => Promise<void>): (ctx: C) => Promise<void> {
  return (ctx) => inSpan('ingest.job', { 'docgraph.job.id': ctx.job.id, 'docgraph.job.type': ctx.job.type, 'docgraph.job.uri': ctx.job.uri, 'docgraph.job.attempt': ctx.attempt }, () => handler(ctx));
}
