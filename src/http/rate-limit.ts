/**
 * Requests per minute, per API key (a request with a key) or per client IP
 * (one without), in this process's memory (rate-limiter-flexible's fixed
 * window of 60 s): config `rateLimit.perMinute`, env DOCGRAPH_RATE_LIMIT;
 * 0 turns it off. Past the limit: 429 with Retry-After (seconds until the
 * window ends). Several replicas each count their own requests.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthVariables } from './auth.js';
import { errorResponse } from './errors.js';

export interface RateLimitOptions {
  perMinute: number;
  /** Called on every refusal, with what was limited. */
  onLimited?: (by: 'key' | 'ip') => void;
  /** How a refusal is written for this request (REST's error shape, or JSON-RPC on /mcp). */
  style?: (c: Context) => 'rest' | 'rpc';
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
  const limiter = new RateLimiterMemory({ points: opts.perMinute, duration: 60 });
  return async (c, next) => {
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

