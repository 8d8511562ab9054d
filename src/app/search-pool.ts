/**
 * Searches on worker threads, so `docgraph serve` uses every core for
 * queries and its event loop stays free for requests, /health and the
 * ingest worker. With the builtin embedder a search is ~10–20 ms of CPU
 * (lexical, vector scan, graph, snippets): on the event loop it caps a server
 * at one core and stalls everything else while it runs. Each thread opens
 * the index itself (its own connection, vector index and embedder) and sees
 * every write as any reader of the index does; results and errors come back
 * as plain data (search-task.ts). Threads start with the first tasks (warm,
 * which `serve` sends at start, or searches); the first query on each one
 * loads the index. Threads that cannot start (a damaged
 * install, no memory for a thread) leave the searches to the calling thread,
 * with one warning (threads/pool.ts).
 */
import type { Config } from '../config/config.js';
import { DocgraphError } from '../domain/errors.js';
import { ThreadPool, UNAVAILABLE } from '../threads/pool.js';
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

export interface SearchPoolOptions {
  /** Where a search runs when the threads cannot be used (the calling thread's App); without it such a search fails. */
  here?: (query: string, options: SearchOptions) => Promise<SearchResult>;
  /** Told once, with the cause, when the threads cannot be used. */
  onUnavailable?: (cause: Error) => void;
}

export class SearchPool {
  private readonly pool: ThreadPool<SearchWorkerTask, SearchOutcome | null>;
  private closing: Promise<void> | undefined;
  /** Each thread's embedder breaker as its last search left it. */
  private readonly breakers = new Map<number, BreakerSnapshot>();

  constructor(
    private readonly config: Config,
    readonly threads: number,
    private readonly options: SearchPoolOptions = {},
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`search threads must be a whole number ≥ 1 (got ${threads})`);
    const workerData: SearchWorkerData = { config };
    // threads start with the first tasks (warm, or searches) and stay
    this.pool = new ThreadPool({
      filename: workerFile(),
      maxThreads: threads,
      idleTimeout: Infinity,
      workerData,
      ...(options.onUnavailable ? { onUnavailable: options.onUnavailable } : {}),
    });
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    const task: SearchWorkerTask = { kind: 'search', query, options };
    const outcome = await this.pool.run(task);
    if (outcome === UNAVAILABLE) {
      if (this.options.here) return this.options.here(query, options);
      throw new DocgraphError('INTERNAL', 'the search threads could not be used', { hint: 'the log says why; server.searchThreads: 0 searches on the event loop' });
    }
    if (outcome === null) throw new DocgraphError('INTERNAL', 'a search thread answered a search with nothing');
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
      await this.pool.close();
    })();
    return this.closing;
  }

  /** One task of `kind` on each thread (the barrier in the worker keeps a thread from taking two). */
  private async eachThread(kind: 'warm' | 'close'): Promise<void> {
    const barrier = new SharedArrayBuffer(4);
    const n = this.threads;
    await Promise.allSettled(Array.from({ length: n }, () => this.pool.run({ kind, config: this.config, barrier, threads: n } satisfies SearchWorkerTask)));
  }
}
