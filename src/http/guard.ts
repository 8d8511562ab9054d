import type { MiddlewareHandler } from 'hono';
import { isLoopbackHost } from '../config/config.js';

export interface GuardOptions {
  /** The address the server is bound to. */
  bindHost: string;
  /** Extra Host names to accept (config server.allowedHosts). */
  allowedHosts: readonly string[];
  /** Extra exact Origins to accept (config server.allowedOrigins). */
  allowedOrigins: readonly string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** The hostname of a Host header value, without port; IPv6 keeps its brackets. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

function jsonRpcError(status: 403, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }), { status, headers: { 'content-type': 'application/json' } });
}

/**
 * DNS-rebinding protection. A browser page on another site that resolves its
 * own name to 127.0.0.1 sends its own Host and Origin; both are refused.
 * - Host: on a loopback bind, only loopback names (any port) and allowedHosts;
 *   on another bind, checked only when allowedHosts is set (a bearer token
 *   guards such a server, and the names it is reached by are not known here).
 * - Origin (sent by browsers): loopback origins over http(s) on any port, and
 *   allowedOrigins; requests without an Origin (non-browser clients) pass.
 */
export function rebindingGuard(opts: GuardOptions): MiddlewareHandler {
  const hosts = new Set([...opts.allowedHosts.map((h) => h.toLowerCase())]);
  const checkHost = isLoopbackHost(opts.bindHost) || hosts.size > 0;
  if (isLoopbackHost(opts.bindHost)) for (const n of LOOPBACK_NAMES) hosts.add(n);
  if (!['0.0.0.0', '::', ''].includes(opts.bindHost)) hosts.add(opts.bindHost.includes(':') && !opts.bindHost.startsWith('[') ? `[${opts.bindHost}]` : opts.bindHost);
  const origins = new Set(opts.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return async (c, next) => {
    if (checkHost) {
      const host = c.req.header('host');
      if (!host || !hosts.has(hostName(host))) return jsonRpcError(403, `Forbidden: Host "${host ?? ''}" is not allowed (DNS-rebinding protection); add it to server.allowedHosts if it is yours`);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !originAllowed(origin, origins)) {
      return jsonRpcError(403, `Forbidden: Origin "${origin}" is not allowed; add it to server.allowedOrigins if it is yours`);
    }
    await next();
    return undefined;
  };
}

function originAllowed(origin: string, extra: ReadonlySet<string>): boolean {
  if (extra.has(origin.replace(/\/$/, '').toLowerCase())) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && (url.hostname === 'localhost' || url.hostname === '[::1]' || isLoopbackHost(url.hostname));
}
