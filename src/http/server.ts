import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { OperationContext } from '../api/operation.js';
import type { App } from '../app/app.js';
import { isLoopbackHost, serverLimits, type Config, type ServerLimits } from '../config/config.js';
import { ConfigError } from '../domain/errors.js';
import type { McpContext } from '../mcp/server.js';
import { VERSION } from '../mcp/server.js';
import { Metrics, timingSearches } from '../observability/metrics.js';
import { mountConsole } from '../console/console.js';
import { inRequest, loggableTarget } from '../observability/logger.js';
import { inSpan, SpanKind } from '../observability/tracing.js';
import type { SearchTelemetry } from '../observability/telemetry.js';
import { authenticate, authorize, restRefusal, rpcRefusal } from './auth.js';
import { mountDocsPage } from './docs-page.js';
import { errorResponse, toErrorResponse } from './errors.js';
import { rebindingGuard } from './guard.js';
import { readiness } from './health.js';
import { McpSessions, type McpSessionLimits } from './mcp-endpoint.js';
import { openApiDocument } from './openapi.js';
import { rateLimit } from './rate-limit.js';
import { mountWebhooks } from './webhooks.js';
import { mountRest, type RestVariables } from './rest.js';
import { ServerBusyError, WorkLimiter } from './work-limiter.js';

/** Largest request body /mcp and /v1 accept. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest request target (path and query) accepted; past it, 414. */
export const MAX_URL_CHARS = 8 * 1024;
/**
 * Connections the kernel may hold for us before we accept them (capped by
 * net.core.somaxconn). Node's default, 511, overflowed under load: SYNs past
 * it are dropped and the client's TCP retries them after 1, 3, 7, 15 s.
 */
const LISTEN_BACKLOG = 4096;

/** What the HTTP surface serves: the operations' app (searches on threads when there are), and the App for keys, the queue and readiness. */
export interface HttpService extends McpContext {
  service: Pick<App, 'keys' | 'ingestion' | 'probeIndex' | 'listSources' | 'embedderBreaker' | 'shared' | 'registry' | 'deliveries'> & { config: Pick<Config, 'watch'> };
  /** A folder's real path, INVALID_INPUT when it is not a folder (App.checkSourceFolder). */
  checkFolder: (dir: string) => string;
}

export interface HttpAppOptions {
  config: Pick<Config, 'server' | 'rateLimit' | 'health' | 'watch' | 'embedder'>;
  /** Load shedding (config serverLimits()). */
  limits: ServerLimits;
  sessions?: McpSessionLimits;
}

/** True when a request without an API key is refused: `--require-key`, DOCGRAPH_API_KEY set, or a bind other than loopback. */
export function keyRequired(server: Config['server']): boolean {
  return server.requireKey || server.apiKey !== undefined || !isLoopbackHost(server.host);
}

/**
 * The HTTP surface as a Hono app: REST under /v1 (http/rest.ts), the OpenAPI
 * document at /openapi.json and its reference at /docs, MCP Streamable HTTP
 * at /mcp, /health (liveness), /health/ready (readiness) and /metrics. Every
 * route is behind the DNS-rebinding guard; /v1, /mcp and /metrics behind the
 * API keys (http/auth.ts) and the rate limit. Work (REST reads, MCP tool
 * calls) goes through the load-shedding limiter; /health never waits for it.
 */
export function createHttpApp(svc: HttpService, opts: HttpAppOptions): { app: Hono<{ Variables: RestVariables }>; sessions: McpSessions; limiter: WorkLimiter; metrics: Metrics } {
  const { server } = opts.config;
  const queueFigures = () => svc.service.ingestion.status();
  const breaker = () => svc.service.embedderBreaker();
  const metrics = new Metrics({ queue: queueFigures, verify: () => svc.service.ingestion.lastVerify(), breaker });
  const onRecorded = (t: SearchTelemetry): void => {
    for (const c of t.embedderCalls) if (c.outcome !== 'ok' && c.outcome !== 'rejected') svc.log?.warn({ outcome: c.outcome, reason: c.error }, 'query embedding failed: the search answered without vectors');
  };
  const docs = timingSearches(svc.app, metrics, onRecorded);
  const ctx: McpContext = {
    app: docs,
    tokenBudget: svc.tokenBudget,
    ...(svc.log ? { log: svc.log } : {}),
    ...(server.allowAdminTools ? { adminSources: svc.service.registry } : {}),
    onToolCall: (t) => {
      metrics.toolCalls.inc({ tool: t.tool, outcome: t.outcome });
      metrics.toolDuration.observe({ tool: t.tool }, t.seconds);
      metrics.toolBytes.observe({ tool: t.tool }, t.bytes);
    },
  };
  const limiter = new WorkLimiter({ ...opts.limits, ...(svc.log ? { log: svc.log } : {}) });
  const sessions = new McpSessions(ctx, { eventStoreMaxBytes: server.eventStoreMaxBytes, stateless: server.mcpStateless ?? false, ...opts.sessions }, limiter);
  const app = new Hono<{ Variables: RestVariables }>();
  const isMcp = (c: Context): boolean => c.req.path === '/mcp';
  // requests no route took (the notFound handler marks them): one `unmatched` label, not one per path
  const unmatched = new WeakSet<Request>();
  // one line per request, at info whatever logLevel says (server.accessLog)
  const access = server.accessLog === false ? undefined : svc.log?.child({}, { level: 'info' });

  app.use('*', async (c, next) => {
    const started = performance.now();
    // a caller's id (a proxy's) is kept when it looks like one; otherwise ours
    const given = c.req.header('x-request-id');
    const reqId = given !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
    const path = loggableTarget(c.req.url);
    const attributes = { 'http.request.method': c.req.method, 'url.path': new URL(path, 'http://x').pathname, 'docgraph.req_id': reqId };
    // every line logged and every span made while serving the request belongs to it
    await inRequest({ req_id: reqId }, () =>
      inSpan(
        c.req.method,
        attributes,
        async (span) => {
          await next();
          c.header('x-request-id', reqId);
          const route = unmatched.has(c.req.raw) ? 'unmatched' : routePath(c, -1);
          span.updateName(`${c.req.method} ${route}`);
          span.setAttributes({ 'http.route': route, 'http.response.status_code': c.res.status });
          const labels = { method: c.req.method, route, status: String(c.res.status) };
          const seconds = (performance.now() - started) / 1000;
          metrics.httpRequests.inc(labels);
          metrics.httpDuration.observe(labels, seconds);
          access?.info({ method: labels.method, route, path, status: c.res.status, duration_ms: Math.round(seconds * 10_000) / 10 }, 'request');
        },
        SpanKind.SERVER,
      ),
    );
  });
  app.use('*', async (c, next) => {
    const url = c.req.url;
    const target = url.length - new URL(url).origin.length;
    if (target > MAX_URL_CHARS) return errorResponse('URI_TOO_LONG', `the request target is ${target} characters; at most ${MAX_URL_CHARS}`);
    return next();
  });
  app.use('*', rebindingGuard({ bindHost: server.host, allowedHosts: server.allowedHosts, allowedOrigins: server.allowedOrigins }));

  // where rate limits are counted: shared through Redis, or in this process (none set, no Redis, or Redis down)
  let rateLimitStore: 'redis' | 'memory' = svc.service.shared ? 'redis' : 'memory';
  app.get('/health', (c) =>
    c.json({ status: 'ok', version: VERSION, mcp_sessions: sessions.size, event_store: sessions.eventStats(), load: limiter.stats(), rate_limit_store: rateLimitStore }),
  );
  const ready = () => readiness({ probeIndex: () => svc.service.probeIndex(), queue: queueFigures, thresholds: opts.config.health, embedder: { provider: opts.config.embedder.provider, degraded: () => metrics.lastDegraded, breaker } });
  app.get('/health/ready', async (c) => {
    const r = await ready();
    return c.json({ status: r.ready ? 'ready' : 'not_ready', ...r.checks }, r.ready ? 200 : 503);
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument(VERSION)));
  mountDocsPage(app);

  const guarded = ['/v1/*', '/mcp', '/metrics'];
  const auth = authenticate({ envKey: server.apiKey, keys: svc.service.keys, required: keyRequired(server) }, (c) => (isMcp(c) ? rpcRefusal : restRefusal));
  for (const p of guarded) app.use(p, auth);
  if (opts.config.rateLimit.perMinute > 0) {
    const shared = svc.service.shared;
    const limit = rateLimit({
      perMinute: opts.config.rateLimit.perMinute,
      onLimited: (by) => metrics.rateLimited.inc({ by }),
      style: (c) => (isMcp(c) ? 'rpc' : 'rest'),
      ...(shared ? { shared: { state: shared.state, keyPrefix: `${shared.keyPrefix}:ratelimit` } } : {}),
      onStore: (store) => {
        rateLimitStore = store;
        if (store === 'memory' && shared) svc.log?.warn({ redis: shared.state.state().location }, 'redis unreachable: rate limits counted in this process until it is back');
        else if (shared) svc.log?.info({ redis: shared.state.state().location }, 'rate limits shared through redis');
      },
    });
    for (const p of ['/v1/*', '/mcp']) app.use(p, limit);
  }
  app.use(
    '/mcp',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ jsonrpc: '2.0', error: { code: -32000, message: `Request body larger than ${MAX_BODY_BYTES} bytes` }, id: null }, 413),
    }),
  );
  app.use('/v1/*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => errorResponse('PAYLOAD_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`) }));
  app.get('/metrics', authorize('read', restRefusal), async (c) => {
    metrics.ready.set((await ready()).ready ? 1 : 0); // what /health/ready would answer now: alerting sees it without probing
    return c.body(await metrics.text(), 200, { 'content-type': metrics.contentType });
  });
  app.all('/mcp', authorize('read', rpcRefusal), (c) => sessions.handle(c));

  // REST reads take a slot of the same limiter as MCP tool calls, held until the answer is built (or, past server.requestTimeoutMs, until the work ends)
  app.use('/v1/*', async (c, next) => {
    if (c.req.method !== 'GET') return next();
    let release: () => void;
    try {
      release = await limiter.acquire();
    } catch (e) {
      if (e instanceof ServerBusyError) return toErrorResponse(e);
      throw e;
    }
    try {
      await next();
    } catch (e) {
      release();
      throw e;
    }
    // a request that timed out leaves its work running: the slot stays taken until it ends
    const work = c.get('work');
    if (work) void work.finally(release);
    else release();
    return undefined;
  });
  const opCtx: OperationContext = { app: docs, tokenBudget: svc.tokenBudget, ...(svc.log ? { log: svc.log } : {}) };
  const queueCtx = (c: Context<{ Variables: RestVariables }>) => ({
    ...opCtx,
    ingestion: svc.service.ingestion,
    admin: c.get('caller').scopes.includes('admin'),
    checkFolder: svc.checkFolder,
    sources: svc.service.registry,
    waitForJobs: false,
    ingestFolders: async () => [...new Set([...svc.service.config.watch, ...(await svc.service.listSources()).map((s) => s.location)])],
  });
  mountRest(app, { ctx: opCtx, timeoutMs: server.requestTimeoutMs, authorize: (scope) => authorize(scope, restRefusal), queue: queueCtx });
  // the web console: the same operations, called in process (console/console.tsx)
  mountConsole(app, { ctx: opCtx, queue: queueCtx, queueStatus: queueFigures, auth: { envKey: server.apiKey, keys: svc.service.keys, required: keyRequired(server) }, registry: () => svc.service.registry, lastVerify: () => svc.service.ingestion.lastVerify() });

  // signed by the sender, not by an API key
  mountWebhooks(app, { secret: server.webhookSecret, registry: svc.service.registry, deliveries: svc.service.deliveries, ...(svc.log ? { log: svc.log } : {}) });

  app.notFound((c) => {
    unmatched.add(c.req.raw);
    return errorResponse('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`, { routes: ['/v1 (see /openapi.json)', '/search (the web console)', '/docs', '/mcp', '/health', '/health/ready', '/metrics'] });
  });
  app.onError((e, c) => {
    if (e instanceof HTTPException) return e.getResponse();
    if (c.req.path !== '/mcp') return toErrorResponse(e, svc.log);
    svc.log?.error({ err: e, path: c.req.path }, 'HTTP handler failed');
    return c.json({ error: 'internal error' }, 500);
  });
  return { app, sessions, limiter, metrics };
}

export interface RunningHttpServer {
  /** Base URL, e.g. http://127.0.0.1:7700 */
  url: string;
  port: number;
  /** Tells the open MCP sessions that the indexed documents changed (resources/list_changed). */
  indexChanged(): void;
  metrics: Metrics;
  /** Stops accepting, ends MCP sessions and open streams. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP server. Refuses (ConfigError) to bind a non-loopback
 * address without a way to authenticate: DOCGRAPH_API_KEY, or API keys in
 * the index (`docgraph keys create`).
 */
export async function startHttpServer(svc: HttpService, config: Config): Promise<RunningHttpServer> {
  const { host, port } = config.server;
  if (!isLoopbackHost(host) && !config.server.apiKey && (await svc.service.keys.list()).every((k) => k.revokedAt !== null)) {
    throw new ConfigError(`refusing to serve on ${host} without an API key`, { hint: 'create one with `docgraph keys create --scope read`, or set DOCGRAPH_API_KEY (or server.apiKey), or bind 127.0.0.1' });
  }
  const { app, sessions, limiter, metrics } = createHttpApp(svc, { config, limits: serverLimits(config) });
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
    metrics,
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
