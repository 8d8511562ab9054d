/**
 * What the replicas of a fleet share beside the index (docs/scale-out.md):
 * search results cached by index generation, and change notifications. The
 * one adapter is Redis (cache/redis); embedded mode has none. Every call
 * degrades instead of failing: with the server down, `get` misses, `set` and
 * `publish` do nothing, and `state()` says so, so a search never fails
 * because the cache did.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export interface SharedState {
  /** A cached value, or undefined (absent, expired, or the server unreachable). */
  get(key: string): Promise<string | undefined>;
  /** Stores a value for `ttlSeconds`; a no-op while the server is unreachable. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Tells every subscriber of `channel`; a no-op while the server is unreachable. */
  publish(channel: string, message: string): Promise<void>;
  /** Calls `listener` with every message published on `channel` from now on (resubscribes after reconnecting). */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  state(): SharedStateStatus;
  /**
   * A rate limiter whose counts every replica shares (keys under
   * `keyPrefix`); while the server is unreachable, `insurance` counts in this
   * process instead, and the shared counts resume when it is back.
   */
  rateLimiter(options: { keyPrefix: string; points: number; duration: number; insurance: RateLimiterAbstract }): RateLimiterAbstract;
  close(): Promise<void>;
}

export interface SharedStateStatus {
  /** Where it is, without credentials. */
  location: string;
  status: 'up' | 'down';
  /** ISO 8601 time of the last change of status. */
  since: string;
  /** Why it is down, when it is. */
  error?: string;
}

/** The channel on which writers announce a change of the index `indexKey` names to every replica. */
export function changesChannel(indexKey: string): string {
  return `docgraph:${indexKey}:changes`;
}
