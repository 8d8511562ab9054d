import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { isLoopbackHost, serverLimits, type Config, type ServerLimits } from '../config/config.js';
import { ConfigError } from '../domain/errors.js';
import type { McpContext } from '../mcp/server.js';
import { VERSION } from '../mcp/server.js';
import { bearerGuard, rebindingGuard } from './guard.js';
import { McpSessions, type McpSessionLimits } from './mcp-endpoint.js';
import { WorkLimiter } from './work-limiter.js';

/** Largest request body /mcp accepts. */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Connections the kernel may hold for us before we accept them (capped by
 * net.core.somaxconn). Node's default, 511, overflowed under load: SYNs past
 * it are dropped and the client's TCP retries them after 1, 3, 7, 15 s.
 */
const LISTEN_BACKLOG = 4096;

export interface HttpAppOptions {
  server: Config['server'];
  /** Load shedding (config serverLimits()). */
  limits: ServerLimits;
  sessions?: McpSessionLimits;
}

/**
 * The HTTP surface as a Hono app: /health and the MCP Streamable HTTP endpoint
 * at /mcp. Every route is behind the DNS-rebinding guard; /mcp also behind the
 * bearer token when one is configured. MCP requests that do work go through
 * the load-shedding limiter (server.maxConcurrent, maxQueue, queueDeadlineMs);
 * /health never waits for it.
 */
export function createHttpApp(ctx: McpContext, opts: HttpAppOptions): { app: Hono; sessions: McpSessions; limiter: WorkLimiter } {
  const { server } = opts;
  const limiter = new WorkLimiter({ ...opts.limits, ...(ctx.log ? { log: ctx.log } : {}) });
  const sessions = new McpSessions(ctx, { eventStoreMaxBytes: server.eventStoreMaxBytes, stateless: server.mcpStateless ?? false, ...opts.sessions }, limiter);
  const app = new Hono();
  app.use('*', rebindingGuard({ bindHost: server.host, allowedHosts: server.allowedHosts, allowedOrigins: server.allowedOrigins }));
  app.get('/health', (c) => c.json({ status: 'ok', version: VERSION, mcp_sessions: sessions.size, event_store: sessions.eventStats(), load: limiter.stats() }));
  if (server.apiKey) app.use('/mcp', bearerGuard(server.apiKey));
  app.use(
    '/mcp',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ jsonrpc: '2.0', error: { code: -32000, message: `Request body larger than ${MAX_BODY_BYTES} bytes` }, id: null }, 413),
    }),
  );
  app.all('/mcp', (c) => sessions.handle(c));
  app.notFound((c) => c.json({ error: 'not found', routes: ['/health', '/mcp'] }, 404));
  app.onError((e, c) => {
    if (e instanceof HTTPException) return e.getResponse(); // e.g. 401 from the bearer guard
    ctx.log?.error({ err: e, path: c.req.path }, 'HTTP handler failed');
    return c.json({ error: 'internal error' }, 500);
  });
  return { app, sessions, limiter };
}

export interface RunningHttpServer {
  /** Base URL, e.g. http://127.0.0.1:7700 */
  url: string;
  port: number;
  /** Tells the open MCP sessions that the indexed documents changed (resources/list_changed). */
  indexChanged(): void;
  /** Stops accepting, ends MCP sessions and open streams. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP server. Refuses (ConfigError) to bind a non-loopback
 * address without an API key: the index would be open to the network.
 */
export async function startHttpServer(ctx: McpContext, config: Config): Promise<RunningHttpServer> {
  const { host, port } = config.server;
  if (!isLoopbackHost(host) && !config.server.apiKey) {
    throw new ConfigError(`refusing to serve on ${host} without an API key`, { hint: 'set DOCGRAPH_API_KEY (or server.apiKey), or bind 127.0.0.1' });
  }
  const { app, sessions, limiter } = createHttpApp(ctx, { server: config.server, limits: serverLimits(config) });
  const node = await new Promise<ServerType>((resolve, reject) => {
    const s = createAdaptorServer({ fetch: app.fetch });
    s.once('error', reject);
    s.listen({ host, port, backlog: LISTEN_BACKLOG }, () => resolve(s));
  });
  // grants of the limiter give way to connections waiting to be accepted (WorkLimiter.noteConnection)
  node.on('connection', () => limiter.noteConnection());
  const address = node.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    indexChanged: () => sessions.indexChanged(),
    close: () =>
      (closing ??= (async () => {
        limiter.close();
        await sessions.close();
        await new Promise<void>((resolve) => {
          node.close(() => resolve());
          // SSE streams keep connections open; end them once sessions are closed
          if ('closeAllConnections' in node) node.closeAllConnections();
        });
      })()),
  };
}
