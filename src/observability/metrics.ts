/**
 * The Prometheus metrics of `docgraph serve` (GET /metrics), every name
 * prefixed `docgraph_`; docs/operations.md lists them. One registry per
 * server (no global state: two servers in one process, as tests run them,
 * count apart). Counters and histograms are fed as things happen; the queue
 * gauges are read from the queue when scraped (`refresh`), so they hold for
 * the whole index, whichever process does the work.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Span } from '@opentelemetry/api';
import { newTelemetry, recordingInto, type SearchTelemetry } from './telemetry.js';
import { inSpan, stageSpans } from './tracing.js';

/** Latency buckets in seconds, from a cached lookup to a slow search. */
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BYTES = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576];

/** The queue's figures the gauges show (app/ingestion.ts QueueStatus has them). */
export interface QueueFigures {
  counts: Record<string, number>;
  oldestPendingAgeMs: number | null;
  staleLeases: number;
  dlq: { size: number };
  backpressure: { paused: boolean };
}

/** The last verify's figures (app/verify.ts LastVerify has them). */
export interface VerifyFigures {
  driftRatio: number;
  /** ms since the epoch. */
  at: number;
}

/** The breaker states the gauge knows (embed/guarded.ts BreakerState). */
const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;

/** What the scrape-time gauges read. */
export interface ScrapeSources {
  queue?: () => Promise<QueueFigures>;
  /** The last verify of the index, if one ran. */
  verify?: () => Promise<VerifyFigures | undefined>;
  /** The query embedder's breaker state in this process; undefined = no breaker (builtin, or not loaded yet). */
  breaker?: () => { state: string } | undefined;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'docgraph_http_requests_total', help: 'HTTP requests answered, by method, route (the pattern matched) and status.', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'docgraph_http_request_duration_seconds', help: 'Time to answer an HTTP request (to the response headers; streams not counted), by method, route and status.', labelNames: ['method', 'route', 'status'], buckets: SECONDS, registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'docgraph_http_rate_limited_total', help: 'Requests refused with 429 by the rate limit, by what was limited (key or ip).', labelNames: ['by'], registers: [this.registry] });
  readonly toolCalls = new Counter({ name: 'docgraph_mcp_tool_calls_total', help: 'MCP tool calls, by tool and outcome (ok, or error: the call answered a tool error).', labelNames: ['tool', 'outcome'], registers: [this.registry] });
  readonly toolDuration = new Histogram({ name: 'docgraph_mcp_tool_duration_seconds', help: 'Time an MCP tool call took, by tool.', labelNames: ['tool'], buckets: SECONDS, registers: [this.registry] });
  readonly toolBytes = new Histogram({ name: 'docgraph_mcp_tool_response_bytes', help: 'Size of MCP tool results (structured content plus text), by tool.', labelNames: ['tool'], buckets: BYTES, registers: [this.registry] });
  readonly searchDuration = new Histogram({ name: 'docgraph_search_duration_seconds', help: 'Time a search took (plan, retrieve, fuse, expand, rerank, snippets), by outcome; from MCP, REST and the searches explain_error and get_procedure run.', labelNames: ['outcome'], buckets: SECONDS, registers: [this.registry] });
  readonly searchStage = new Histogram({ name: 'docgraph_search_stage_duration_seconds', help: 'Time each search stage took: plan, lexical, vector (the query embedding and the vector scan), entity, fusion (with the type prior), expansion (graph expansion and the fusion after it). Stages run on the search threads; lexical, vector and entity overlap.', labelNames: ['stage'], buckets: SECONDS, registers: [this.registry] });
  readonly searchCache = new Counter({ name: 'docgraph_search_cache_total', help: 'Searches answered from the shared result cache (hit) or computed and stored (miss); only with Redis.', labelNames: ['result'], registers: [this.registry] });
  readonly embedderCalls = new Counter({ name: 'docgraph_embedder_calls_total', help: 'Query embeddings asked of a remote embedder, by outcome: ok, error, timeout (embedder.queryTimeoutMs passed, retries included), rejected (the breaker was open: the embedder was not called).', labelNames: ['outcome'], registers: [this.registry] });
  readonly embedderDuration = new Histogram({ name: 'docgraph_embedder_call_duration_seconds', help: 'Time a query embedding took (retries included), by outcome.', labelNames: ['outcome'], buckets: SECONDS, registers: [this.registry] });
  private readonly breakerState = new Gauge({ name: 'docgraph_embedder_breaker_state', help: "1 for the state the query embedder's circuit breaker is in (closed, half_open, open), 0 for the others; no series before a remote embedder is loaded. With search threads, the worst of their breakers.", labelNames: ['state'], registers: [this.registry] });
  readonly searchDegraded = new Counter({ name: 'docgraph_search_degraded_total', help: 'Searches that answered without a retriever that was down, by retriever.', labelNames: ['retriever'], registers: [this.registry] });
  readonly ingestJobs = new Counter({ name: 'docgraph_ingest_jobs_total', help: "Ingest job attempts this process's worker ended, by outcome: completed, retry (failed, will run again), dead (to the DLQ), superseded, released, lease_lost.", labelNames: ['outcome'], registers: [this.registry] });
  private readonly queueJobs = new Gauge({ name: 'docgraph_queue_jobs', help: 'Jobs in the queue of the index, by state.', labelNames: ['state'], registers: [this.registry] });
  private readonly queueOldest = new Gauge({ name: 'docgraph_queue_oldest_pending_age_seconds', help: 'Age of the oldest pending job (0 when none is pending).', registers: [this.registry] });
  private readonly staleLeases = new Gauge({ name: 'docgraph_queue_stale_leases', help: 'Running jobs whose lease expired and that no reaper has handled yet.', registers: [this.registry] });
  private readonly dlqSize = new Gauge({ name: 'docgraph_dlq_size', help: 'Jobs in the dead letter queue.', registers: [this.registry] });
  private readonly paused = new Gauge({ name: 'docgraph_queue_backpressure_paused', help: '1 while the queue is above its high-water mark (producers pause, POST /v1/ingest answers 503).', registers: [this.registry] });
  readonly ready = new Gauge({ name: 'docgraph_ready', help: '1 when /health/ready would answer 200 (index reachable and migrated, queue not stuck), 0 when 503; read at scrape.', registers: [this.registry] });
  private readonly verifyDrift = new Gauge({ name: 'docgraph_verify_drift_ratio', help: 'Share of checked items (documents, files, entities) the last `docgraph verify` of the index found wrong, 0 to 1 (0 until one ran).', registers: [this.registry] });
  private readonly verifyAt = new Gauge({ name: 'docgraph_verify_last_run_timestamp_seconds', help: 'When the last `docgraph verify` of the index finished, Unix seconds (0: never).', registers: [this.registry] });
  private readonly scrapeErrors = new Counter({ name: 'docgraph_metrics_queue_read_errors_total', help: 'Scrapes that could not read the queue figures (the gauges kept their last values).', registers: [this.registry] });

  /** Retrievers the last search answered without (`vector` when the embedder was down); empty when it had them all. */
  lastDegraded: readonly string[] = [];

  constructor(private readonly sources: ScrapeSources = {}) {
    collectDefaultMetrics({ register: this.registry, prefix: 'docgraph_' });
  }

  /** Counts what one search recorded (telemetry.ts): its stages, embedder calls, cache answer. */
  searchRecorded(t: SearchTelemetry): void {
    for (const s of t.stages) this.searchStage.observe({ stage: s.stage }, s.durationMs / 1000);
    for (const c of t.embedderCalls) {
      this.embedderCalls.inc({ outcome: c.outcome });
      this.embedderDuration.observe({ outcome: c.outcome }, c.seconds);
    }
    if (t.cache) this.searchCache.inc({ result: t.cache });
  }

  /** Counts a worker event (queue/worker.ts WorkerEvent). */
  workerEvent(e: { type: string; state?: string }): void {
    const outcome = e.type === 'completed' ? 'completed' : e.type === 'released' ? 'released' : e.type === 'lease-lost' ? 'lease_lost' : e.type === 'failed' ? (e.state === 'pending' ? 'retry' : (e.state ?? 'failed')) : undefined;
    if (outcome) this.ingestJobs.inc({ outcome });
  }

  /** The text exposition, with the queue gauges read now. */
  async text(): Promise<string> {
    const breaker = this.sources.breaker?.();
    if (breaker) for (const state of BREAKER_STATES) this.breakerState.set({ state }, breaker.state === state ? 1 : 0);
    if (this.sources.queue) {
      try {
        const q = await this.sources.queue();
        for (const [state, n] of Object.entries(q.counts)) this.queueJobs.set({ state }, n);
        this.queueOldest.set((q.oldestPendingAgeMs ?? 0) / 1000);
        this.staleLeases.set(q.staleLeases);
        this.dlqSize.set(q.dlq.size);
        this.paused.set(q.backpressure.paused ? 1 : 0);
      } catch {
        this.scrapeErrors.inc();
      }
    }
    if (this.sources.verify) {
      try {
        const v = await this.sources.verify();
        if (v) {
          this.verifyDrift.set(v.driftRatio);
          this.verifyAt.set(v.at / 1000);
        }
      } catch {
        this.scrapeErrors.inc();
      }
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * `app` with every search timed into `metrics` (a Proxy, as search-pool.ts's
 * `searchingOn`: the other operations pass through unchanged), with what it
 * recorded (stages, embedder calls, cache) counted and handed to `onRecorded`
 * (tracing makes spans of it).
 */
export function timingSearches<T extends { search(...a: never[]): Promise<{ degraded: string[] }> }>(app: T, metrics: Metrics, onRecorded?: (t: SearchTelemetry) => void): T {
  return new Proxy(app, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (key !== 'search') return (value as (...a: unknown[]) => unknown).bind(target);
      const search = (...args: unknown[]) => (value as (...a: unknown[]) => Promise<{ degraded: string[] }>).apply(target, args);
      return (...args: unknown[]) => inSpan('search', {}, (span) => timedSearch(metrics, span, () => search(...args), onRecorded));
    },
  });
}

async function timedSearch<R extends { degraded: string[] }>(metrics: Metrics, span: Span, search: () => Promise<R>, onRecorded: ((t: SearchTelemetry) => void) | undefined): Promise<R> {
  const end = metrics.searchDuration.startTimer();
  const record = newTelemetry();
  try {
    const r = await recordingInto(record, search);
    end({ outcome: 'ok' });
    for (const d of r.degraded) metrics.searchDegraded.inc({ retriever: d });
    metrics.lastDegraded = r.degraded;
    if (r.degraded.length > 0) span.setAttribute('docgraph.search.degraded', r.degraded);
    return r;
  } catch (e) {
    end({ outcome: 'error' });
    throw e;
  } finally {
    metrics.searchRecorded(record);
    if (record.cache) span.setAttribute('docgraph.search.cache', record.cache);
    stageSpans(record.stages);
    onRecorded?.(record);
  }
}
