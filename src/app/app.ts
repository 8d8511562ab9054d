import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { changesChannel, type SharedState, type SharedStateStatus } from '../cache/shared-state.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { NotFoundError } from '../domain/errors.js';
import { openBackend, type Backend } from './backend.js';
import type { Embedder } from '../embed/embedder.js';
import type { IngestProgress, IngestReport } from '../ingest/ingest.js';
import { MAX_QUERY_CHARS, search, WEAK_BELOW, type SearchOptions } from '../search/search.js';
import { synonymTable, type SynonymTable } from '../search/synonyms.js';
import type { SearchResult } from '../domain/types.js';
import type { Store, StoreStats, StoredEmbedder } from '../store/store.js';
import { queryEmbedder } from './embedders.js';
import { GuardedEmbedder, type BreakerSnapshot } from '../embed/guarded.js';
import { currentTelemetry } from '../observability/telemetry.js';
import { Ingestion, type IngestRunOptions } from './ingestion.js';
import { folderRoot } from '../sources/filesystem.js';
import { exportJsonl } from './export.js';
import { Bm25Floor } from '../eval/bm25.js';
import { runEval, type EvalMode, type EvalReport, type GoldenQuery } from '../eval/golden.js';
import { explainError, fallbackHits, getProcedure, lookupEntity, traverse, type EntityView, type ErrorExplanation, type ProcedureView, type TraverseRequest, type TraverseResult } from './graph.js';
import { documentText, type DocumentText } from './document-text.js';
import { ApiKeys } from './keys.js';
import { sourceFilterIds } from './source-filter.js';
import { SourceService } from './sources.js';
import type { DeliveryLog } from '../store/deliveries.js';
import type { IndexProbe } from '../store/readiness.js';
import { getDocumentView, getSection, type DocumentRef, type DocumentView, type SectionContextOptions, type SectionRef, type SectionView } from './documents.js';

export interface StatusReport extends StoreStats {
  index: string;
  embedder: StoredEmbedder | null;
  configuredProvider: string;
  /** Where vector search runs: the in-memory index, or pgvector in the PostgreSQL database. */
  vectorSearch: 'memory' | 'pgvector';
  /** The state replicas share (Redis), when configured. */
  redis?: SharedStateStatus;
  /** The query embedder's circuit breaker in this process (the OpenAI-compatible provider, once loaded). */
  embedderBreaker?: BreakerSnapshot;
  /** With `probeEmbedder`: whether one query embedding went through just now. */
  embedderProbe?: { ok: boolean; error?: string };
}

/** How long a cached search result lives; a write to the index retires it at once anyway (the key holds the index generation). */
export const RESULT_CACHE_TTL_SECONDS = 600;

/**
 * The composition root: the only place that knows which adapters are used.
 * CLI, HTTP and MCP call these methods and nothing below them.
 */
export class App {
  private embedderPromise: Promise<Embedder | undefined> | undefined;
  /** The query synonyms of this configuration (built on the first search). */
  private synonyms: SynonymTable | undefined;
  /** The query embedder once loaded (for its breaker's state). */
  private loadedEmbedder: Embedder | undefined;
  /** Where the breaker's state comes from when searches run elsewhere (the search threads of `serve`). */
  private breakerSource: (() => BreakerSnapshot | undefined) | undefined;
  private embedderId: string | undefined;
  private ingestionService: Ingestion | undefined;
  private registryService: SourceService | undefined;

  readonly store: Store;

  private constructor(
    readonly config: Config,
    private readonly backend: Backend,
  ) {
    this.store = backend.store;
  }

  /** The real path of a folder to ingest or watch; INVALID_INPUT (nothing created) when it is missing or not a folder. */
  static checkSourceFolder(dir: string): string {
    return folderRoot(dir);
  }

  /**
   * Opens the index named by the config (`store`, else `index`; creating it
   * when `create`), ready to serve; `log` hears Redis going up and down.
   */
  static async open(config: Config, opts: { create?: boolean; log?: Logger } = {}): Promise<App> {
    const { log } = opts;
    const backend = await openBackend(
      { store: config.store ?? config.index, redis: config.redis, termScoreCacheMiB: config.search.termScoreCacheMiB },
      {
        create: opts.create ?? false,
        ...(log
          ? {
              onSharedState: (s: SharedStateStatus) =>
                s.status === 'up' ? log.info({ redis: s.location }, 'redis reachable: sharing the result cache and change notifications') : log.warn({ redis: s.location, reason: s.error }, 'redis unreachable: searching without the shared cache until it is back'),
            }
          : {}),
      },
    );
    return new App(config, backend);
  }

  /** Where the index lives, for messages: the file, or the server URL (without its password) and schema. */
  get location(): string {
    return this.backend.kind === 'sqlite' ? this.config.index : this.backend.location;
  }

  /** Calls `listener` when another process announces a write to this index (only with Redis; otherwise never). */
  async onIndexChange(listener: () => void): Promise<void> {
    await this.backend.shared?.subscribe(changesChannel(this.backend.key), listener);
  }

  async ingest(dir: string, onProgress?: (p: IngestProgress) => void, options: IngestRunOptions = {}): Promise<IngestReport> {
    const report = await this.ingestion.ingest(dir, { ...options, ...(onProgress ? { onProgress } : {}) });
    this.embedderPromise = undefined; // the model may have been (re)fitted
    return report;
  }

  /**
   * Scores judged queries (see eval/golden.ts) in each mode: the search modes
   * as search_docs runs them (ten hits), and the plain BM25 floors.
   */
  async evaluate(queries: readonly GoldenQuery[], modes: readonly EvalMode[], goldenName?: string): Promise<EvalReport> {
    const floors = new Map<string, Promise<Bm25Floor>>();
    const floor = (level: 'page' | 'section'): Promise<Bm25Floor> => {
      let f = floors.get(level);
      if (!f) {
        f = this.store.listDocuments().then((docs) => {
          const uris = new Map(docs.map((d) => [d.id, d.uri]));
          return Bm25Floor.build(this.store.allSections(), (id) => uris.get(id), level);
        });
        floors.set(level, f);
      }
      return f;
    };
    return runEval(
      queries,
      modes,
      async (q, mode) => {
        if (mode === 'bm25-page' || mode === 'bm25-section') return (await floor(mode === 'bm25-page' ? 'page' : 'section')).search(q, 10);
        return (await this.search(q, { mode, limit: 10 })).hits;
      },
      goldenName,
    );
  }

  /** The API keys kept in this index (`docgraph keys`, checked by `docgraph serve`). */
  get keys(): ApiKeys {
    return new ApiKeys(this.backend.keys);
  }

  /** The webhook deliveries this index has taken (replays are refused by every process on it). */
  get deliveries(): DeliveryLog {
    return this.backend.deliveries;
  }

  /** Whether the index can be read now through a fresh connection and is at this build's schema (for /health/ready). */
  probeIndex(): Promise<IndexProbe> {
    return this.backend.probe();
  }

  /** Named, versioned sources: add, refresh, remove (created on first use). */
  get registry(): SourceService {
    this.registryService ??= new SourceService(this.store, this.ingestion, join(dirname(this.config.index), 'sources'), this.config.sources);
    return this.registryService;
  }

  /** The job queue, workers, watching and verify on this index (created on first use). */
  get ingestion(): Ingestion {
    this.ingestionService ??= new Ingestion(this.config, this.backend);
    return this.ingestionService;
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    return this.throughCache(query, options, () => this.searchHere(query, options));
  }

  /**
   * With a shared cache (Redis and a store that has a shared generation):
   * the answer of an identical search on the same generation of the index,
   * else `compute`'s answer, cached. A write moves the generation, so a
   * cached answer is never stale; Redis down means a plain search.
   */
  async throughCache(query: string, options: SearchOptions, compute: () => Promise<SearchResult>): Promise<SearchResult> {
    const shared = this.backend.shared;
    if (!shared || shared.state().status !== 'up') return compute();
    const started = performance.now();
    const generation = await this.store.sharedGeneration();
    if (generation === undefined) return compute();
    const digest = createHash('sha256').update(JSON.stringify([query.trim(), options])).digest('hex');
    const key = `docgraph:${this.backend.key}:search:${generation}:${digest}`;
    const cached = await shared.get(key);
    const t = currentTelemetry();
    if (cached !== undefined) {
      if (t) t.cache = 'hit';
      return { ...(JSON.parse(cached) as SearchResult), tookMs: Math.round((performance.now() - started) * 10_000) / 10_000 };
    }
    const result = await compute();
    if (t) t.cache = 'miss';
    await shared.set(key, JSON.stringify(result), RESULT_CACHE_TTL_SECONDS);
    return result;
  }

  private async searchHere(query: string, options: SearchOptions): Promise<SearchResult> {
    // a worker (here or in another process) may have refitted the model since
    const stored = (await this.store.getEmbedder())?.id;
    if (stored !== this.embedderId) {
      this.embedderPromise = undefined;
      this.embedderId = stored;
    }
    this.embedderPromise ??= queryEmbedder(this.config, this.store, (call) => currentTelemetry()?.embedderCalls.push(call));
    const embedder = await this.embedderPromise.catch(() => undefined);
    this.loadedEmbedder = embedder;
    this.synonyms ??= synonymTable({ builtin: this.config.search.builtinSynonyms, groups: this.config.search.synonyms });
    return search({ store: this.store, embedder, synonyms: this.synonyms }, query, options);
  }

  /** What replicas share (Redis), when configured, and the prefix of this index's keys in it. */
  get shared(): { state: SharedState; keyPrefix: string } | undefined {
    return this.backend.shared ? { state: this.backend.shared, keyPrefix: `docgraph:${this.backend.key}` } : undefined;
  }

  /**
   * The query embedder's circuit breaker in this process (embed/guarded.ts):
   * undefined until a search has loaded an embedder that has one (the
   * OpenAI-compatible provider).
   */
  embedderBreaker(): BreakerSnapshot | undefined {
    // the search threads' breakers; this thread's own when they have none (they could not start and searches run here)
    const elsewhere = this.breakerSource?.();
    if (elsewhere) return elsewhere;
    return this.loadedEmbedder instanceof GuardedEmbedder ? this.loadedEmbedder.breakerState() : undefined;
  }

  /** Searches run elsewhere (search threads): their breakers are the ones to report. */
  reportBreakerOf(source: () => BreakerSnapshot | undefined): void {
    this.breakerSource = source;
  }

  /** Embeds one query through the guarded query embedder (nothing for builtin): does the embedder answer now? */
  private async probeEmbedder(): Promise<{ ok: boolean; error?: string } | undefined> {
    if (this.config.embedder.provider === 'builtin') return undefined;
    try {
      this.embedderPromise ??= queryEmbedder(this.config, this.store);
      const e = await this.embedderPromise;
      this.loadedEmbedder = e;
      if (!e) return undefined;
      await e.embed(['docgraph'], 'query');
      return { ok: true };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Counts, the embedder, Redis and the embedder breaker; `probeEmbedder` first sends one query embedding through it (`docgraph status`). */
  async status(opts: { probeEmbedder?: boolean } = {}): Promise<StatusReport> {
    const probe = opts.probeEmbedder ? await this.probeEmbedder() : undefined;
    const breaker = this.embedderBreaker();
    const stats = await this.store.stats();
    // where the index lives: the file, or the server URL (without its password) and schema
    return {
      index: this.location,
      ...stats,
      embedder: (await this.store.getEmbedder()) ?? null,
      configuredProvider: this.config.embedder.provider,
      vectorSearch: this.backend.vectorSearch,
      ...(this.backend.shared ? { redis: this.backend.shared.state() } : {}),
      ...(breaker ? { embedderBreaker: breaker } : {}),
      ...(probe ? { embedderProbe: probe } : {}),
    };
  }

  /** One section's full text by id or uri#anchor, with optional parent/children/siblings. */
  getSection(ref: SectionRef, context: SectionContextOptions = {}): Promise<SectionView> {
    return getSection(this.store, ref, context);
  }

  /** A document's metadata and outline, by exact uri or by a citation of it (uri#anchor). */
  getDocument(ref: DocumentRef): Promise<DocumentView> {
    return getDocumentView(this.store, ref);
  }

  /** Sources (ingested folders ...) with their document counts. */
  listSources(): ReturnType<Store['listSources']> {
    return this.store.listSources();
  }

  /** The source ids a search filter by name and version means (see source-filter.ts). */
  sourceFilter(source: string | undefined, version: string | undefined, fields?: { source: string; version: string }): Promise<string[]> {
    return sourceFilterIds(this.store, source, version, fields);
  }

  /** Sources without their document counts (cheap). */
  sources(): ReturnType<Store['sources']> {
    return this.store.sources();
  }

  /** An entity by name, with its definition, mentions and related entities. */
  lookupEntity(name: string, type?: string): Promise<EntityView> {
    return lookupEntity(this.store, name, type);
  }

  /** Sections that define, resolve or mention an error code or message. */
  async explainError(codeOrMessage: string, limit = 10): Promise<ErrorExplanation> {
    // a search for the text orders sections of equal evidence, and answers when no error entity matches
    const q = codeOrMessage.trim();
    const found = q === '' || q.length > MAX_QUERY_CHARS ? undefined : await this.search(q, { limit: Math.min(100, Math.max(limit, 50)) });
    const order = new Map((found?.hits ?? []).map((h, i) => [h.sectionId, i]));
    try {
      return await explainError(this.store, codeOrMessage, limit, order);
    } catch (e) {
      // weak by its hits' confidence: a log line's paths and frames are names no doc holds (unknownNames), and say nothing of its words
      if (!(e instanceof NotFoundError) || !found || !(found.hits[0] && found.hits[0].confidence >= WEAK_BELOW)) throw e;
      const hits = await fallbackHits(this.store, q, found.hits);
      if (hits.length === 0) throw e;
      return {
        query: q,
        errors: [],
        fallback: true,
        sections: hits.slice(0, limit).map((h) => ({ id: h.sectionId, uri: h.uri, anchor: h.anchor, heading: h.heading, headingPath: h.headingPath, score: h.confidence, why: ['SEARCH' as const] })),
      };
    }
  }

  /** The ordered steps of the procedure that best answers a task, or undefined when the docs hold none. */
  async getProcedure(task: string): Promise<ProcedureView | undefined> {
    const found = await this.search(task, { limit: 10, mode: 'graph' });
    return getProcedure(this.store, task, found.hits.map((h) => h.sectionId));
  }

  /** A typed, capped traversal of the graph (depth ≤ 3, limit ≤ 100). */
  traverse(req: TraverseRequest): Promise<TraverseResult> {
    return traverse(this.store, req);
  }

  /** The index as deterministic JSON lines (see export.ts). */
  export(): AsyncGenerator<string> {
    return exportJsonl(this.store);
  }

  async close(): Promise<void> {
    await this.ingestionService?.close();
    const e = await this.embedderPromise?.catch(() => undefined);
    await e?.close();
    await this.backend.close();
  }

  /** Every indexed document (uri, title, section count), in uri order. */
  listDocuments(): ReturnType<Store['listDocuments']> {
    return this.store.listDocuments();
  }

  /** A whole document rebuilt as Markdown from its sections. Throws NotFoundError. */
  documentText(uri: string): Promise<DocumentText> {
    return documentText(this.store, uri);
  }
}
