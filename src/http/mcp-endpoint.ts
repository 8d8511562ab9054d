import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'hono';
import { createMcpServer, type McpContext } from '../mcp/server.js';
import { needsWorkSlot, requestId, requestIds } from '../mcp/work.js';
import { EventLog, type EventLogStats, type SessionEventStore } from './event-store.js';
import { ServerBusyError, type Release, type WorkLimiter } from './work-limiter.js';

export interface McpSessionLimits {
  /** Open sessions at most; beyond it new sessions get 503. Default 100. */
  maxSessions?: number;
  /** A session unused this long is closed. Default 30 minutes. */
  idleMs?: number;
  /** Bytes of SSE events kept for resumption, across all sessions (oldest dropped first). Default 32 MiB (config server.eventStoreMaxBytes). */
  eventStoreMaxBytes?: number;
  /** No sessions: every POST gets a server and transport of its own, answered as JSON (config server.mcpStateless). */
  stateless?: boolean;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  events: SessionEventStore;
  lastSeen: number;
}

/** Who is calling, for the transport to hand to tool handlers as `extra.authInfo`. */
type Auth = { authInfo?: { token: string; clientId: string; scopes: string[] } };

function rpcError(status: number, code: number, message: string, headers: Record<string, string> = {}, id: string | number | null = null, data?: unknown): Response {
  const error = data === undefined ? { code, message } : { code, message, data };
  return new Response(JSON.stringify({ jsonrpc: '2.0', error, id }), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** JSON-RPC code of a shed request (implementation-defined server error range). */
export const SERVER_BUSY = -32003;

/** The 503 answer to a request the limiter shed: Retry-After, and a JSON-RPC error naming the request and the reason. */
function busyResponse(e: ServerBusyError, id: string | number | null): Response {
  const message = `${e.message}; retry after ${e.retryAfterSeconds} s`;
  return rpcError(503, SERVER_BUSY, message, { 'retry-after': String(e.retryAfterSeconds) }, id, { reason: e.reason, retry_after_s: e.retryAfterSeconds });
}

/** Where a response is written when served by @hono/node-server (its HttpBindings' `outgoing`); absent under app.fetch alone. */
type Outgoing = Pick<EventEmitter, 'once'> & { readonly writableFinished?: boolean };

/** The node response a request is answered on, when there is one (Hono passes it as `c.env.outgoing`). */
function outgoingOf(c: Context): Outgoing | undefined {
  const env = c.env as { outgoing?: unknown } | undefined;
  const o = env?.outgoing;
  return typeof o === 'object' && o !== null && typeof (o as Outgoing).once === 'function' ? (o as Outgoing) : undefined;
}

/**
 * The response, calling `onEnd` once when it has been sent to its end
 * (`true`) or has failed or been cut off (the client went away: `false`).
 * A request's SSE stream ends when its result has been sent.
 *
 * Served by Node (`outgoing` given), that is the node response's `finish`
 * (everything handed to the socket) or a `close` before it, and the body
 * passes untouched. Otherwise (app.fetch alone) the body is passed through a
 * stream of ours that sees its end: one more web stream, a read and an
 * enqueue of promises per chunk, which every response on Node used to pay.
 *
 * (An SSE body is not marked `Transfer-Encoding: chunked`, although
 * @hono/node-server then waits a timer's turn for a second chunk before it
 * sends the headers: marked, the headers went out alone, one more packet and
 * one more wake-up of the client per call, and the client's CPU per call
 * rose by a third.)
 */
export function whenSent(res: Response, onEnd: (complete: boolean) => void, outgoing?: Outgoing): Response {
  let ended = false;
  const end = (complete: boolean): void => {
    if (ended) return;
    ended = true;
    onEnd(complete);
  };
  if (outgoing) {
    if (outgoing.writableFinished) end(true);
    outgoing.once('finish', () => end(true));
    outgoing.once('close', () => end(false));
    return res;
  }
  if (!res.body) {
    end(true);
    return res;
  }
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end(true);
          controller.close();
        } else controller.enqueue(value);
      } catch (e) {
        end(false);
        controller.error(e);
      }
    },
    cancel(reason) {
      end(false);
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/**
 * Streamable HTTP sessions for /mcp: one MCP server and transport per session
 * (the SDK's web-standard transport, SSE responses, resumable through a
 * per-session event store). Owns its sessions: `close()` ends them all.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly maxSessions: number;
  private readonly idleMs: number;
  private readonly sweeper: NodeJS.Timeout;
  private readonly events: EventLog;
  private readonly stateless: boolean;
  private closed = false;

  constructor(
    private readonly ctx: McpContext,
    limits: McpSessionLimits = {},
    private readonly limiter?: WorkLimiter,
  ) {
    this.maxSessions = limits.maxSessions ?? 100;
    this.idleMs = limits.idleMs ?? 30 * 60_000;
    this.events = new EventLog(limits.eventStoreMaxBytes);
    this.stateless = limits.stateless ?? false;
    this.sweeper = setInterval(() => void this.sweep(), Math.min(60_000, this.idleMs)).unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Events (and their bytes) held for resumption across all sessions. */
  eventStats(): EventLogStats {
    return this.events.stats();
  }

  /** Handles any request to /mcp (POST messages, GET the SSE stream, DELETE the session). */
  async handle(c: Context): Promise<Response> {
    if (this.closed) return rpcError(503, -32000, 'Server is shutting down');
    const method = c.req.method;
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      return rpcError(405, -32000, 'Method not allowed: use POST, GET or DELETE', { allow: 'GET, POST, DELETE' });
    }
    const sessionId = c.req.header('mcp-session-id');
    if (this.stateless && method !== 'POST') {
      return rpcError(405, -32000, 'This server runs MCP without sessions (server.mcpStateless): POST each request; there is no stream to GET and no session to DELETE', { allow: 'POST' });
    }
    let body: unknown;
    if (method === 'POST') {
      try {
        body = await c.req.json();
      } catch {
        return rpcError(400, -32700, 'Parse error: the body must be a JSON-RPC message');
      }
    }
    // the caller's scopes reach the tools (the admin tools need admin); set by http/auth.ts on /mcp
    const caller = (c.get as (k: string) => unknown)('caller') as { id: string; scopes: readonly string[] } | undefined;
    const auth: Auth = caller ? { authInfo: { token: '', clientId: caller.id, scopes: [...caller.scopes] } } : {};
    if (this.stateless) return this.handleStateless(c.req.raw, body, auth, outgoingOf(c));
    if (sessionId !== undefined) {
      const session = this.sessions.get(sessionId);
      if (!session) return rpcError(404, -32001, 'Session not found: it expired or was closed; initialize a new one');
      session.lastSeen = Date.now();
      const outgoing = outgoingOf(c);
      if (method === 'POST' && this.limiter && needsWorkSlot(body)) return this.handleWork(session, c.req.raw, body, this.limiter, auth, outgoing);
      if (method !== 'POST') return session.transport.handleRequest(c.req.raw);
      const ids = requestIds(body);
      return whenSent(await session.transport.handleRequest(c.req.raw, { parsedBody: body, ...auth }), (complete) => session.events.responseEnded(ids, complete), outgoing);
    }
    const initializes = Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
    if (method !== 'POST' || !initializes) {
      return rpcError(400, -32000, 'Bad Request: send the Mcp-Session-Id header, or POST an initialize request to start a session');
    }
    if (this.sessions.size >= this.maxSessions) {
      await this.sweep();
      if (this.sessions.size >= this.maxSessions) return rpcError(503, -32000, 'Too many open MCP sessions; retry later', { 'retry-after': '30' });
    }
    return this.open(c.req.raw, body, auth, outgoingOf(c));
  }

  /**
   * A request that does work waits for a slot of the limiter before the
   * transport sees it; when shed it gets 503 + Retry-After from here, and the
   * session never learns of it. The slot is held until the response is sent.
   */
  private async handleWork(session: Session, req: Request, body: unknown, limiter: WorkLimiter, auth: Auth, outgoing: Outgoing | undefined): Promise<Response> {
    let release: Release;
    try {
      release = await limiter.acquire();
    } catch (e) {
      if (e instanceof ServerBusyError) return busyResponse(e, requestId(body));
      throw e;
    }
    if (this.closed) {
      release();
      return rpcError(503, -32000, 'Server is shutting down');
    }
    const ids = requestIds(body);
    try {
      return whenSent(
        await session.transport.handleRequest(req, { parsedBody: body, ...auth }),
        (complete) => {
          release();
          session.events.responseEnded(ids, complete);
        },
        outgoing,
      );
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * Stateless MCP: a server and transport for this one POST, closed when its
   * answer is sent, so no replica holds anything between requests. Work
   * waits for (or is shed by) the limiter as in a session.
   */
  private async handleStateless(req: Request, body: unknown, auth: Auth, outgoing: Outgoing | undefined): Promise<Response> {
    let release: Release = () => undefined;
    if (this.limiter && needsWorkSlot(body)) {
      try {
        release = await this.limiter.acquire();
      } catch (e) {
        if (e instanceof ServerBusyError) return busyResponse(e, requestId(body));
        throw e;
      }
    }
    const server = createMcpServer(this.ctx);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    const done = (): void => {
      release();
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
    };
    try {
      await server.connect(transport);
      return whenSent(await transport.handleRequest(req, { parsedBody: body, ...auth }), done, outgoing);
    } catch (e) {
      done();
      throw e;
    }
  }

  private async open(req: Request, body: unknown, auth: Auth, outgoing: Outgoing | undefined): Promise<Response> {
    const server = createMcpServer(this.ctx);
    const events = this.events.session();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: events,
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, events, lastSeen: Date.now() });
        this.ctx.log?.debug({ session: id, open: this.sessions.size }, 'MCP session opened');
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
        events.forget();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
      events.forget();
      void server.close();
    };
    await server.connect(transport);
    const ids = requestIds(body);
    return whenSent(await transport.handleRequest(req, { parsedBody: body, ...auth }), (complete) => events.responseEnded(ids, complete), outgoing);
  }

  private async sweep(): Promise<void> {
    const cutoff = Date.now() - this.idleMs;
    for (const [id, s] of this.sessions) {
      if (s.lastSeen < cutoff) {
        this.sessions.delete(id);
        s.events.forget();
        await s.transport.close().catch(() => undefined);
      }
    }
  }

  /** Closes every session. Idempotent. */
  /**
   * Tells every open session that the documents may have changed (MCP
   * `notifications/resources/list_changed`, on its standalone SSE stream):
   * called when a write to the index is announced, by any process (Redis).
   */
  indexChanged(): void {
    for (const [id, s] of this.sessions) {
      try {
        s.server.sendResourceListChanged();
      } catch (e) {
        this.ctx.log?.debug({ session: id, err: e }, 'could not notify an MCP session of a change');
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.transport.close().catch(() => undefined)));
  }
}
