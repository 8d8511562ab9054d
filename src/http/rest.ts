/**
 * REST under /v1: each route is one operation (api/operation.ts) — the MCP
 * tools' read operations and the queue operations — with its parameters
 * taken from the path, the query string or a JSON body. A handler validates
 * (zod), calls `op.run` once and answers the operation's structured result
 * as JSON; any error becomes `{"error": {code, message, details}}`
 * (http/errors.ts). The route table is also what the OpenAPI document is
 * generated from (http/openapi.ts), so the two cannot disagree.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ingestFolderOp, getDeadJobOp, getJobOp, listDeadJobsOp, listJobsOp, purgeDeadJobsOp, retryDeadJobsOp, type QueueContext } from '../api/jobs.js';
import { parseInput, type Operation, type OperationContext } from '../api/operation.js';
import { EDGE_TYPES } from '../app/graph.js';
import { InvalidInputError } from '../domain/errors.js';
import { explainErrorOp } from '../mcp/tools/explain-error.js';
import { getDocumentOp } from '../mcp/tools/get-document.js';
import { getProcedureOp } from '../mcp/tools/get-procedure.js';
import { getSectionOp } from '../mcp/tools/get-section.js';
import { indexStatusOp, listSourcesOp } from '../mcp/tools/index-info.js';
import { listLibrariesOp, resolveLibraryOp } from '../mcp/tools/libraries.js';
import { addSourceOp, refreshSourceOp, removeSourceOp } from '../api/sources.js';
import { lookupEntityOp } from '../mcp/tools/lookup-entity.js';
import { searchOp } from '../mcp/tools/search-docs.js';
import { traverseOp } from '../mcp/tools/traverse.js';
import type { Scope } from '../app/keys.js';
import { errorResponse, toErrorResponse } from './errors.js';
import type { AuthVariables } from './auth.js';

/** Query parameters are strings: numbers are coerced, lists are repeated (`tag=a&tag=b`) or comma-separated. */
const count = (d: string) => z.coerce.number().int().optional().describe(d);
const text = (d: string) => z.string().optional().describe(d);
const list = (d: string) => z.array(z.string()).optional().describe(d);

/** One REST route: which operation, who may call it, and how its input is read from the request. */
export interface RestRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI form: `{name}`; the last parameter of a `greedy` route may hold slashes (a uri). */
  path: string;
  greedy?: boolean;
  op: Operation<z.ZodObject, z.ZodObject, never>;
  scope: Scope;
  summary: string;
  /** The query parameters, as the request sends them (strings). */
  query?: z.ZodObject;
  /** The operation's input is the JSON body. */
  body?: boolean;
  /** The operation's input from the path parameters, the parsed query and the body. */
  args: (path: Record<string, string>, query: Record<string, unknown>, body: unknown) => Record<string, unknown>;
  /** 202 for work queued. */
  status?: 200 | 202;
}

const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
/** A list parameter: repeated and/or comma-separated. */
const items = (v: unknown): string[] | undefined => (Array.isArray(v) && v.length > 0 ? (v as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean) : undefined);

const route = (r: RestRoute): RestRoute => r;
const asRoute = <I extends z.ZodObject, O extends z.ZodObject, C extends OperationContext>(op: Operation<I, O, C>): RestRoute['op'] => op as unknown as RestRoute['op'];

export const REST_ROUTES: readonly RestRoute[] = [
  route({
    method: 'GET',
    path: '/v1/search',
    op: asRoute(searchOp),
    scope: 'read',
    summary: 'Search the documentation (the MCP tool search_docs)',
    query: z.object({
      q: z.string().describe('The question, keywords or identifier.'),
      limit: count('Hits per page (1–50, default 10).'),
      mode: text('Retrievers: lexical, vector, hybrid or graph (default).'),
      source: text('A source name (GET /v1/sources); every version unless version is given.'),
      version: text('Only this version of the source.'),
      uri_prefix: text('Only uris starting with this.'),
      tag: list('Front-matter tags the document must all have (repeat, or comma-separated).'),
      cursor: text('next_cursor of the previous page.'),
    }),
    args: (_p, q) => {
      const filters = defined({ source: q.source, version: q.version, uri_prefix: q.uri_prefix, tags: items(q.tag) });
      return defined({ query: q.q, limit: q.limit, mode: q.mode, cursor: q.cursor, filters: Object.keys(filters).length ? filters : undefined });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/sections/{ref}',
    greedy: true,
    op: asRoute(getSectionOp),
    scope: 'read',
    summary: 'Read a section by id or [name[@version]:]uri#anchor, URL-encoded (get_section)',
    query: z.object({ with_context: list('parent, children, siblings (comma-separated).'), cursor: text('next_cursor of the previous page.') }),
    args: (p, q) => defined({ ref: p.ref, with_context: items(q.with_context), cursor: q.cursor }),
  }),
  route({
    method: 'GET',
    path: '/v1/documents/{uri}',
    greedy: true,
    op: asRoute(getDocumentOp),
    scope: 'read',
    summary: "A document's metadata and outline (get_document)",
    query: z.object({ cursor: text('next_cursor of the previous page.') }),
    args: (p, q) => defined({ uri: p.uri, cursor: q.cursor }),
  }),
  route({ method: 'GET', path: '/v1/sources', op: asRoute(listSourcesOp), scope: 'read', summary: 'Indexed sources (list_sources)', args: () => ({}) }),
  route({ method: 'GET', path: '/v1/libraries', op: asRoute(listLibrariesOp), scope: 'read', summary: 'Indexed libraries with their versions (list_libraries)', args: () => ({}) }),
  route({
    method: 'GET',
    path: '/v1/libraries/resolve',
    op: asRoute(resolveLibraryOp),
    scope: 'read',
    summary: 'The indexed libraries a name may mean, best first (resolve_library)',
    query: z.object({ name: z.string().describe('The library as a user names it, optionally with @version.'), limit: count('Most matches (1–20, default 5).') }),
    args: (_p, q) => defined({ name: q.name, limit: q.limit }),
  }),
  route({ method: 'POST', path: '/v1/sources', op: asRoute(addSourceOp), scope: 'admin', summary: 'Add a source (add_source); its jobs are queued for the worker', body: true, args: (_p, _q, b) => (b ?? {}) as Record<string, unknown>, status: 202 }),
  route({ method: 'POST', path: '/v1/sources/{source}/refresh', op: asRoute(refreshSourceOp), scope: 'admin', summary: 'Refresh a source, name or name@version (refresh_source); its jobs are queued', args: (p) => ({ source: p.source }), status: 202 }),
  route({ method: 'DELETE', path: '/v1/sources/{source}', op: asRoute(removeSourceOp), scope: 'admin', summary: 'Remove a source and its documents (remove_source)', args: (p) => ({ source: p.source }) }),
  route({ method: 'GET', path: '/v1/status', op: asRoute(indexStatusOp), scope: 'read', summary: 'Index size and freshness (index_status)', args: () => ({}) }),
  route({
    method: 'GET',
    path: '/v1/entities/{name}',
    greedy: true,
    op: asRoute(lookupEntityOp),
    scope: 'read',
    summary: 'Look up a named thing: command, setting, error code, API (lookup_entity)',
    query: z.object({ type: text('Only this entity type.'), cursor: text('next_cursor of the previous page.') }),
    args: (p, q) => defined({ name: p.name, type: q.type, cursor: q.cursor }),
  }),
  route({
    method: 'GET',
    path: '/v1/errors',
    op: asRoute(explainErrorOp),
    scope: 'read',
    summary: 'Sections that explain and resolve an error (explain_error)',
    query: z.object({ q: z.string().describe('The error code or message.'), limit: count('Sections per page (1–50, default 10).'), cursor: text('next_cursor of the previous page.') }),
    args: (_p, q) => defined({ code_or_message: q.q, limit: q.limit, cursor: q.cursor }),
  }),
  route({
    method: 'GET',
    path: '/v1/procedures',
    op: asRoute(getProcedureOp),
    scope: 'read',
    summary: 'The steps for a task (get_procedure)',
    query: z.object({ task: z.string().describe('The task in words.'), cursor: text('next_cursor of the previous page.') }),
    args: (_p, q) => defined({ task: q.task, cursor: q.cursor }),
  }),
  route({
    method: 'GET',
    path: '/v1/traverse',
    op: asRoute(traverseOp),
    scope: 'read',
    summary: 'Walk the graph from a node (traverse; depth ≤ 3, ≤ 100 edges)',
    query: z.object({
      from: z.string().describe('Entity name or id, section id, document id, or uri#anchor.'),
      relations: list(`Edge types to follow (comma-separated): ${EDGE_TYPES.join(', ')}.`),
      direction: text('out, in or both (default).'),
      depth: count('Hops (1–3, default 1).'),
      limit: count('Most edges (1–100, default 50).'),
      cursor: text('next_cursor of the previous page.'),
    }),
    args: (_p, q) => defined({ from: q.from, relations: items(q.relations), direction: q.direction, depth: q.depth, limit: q.limit, cursor: q.cursor }),
  }),
  route({
    method: 'GET',
    path: '/v1/jobs',
    op: asRoute(listJobsOp),
    scope: 'ingest',
    summary: 'Jobs, newest first',
    query: z.object({ state: list('Only jobs in these states (comma-separated).'), limit: count('At most this many (1–1000, default 50).') }),
    args: (_p, q) => defined({ state: items(q.state), limit: q.limit }),
  }),
  route({ method: 'GET', path: '/v1/jobs/{id}', op: asRoute(getJobOp), scope: 'ingest', summary: 'One job with its history', args: (p) => ({ id: p.id }) }),
  route({
    method: 'GET',
    path: '/v1/dlq',
    op: asRoute(listDeadJobsOp),
    scope: 'ingest',
    summary: 'The dead letter queue',
    query: z.object({ limit: count('At most this many (1–1000, default 50).') }),
    args: (_p, q) => defined({ limit: q.limit }),
  }),
  route({ method: 'GET', path: '/v1/dlq/{id}', op: asRoute(getDeadJobOp), scope: 'ingest', summary: 'A dead job with its error and history', args: (p) => ({ id: p.id }) }),
  route({ method: 'POST', path: '/v1/dlq/{id}/retry', op: asRoute(retryDeadJobsOp), scope: 'admin', summary: 'Retry one dead job', args: (p) => ({ id: p.id }) }),
  route({ method: 'POST', path: '/v1/dlq/retry', op: asRoute(retryDeadJobsOp), scope: 'admin', summary: 'Retry every dead job', args: () => ({}) }),
  route({
    method: 'DELETE',
    path: '/v1/dlq',
    op: asRoute(purgeDeadJobsOp),
    scope: 'admin',
    summary: 'Purge dead jobs',
    query: z.object({ older_than_s: count('Only jobs dead at least this many seconds (default: all).') }),
    args: (_p, q) => defined({ older_than_s: q.older_than_s }),
  }),
  route({ method: 'POST', path: '/v1/ingest', op: asRoute(ingestFolderOp), scope: 'ingest', summary: 'Queue the ingest of a folder on the server; answers the job ids', body: true, args: (_p, _q, b) => (b ?? {}) as Record<string, unknown>, status: 202 }),
];

/** Hono's path for an OpenAPI path: `{x}` → `:x`, the last one of a greedy route `:x{.+}`. */
export function honoPath(r: RestRoute): string {
  return r.path.replace(/\{(\w+)\}(?=$)/, r.greedy ? ':$1{.+}' : ':$1').replace(/\{(\w+)\}/g, ':$1');
}

function queryValues(c: Context, schema: z.ZodObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const isList = (field as z.ZodType).def.type === 'optional' ? ((field as z.ZodOptional).unwrap() as z.ZodType).def.type === 'array' : (field as z.ZodType).def.type === 'array';
    const v = isList ? c.req.queries(key) : c.req.query(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** What a REST request carries: its caller, and the work still running after its answer timed out (the limiter's slot is held until it ends). */
export type RestVariables = AuthVariables & { work?: Promise<unknown> };

/** The per-request context of the queue operations; built by the server (it knows the App). */
export type QueueContextFor = (c: Context<{ Variables: RestVariables }>) => QueueContext;

/** Seconds a client is told to wait after a timed-out request. */
const TIMEOUT_RETRY_S = 5;

/** Mounts every REST route on `app`, behind `authorize(scope)`. */
export function mountRest(
  app: Hono<{ Variables: RestVariables }>,
  opts: {
    ctx: OperationContext;
    queue: QueueContextFor;
    authorize: (scope: Scope) => (c: Context<{ Variables: RestVariables }>, next: () => Promise<void>) => Promise<Response | void>;
    /** server.requestTimeoutMs */
    timeoutMs: number;
  },
): void {
  for (const r of REST_ROUTES) {
    const handler = async (c: Context<{ Variables: RestVariables }>): Promise<Response> => {
      try {
        const query = r.query ? parseInput(r.query, queryValues(c, r.query), 'query') : {};
        let body: unknown;
        if (r.body) {
          try {
            body = await c.req.json();
          } catch {
            throw new InvalidInputError('the body must be a JSON object', { field: 'body', allowed: 'Content-Type: application/json and a JSON object' });
          }
        }
        const args = parseInput(r.op.input, r.args(c.req.param() as Record<string, string>, query, body), 'input');
        const ctx = r.scope === 'read' ? opts.ctx : opts.queue(c);
        const work = (r.op.run as unknown as (ctx: OperationContext, args: unknown) => Promise<{ out: unknown }>)(ctx, args);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), opts.timeoutMs)));
        const done = await Promise.race([work, deadline]).finally(() => clearTimeout(timer));
        if (done === 'timeout') {
          c.set('work', work.catch(() => undefined));
          return errorResponse('TIMEOUT', `the request took longer than ${opts.timeoutMs} ms (server.requestTimeoutMs); it may still complete`, { retry_after_s: TIMEOUT_RETRY_S }, { 'retry-after': String(TIMEOUT_RETRY_S) });
        }
        return c.json(done.out as object, r.status ?? 200);
      } catch (e) {
        return toErrorResponse(e, opts.ctx.log);
      }
    };
    const method = r.method.toLowerCase() as 'get' | 'post' | 'delete';
    app[method](honoPath(r), opts.authorize(r.scope), handler);
  }
}
