/**
 * Who may call: API keys with scopes (app/keys.ts) and DOCGRAPH_API_KEY, an
 * admin key from the environment. `authenticate` reads `Authorization:
 * Bearer <key>` once per request and sets the caller; `authorize(scope)`
 * guards a route. A key is required when the server says so (`--require-key`,
 * `server.requireKey`), when DOCGRAPH_API_KEY is set, and on any bind other
 * than loopback; otherwise a request without a key is the anonymous admin
 * (a loopback server is as open as the CLI on the same machine), and a
 * request with a key is checked all the same.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { grants, type ApiKeys, type Caller, type Scope } from '../app/keys.js';
import { errorResponse } from './errors.js';

export type AuthVariables = { caller: Caller };

export interface AuthOptions {
  /** DOCGRAPH_API_KEY (server.apiKey): an admin key. */
  envKey?: string | undefined;
  keys: Pick<ApiKeys, 'verify'>;
  /** Refuse requests without a key. */
  required: boolean;
}

/** How a refusal is written: REST's error shape, or a JSON-RPC error on /mcp. */
export type Refusal = (status: 401 | 403, code: 'UNAUTHORIZED' | 'FORBIDDEN', message: string) => Response;

const CHALLENGE = { 'www-authenticate': 'Bearer realm="docgraph"' };

export const restRefusal: Refusal = (status, code, message) => errorResponse(code, message, {}, status === 401 ? CHALLENGE : {});

export const rpcRefusal: Refusal = (status, _code, message) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...(status === 401 ? CHALLENGE : {}) },
  });

const ANONYMOUS: Caller = { id: 'anonymous', scopes: ['admin'] };
const ENV: Caller = { id: 'env', scopes: ['admin'] };

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Sets `caller` from the Authorization header, or refuses (401) a missing or wrong key. */
export function authenticate(opts: AuthOptions, refuse: (c: Context) => Refusal): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined) {
      if (opts.required) return refuse(c)(401, 'UNAUTHORIZED', 'Unauthorized: send Authorization: Bearer <API key> (create one with `docgraph keys create`)');
      c.set('caller', ANONYMOUS);
      return next();
    }
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m) return refuse(c)(401, 'UNAUTHORIZED', 'Unauthorized: the Authorization header must be "Bearer <API key>"');
    const token = m[1]!;
    const caller = opts.envKey !== undefined && sameSecret(token, opts.envKey) ? ENV : await opts.keys.verify(token);
    if (!caller) return refuse(c)(401, 'UNAUTHORIZED', 'Unauthorized: the API key is unknown, revoked or wrong');
    c.set('caller', caller);
    return next();
  };
}

/** Refuses (403) a caller whose key lacks `scope`. */
export function authorize(scope: Scope, refuse: Refusal): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const caller = c.get('caller');
    if (!grants(caller.scopes, scope)) return refuse(403, 'FORBIDDEN', `Forbidden: this key's scopes (${caller.scopes.join(', ')}) do not include ${scope}`);
    return next();
  };
}
