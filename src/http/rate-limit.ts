/**
 * Requests per minute, per API key (a request with a key) or per client IP
 * (one without), rate-limiter-flexible's fixed window of 60 s: config
 * `rateLimit.perMinute`, env DOCGRAPH_RATE_LIMIT; 0 turns it off. Past the
 * limit: 429 with Retry-After (seconds until the window ends). With
 * `--redis` the counts live in Redis, so every replica counts against one
 * limit (RateLimiterRedis); while Redis is unreachable each process counts
 * in its own memory (the insurance limiter), which `onStore` hears, and the
 * shared counts resume when it is back. Without Redis: memory.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { SharedState } from '../cache/shared-state.js';
import type { AuthVariables } from './auth.js';
import { errorResponse } from './errors.js';

export interface RateLimitOptions {
  perMinute: number;
  /** Called on every refusal, with what was limited. */
  onLimited?: (by: 'key' | 'ip') => void;
  /** How a refusal is written for this request (REST's error shape, or JSON-RPC on /mcp). */
  style?: (c: Context) => 'rest' | 'rpc';
  /** Count in the state replicas share (Redis), under this key prefix. */
  shared?: { state: SharedState; keyPrefix: string };
  /** Hears where requests are counted whenever that changes (first with the first request): `memory` while the shared state is down. */
  onStore?: (store: 'redis' | 'memory') => void;
}

/** The client's address as the socket reports it (a proxy in front makes every client one address: rate-limit there instead). */
function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<{ Variables: AuthVariables }> {
  const memory = new RateLimiterMemory({ points: opts.perMinute, duration: 60 });
  const shared = opts.shared;
  const limiter: RateLimiterAbstract = shared ? shared.state.rateLimiter({ keyPrefix: shared.keyPrefix, points: opts.perMinute, duration: 60, insurance: memory }) : memory;
  let store: 'redis' | 'memory' | undefined;
  return async (c, next) => {
    const now = shared && shared.state.state().status === 'up' ? 'redis' : 'memory';
    if (now !== store) {
      store = now;
      opts.onStore?.(now);
    }
    const caller = c.get('caller');
    const by = caller && caller.id !== 'anonymous' ? 'key' : 'ip';
    const key = by === 'key' ? `key:${caller!.id}` : `ip:${clientIp(c)}`;
    try {
      await limiter.consume(key);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      opts.onLimited?.(by);
      const after = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      const message = `Too many requests: at most ${opts.perMinute} a minute per ${by === 'key' ? 'API key' : 'client address'}; retry after ${after} s`;
      const headers = { 'retry-after': String(after) };
      if (opts.style?.(c) === 'rpc') {
        return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message, data: { retry_after_s: after } }, id: null }), { status: 429, headers: { 'content-type': 'application/json', ...headers } });
      }
      return errorResponse('RATE_LIMITED', message, { retry_after_s: after, limit_per_minute: opts.perMinute }, headers);
    }
    return next();
  };
}

