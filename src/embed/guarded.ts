/**
 * A remote embedder behind a timeout, a retry and a circuit breaker
 * (cockatiel), for the one call a search waits on: the embedding of its
 * query. A search must not hang on an embedder that hangs, nor pay a timeout
 * per query while the embedder is down: after `breakerFailures` consecutive
 * failures the breaker opens and query embeddings fail at once (the search
 * answers lexical + graph, `degraded: ["vector"]`) until, `breakerHalfOpenMs`
 * later, one call is let through to test it. Document embeddings (ingest)
 * pass straight through: jobs have their own retries and backoff.
 */
import { createRequire } from 'node:module';
import type * as CockatielLib from 'cockatiel';
import type { CircuitBreakerPolicy, CircuitState, IPolicy } from 'cockatiel';
import { EmbedderError, isDocgraphError } from '../domain/errors.js';
import type { EmbedPurpose, Embedder, EmbedderInfo } from './embedder.js';

export interface QueryGuardOptions {
  /** Per attempt, in ms. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** Consecutive failures that open the breaker. */
  breakerFailures: number;
  /** How long the breaker stays open before a test call, in ms. */
  halfOpenMs: number;
}

/** How one query embedding ended: `rejected` = the open breaker refused it without calling the embedder. */
export type EmbedderCallOutcome = 'ok' | 'error' | 'timeout' | 'rejected';

export interface EmbedderCall {
  outcome: EmbedderCallOutcome;
  seconds: number;
  /** Why it failed (the provider's message, secrets removed). */
  error?: string;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** The breaker as status, /health/ready and /metrics show it (wire names). */
export interface BreakerSnapshot {
  state: BreakerState;
  /** ISO 8601: when it entered this state. */
  since: string;
  /** While open: when the next query embedding will be let through to test the embedder (ISO 8601). */
  retry_at?: string;
  /** Why it last opened (the embedder's error, secrets already removed by the provider). */
  last_error?: string;
}

type Cockatiel = typeof CockatielLib;
let cockatielLib: Cockatiel | undefined;
/** cockatiel, loaded when the first guard is made (only a remote embedder's queries have one), not with every CLI command. */
function cockatiel(): Cockatiel {
  return (cockatielLib ??= createRequire(import.meta.url)('cockatiel') as Cockatiel);
}

function stateOf(s: CircuitState): BreakerState {
  const { CircuitState: S } = cockatiel();
  return s === S.Closed ? 'closed' : s === S.HalfOpen ? 'half_open' : 'open';
}

export class GuardedEmbedder implements Embedder {
  readonly batchSize: number;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly policy: IPolicy<{ signal: AbortSignal }>;
  private since = new Date();
  private lastError: string | undefined;

  constructor(
    private readonly inner: Embedder,
    private readonly opts: QueryGuardOptions,
    private readonly onCall: (call: EmbedderCall) => void = () => undefined,
  ) {
    this.batchSize = inner.batchSize;
    const { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleAll, handleWhen, retry, timeout, TimeoutStrategy, wrap } = cockatiel();
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: opts.halfOpenMs, breaker: new ConsecutiveBreaker(opts.breakerFailures) });
    this.breaker.onStateChange(() => {
      this.since = new Date();
    });
    this.breaker.onBreak((reason) => {
      if ('error' in reason) this.lastError = cancelled(reason.error) ? `no answer within ${opts.timeoutMs} ms` : messageOf(reason.error);
    });
    // retry what may pass on a second try; never what the open breaker refused
    const retrying = retry(
      handleWhen((e) => !brokenCircuit(e) && (cancelled(e) || !isDocgraphError(e) || e.retryable)),
      { maxAttempts: opts.retries, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }) },
    );
    this.policy = wrap(retrying, this.breaker, timeout(opts.timeoutMs, TimeoutStrategy.Cooperative));
  }

  info(): EmbedderInfo {
    return this.inner.info();
  }

  async embed(texts: readonly string[], purpose: EmbedPurpose, signal?: AbortSignal): Promise<Float32Array[]> {
    if (purpose !== 'query') return this.inner.embed(texts, purpose, signal);
    const started = performance.now();
    const call = (outcome: EmbedderCallOutcome, error?: unknown): void => this.onCall({ outcome, seconds: (performance.now() - started) / 1000, ...(error !== undefined ? { error: outcome === 'timeout' ? `no answer within ${this.opts.timeoutMs} ms` : messageOf(error) } : {}) });
    try {
      const out = await this.policy.execute(async ({ signal: s }) => {
        try {
          return await this.inner.embed(texts, purpose, s);
        } catch (e) {
          // the provider stopped because the timeout fired: say so, as the timeout policy would
          if (s.aborted) throw new (cockatiel().TaskCancelledError)();
          throw e;
        }
      }, signal);
      call('ok');
      return out;
    } catch (e) {
      if (brokenCircuit(e)) {
        call('rejected');
        throw new EmbedderError(this.info().provider, `the embedder's circuit breaker is open after ${this.opts.breakerFailures} failed calls${this.lastError ? ` (last: ${this.lastError})` : ''}`, {
          hint: `searches answer without vectors until a test call succeeds (every embedder.breakerHalfOpenMs, ${this.opts.halfOpenMs} ms)`,
          retryable: true,
        });
      }
      if (cancelled(e)) {
        call('timeout', e);
        throw new EmbedderError(this.info().provider, `no query embedding within ${this.opts.timeoutMs} ms`, { hint: 'raise embedder.queryTimeoutMs if the embedder is slow but working', retryable: true, cause: e });
      }
      call('error', e);
      throw e;
    }
  }

  /** The breaker's state now. */
  breakerState(): BreakerSnapshot {
    const state = stateOf(this.breaker.state);
    return {
      state,
      since: this.since.toISOString(),
      ...(state === 'open' ? { retry_at: new Date(this.since.getTime() + this.opts.halfOpenMs).toISOString() } : {}),
      ...(state !== 'closed' && this.lastError !== undefined ? { last_error: this.lastError } : {}),
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A timeout of the policy (by its marker too: cockatiel 3.2's own isTaskCancelledError tests the wrong field). */
function cancelled(e: unknown): boolean {
  return e instanceof cockatiel().TaskCancelledError || (typeof e === 'object' && e !== null && 'isTaskCancelledError' in e);
}

function brokenCircuit(e: unknown): boolean {
  const { BrokenCircuitError, isBrokenCircuitError } = cockatiel();
  return e instanceof BrokenCircuitError || isBrokenCircuitError(e);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The worse of two breaker states (open > half_open > closed), for a process whose threads each hold a breaker. */
export function worseBreaker(a: BreakerSnapshot | undefined, b: BreakerSnapshot | undefined): BreakerSnapshot | undefined {
  if (!a) return b;
  if (!b) return a;
  const rank = { closed: 0, half_open: 1, open: 2 } as const;
  return rank[b.state] > rank[a.state] ? b : a;
}
