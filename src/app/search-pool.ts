/**
 * Searches on worker threads, so `docgraph serve` uses every core for
 * queries and its event loop stays free for requests, /health and the
 * ingest worker. With the builtin embedder a search is ~10–20 ms of CPU
 * (lexical, vector scan, graph, snippets): on the event loop it caps a server
 * at one core and stalls everything else while it runs. Each thread opens
 * the index itself (its own connection, vector index and embedder) and sees
 * every write as any reader of the index does; results and errors come back
 * as plain data (search-task.ts). Threads start with the pool; the first
 * query on each one loads the index.
 */
import { Piscina } from 'piscina';
import type { Config } from '../config/config.js';
import type { SearchResult } from '../domain/types.js';
import type { SearchOptions } from '../search/search.js';
import { worseBreaker, type BreakerSnapshot } from '../embed/guarded.js';
import { mergeTelemetry } from '../observability/telemetry.js';
import { errorFrom, type SearchOutcome, type SearchWorkerData, type SearchWorkerTask } from './search-task.js';

/**
 * The worker module: the built search-worker.js; from the TypeScript sources
 * (tests, `node --import tsx`) a small .mjs that loads the .ts through tsx.
 */
function workerFile(): string {
  if (import.meta.url.endsWith('.ts')) {
    const dev = './search-worker-dev.mjs';
    return new URL(dev, import.meta.url).href;
  }
  return new URL('./search-worker.js', import.meta.url).href;
}

/**
 * `app` with its searches sent to `pool`: what `docgraph serve` hands to MCP
 * (and every other operation stays in-process). The shared result cache, when
 * there is one, is asked first, on this thread.
 */
export function searchingOn<T extends { search(query: string, options?: SearchOptions): Promise<SearchResult>; throughCache(query: string, options: SearchOptions, compute: () => Promise<SearchResult>): Promise<SearchResult> }>(
  app: T,
  pool: SearchPool,
): T {
  return new Proxy(app, {
    get(target, key, receiver) {
      if (key === 'search') return (query: string, options: SearchOptions = {}) => target.throughCache(query, options, () => pool.search(query, options));
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export class SearchPool {
  private readonly pool: Piscina;
  private closing: Promise<void> | undefined;
  /** Each thread's embedder breaker as its last search left it. */
  private readonly breakers = new Map<number, BreakerSnapshot>();

  constructor(
    private readonly config: Config,
    readonly threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`search threads must be a whole number ≥ 1 (got ${threads})`);
    const workerData: SearchWorkerData = { config };
    this.pool = new Piscina({ filename: workerFile(), minThreads: threads, maxThreads: threads, idleTimeout: Infinity, workerData });
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const task: SearchWorkerTask = { kind: 'search', query, options };
    const outcome = (await this.pool.run(task)) as SearchOutcome;
    mergeTelemetry(outcome.telemetry);
    if (outcome.thread !== undefined && outcome.breaker) this.breakers.set(outcome.thread, outcome.breaker);
    if (outcome.kind === 'error') throw errorFrom(outcome.error);
    return outcome.result;
  }

  /**
   * The embedder breaker of this pool: each thread holds its own, so the
   * worst of them as their last searches left them (open > half-open >
   * closed); undefined before any thread loaded a guarded embedder.
   */
  embedderBreaker(): BreakerSnapshot | undefined {
    let worst: BreakerSnapshot | undefined;
    for (const b of this.breakers.values()) worst = worseBreaker(worst, b);
    return worst;
  }

  /** Opens the index on every thread and loads what a search needs, so the first queries do not pay for it. */
  async warm(): Promise<void> {
    await this.eachThread('warm');
  }

  /** Closes every thread's index (so each connection leaves the index as a clean close does), then the threads. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.eachThread('close');
      await this.pool.destroy();
    })();
    return this.closing;
  }

  /** One task of `kind` on each thread (the barrier in the worker keeps a thread from taking two). */
  private async eachThread(kind: 'warm' | 'close'): Promise<void> {
    const barrier = new SharedArrayBuffer(4);
    const n = this.pool.threads.length;
    await Promise.allSettled(Array.from({ length: n }, () => this.pool.run({ kind, config: this.config, barrier, threads: n } satisfies SearchWorkerTask)));
  }
}
