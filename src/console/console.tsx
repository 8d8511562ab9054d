/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
// (the pragmas: tsx runs the CLI from src/ in a folder without our tsconfig in tests)
/**
 * The web console (issue 16): server-rendered pages under `/` of `docgraph
 * serve`, over the same operations REST answers with — called in process,
 * never through HTTP. `/search`, `/doc/<uri>`, `/ops` (admin); `/` redirects
 * to `/search`. The pages are plain HTML that work without script on an
 * open server; `/console/client.js` (built from src/console/client/ at
 * `npm run build`, shipped in dist/) adds the keyboard, the buttons and, when
 * the server requires a key, the sign-in: the key is kept in sessionStorage
 * and sent as a bearer token, the client then loads pages with
 * `x-console-partial: 1` and swaps them in. A page or button the key's scope
 * does not allow is not shown.
 */
import { readFileSync } from 'node:fs';
import type { Context, Env, Hono } from 'hono';
import type { QueueContext } from '../api/jobs.js';
import { listDeadJobsOp, listJobsOp } from '../api/jobs.js';
import type { OperationContext } from '../api/operation.js';
import { formatSourceCitation } from '../app/documents.js';
import type { OutlineNode } from '../app/documents.js';
import { grants, type ApiKeys, type Caller } from '../app/keys.js';
import type { LastVerify } from '../app/verify.js';
import { DocgraphError } from '../domain/errors.js';
import { redact } from '../sources/git.js';
import { sourceLabel } from '../domain/sources.js';
import { authenticate, type AuthVariables, type Refusal } from '../http/auth.js';
import { indexStatusOp, listSourcesOp } from '../mcp/tools/index-info.js';
import { lookupEntityOp } from '../mcp/tools/lookup-entity.js';
import { traverseOp } from '../mcp/tools/traverse.js';
import { createRequire } from 'node:module';
import { searchOp } from '../mcp/tools/search-docs.js';
import { SEARCH_MODES } from '../search/search.js';
import { AmbiguousDocPage, DocPage, EntityPage, Layout, MessagePage, OpsPage, SearchPage, SignInPage, type DocSectionView, type EntityView, type OpsView, type Page, type SearchForm, type SearchHitView, type Viewer } from './pages.js';
import { resolveDocPath } from './doc-path.js';
import { mountSourceActions, type SourceActions } from './source-actions.js';
import { docHref, refHref, renderMarkdown } from './render-markdown.js';
import { CONSOLE_CSS } from './style.js';

export interface ConsoleOptions {
  /** The read operations' context (the same as REST's). */
  ctx: OperationContext;
  /** The queue operations' context for a request (the same as REST's). */
  queue: (c: Context) => QueueContext;
  /** The queue's figures (Ingestion.status). */
  queueStatus: () => Promise<unknown>;
  auth: { envKey?: string | undefined; keys: Pick<ApiKeys, 'verify'>; required: boolean };
  /** Source management (App.registry, the same service as `docgraph add/refresh/remove`) for the operations page. */
  registry: () => SourceActions;
  /** The figures of the last `docgraph verify` (Ingestion.lastVerify). */
  lastVerify: () => Promise<LastVerify | undefined>;
}

/** The compiled client script: next to this module in dist/, or dist/'s copy when running from src/ (tsx). */
function loadClient(): string {
  for (const rel of ['./client/client.js', '../../dist/console/client/client.js']) {
    try {
      return readFileSync(new URL(rel, import.meta.url), 'utf8');
    } catch {
      // try the next place
    }
  }
  return 'document.documentElement.dataset.consoleClient = "missing: run npm run build";\n';
}

const PAGES = ['/search', '/doc/*', '/entity/*', '/ops'];
/** Nodes drawn on an entity page at most. */
const GRAPH_EDGES = 60;

/** Mounts the console on `app`: `/`, `/search`, `/doc/*`, `/ops`, `/console/client.js`, `/console/console.css`. */
export function mountConsole<E extends Env & { Variables: AuthVariables }>(app: Hono<E>, opts: ConsoleOptions): void {
  const client = loadClient();
  app.get('/', (c) => c.redirect('/search'));
  app.get('/console/client.js', (c) => c.body(client, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  // Cytoscape.js (pinned dependency), served from node_modules as /docs serves Swagger UI: no CDN
  let cytoscape: string | undefined;
  app.get('/console/cytoscape.min.js', (c) => {
    cytoscape ??= readFileSync(createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js'), 'utf8');
    return c.body(cytoscape, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' });
  });
  app.get('/console/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));

  const send = (c: Context, page: Page, viewer: Viewer | null): Response => {
    const partial = c.req.header('x-console-partial') === '1';
    const html = (<Layout page={page} viewer={viewer} partial={partial} />).toString();
    return c.html(partial ? html : `<!doctype html>${html}`, page.status ?? 200, { 'cache-control': 'no-store' });
  };
  const signIn = (c: Context): Refusal => (_status, _code, message) => send(c, { title: 'Sign in · docgraph', body: <SignInPage message={c.req.header('authorization') ? message : ''} />, status: 401 }, null);
  const auth = authenticate({ envKey: opts.auth.envKey, keys: opts.auth.keys, required: opts.auth.required }, signIn);
  for (const p of PAGES) app.use(p, auth);
  mountSourceActions(app, { auth: opts.auth, registry: opts.registry, log: opts.ctx.log });
  const viewerOf = (c: Context): Viewer => {
    const caller = c.get('caller') as Caller;
    return { admin: grants(caller.scopes, 'admin'), id: caller.id, keyed: c.req.header('authorization') !== undefined };
  };
  const failure = (c: Context, e: unknown): Response => {
    if (e instanceof DocgraphError) {
      const status = e.code === 'NOT_FOUND' ? 404 : 400;
      return send(c, { title: 'Not found · docgraph', body: <MessagePage heading={status === 404 ? 'Not found' : 'Cannot show this'} text={e.message} />, status }, viewerOf(c));
    }
    // the operation's input schema refused the path (a name longer than 500 characters, say)
    if (e instanceof Error && e.name === 'ZodError') return send(c, { title: 'Cannot show this · docgraph', body: <MessagePage heading="Cannot show this" text="the name or uri is not valid (at most 500 characters for an entity, 2000 for a uri)" />, status: 400 }, viewerOf(c));
    throw e;
  };

  app.get('/search', async (c) => {
    const form: SearchForm = { q: c.req.query('q') ?? '', source: c.req.query('source') ?? '', version: c.req.query('version') ?? '', mode: c.req.query('mode') ?? '', uri_prefix: c.req.query('uri_prefix') ?? '' };
    const sources = (await listSourcesOp.run(opts.ctx, {})).out.sources;
    let result: { hits: SearchHitView[]; weak: boolean; degraded: string[] } | undefined;
    let error: string | undefined;
    if (form.q.trim() !== '') {
      try {
        const filters = { ...(form.source ? { source: form.source } : {}), ...(form.version ? { version: form.version } : {}), ...(form.uri_prefix ? { uri_prefix: form.uri_prefix } : {}) };
        const args = searchOp.input.parse({ query: form.q, limit: 10, ...(form.mode ? { mode: form.mode } : {}), ...(Object.keys(filters).length ? { filters } : {}) });
        result = (await searchOp.run(opts.ctx, args)).out;
      } catch (e) {
        if (e instanceof DocgraphError) error = e.message;
        else if (e instanceof Error && e.name === 'ZodError') error = `invalid search: mode must be one of ${SEARCH_MODES.join(', ')}; the query at most 2000 characters`;
        else throw e;
      }
    }
    const title = form.q ? `${form.q} · Search · docgraph` : 'Search · docgraph';
    return send(c, { title, body: <SearchPage form={form} sources={sources} modes={SEARCH_MODES} {...(result ? { result } : {})} {...(error ? { error } : {})} />, status: error ? 400 : 200 }, viewerOf(c));
  });

  app.get('/doc/*', async (c) => {
    try {
      const segments = c.req.path
        .slice('/doc/'.length)
        .split('/')
        .map((seg) => decodeURIComponent(seg));
      const found = await resolveDocPath(opts.ctx.app, segments);
      // the browser keeps the #anchor across the redirect
      if (found.kind === 'moved') return c.redirect(docHref(found.uri, undefined, found.source), 301);
      if (found.kind === 'ambiguous') {
        const body = <AmbiguousDocPage uri={found.uri} candidates={found.sources.map((s) => ({ source: s, href: docHref(found.uri, undefined, s) }))} />;
        return send(c, { title: `${found.uri}: which source? · docgraph`, body, status: 300 }, viewerOf(c));
      }
      const { view, source, uri, qualified } = found;
      const outline: { node: OutlineNode; depth: number }[] = [];
      const walk = (nodes: OutlineNode[], depth: number): void => {
        for (const n of nodes) {
          outline.push({ node: n, depth });
          walk(n.children, depth + 1);
        }
      };
      walk(view.outline, 0);
      const sections: DocSectionView[] = [];
      for (const { node } of outline) {
        const s = await opts.ctx.app.getSection({ id: node.id });
        sections.push({ anchor: node.anchor, heading: node.heading, level: node.level, html: renderMarkdown(s.section.text, uri, source), citation: s.ref });
      }
      const citation = formatSourceCitation({ name: view.source, version: view.version }, uri, '', qualified);
      const body = <DocPage title={view.document.title} uri={uri} source={source} citation={citation} outline={outline.map((o) => ({ anchor: o.node.anchor, heading: o.node.heading, depth: o.depth }))} sections={sections} />;
      return send(c, { title: `${view.document.title || uri} · docgraph`, body }, viewerOf(c));
    } catch (e) {
      return failure(c, e);
    }
  });

  app.get('/entity/*', async (c) => {
    const name = decodeURIComponent(c.req.path.slice('/entity/'.length));
    try {
      const view = (await lookupEntityOp.run(opts.ctx, lookupEntityOp.input.parse({ name }))).out as EntityView;
      const walk = (await traverseOp.run(opts.ctx, traverseOp.input.parse({ from: view.entity.id, depth: 2, limit: GRAPH_EDGES }))).out;
      const sources = await opts.ctx.app.sources();
      const soleSource = sources.length === 1 ? sourceLabel(sources[0]!) : undefined;
      const nodes = walk.nodes.map((n) => ({
        id: n.id,
        label: n.label,
        kind: n.kind,
        href: n.kind === 'entity' ? `/entity/${encodeURIComponent(n.label)}` : n.ref ? refHref(n.ref, soleSource) : '',
      }));
      if (!nodes.some((n) => n.id === view.entity.id)) nodes.unshift({ id: view.entity.id, label: view.entity.name, kind: 'entity', href: '' });
      const graph = { nodes, edges: walk.edges.map((e) => ({ src: e.src, dst: e.dst, type: e.type })) };
      return send(c, { title: `${view.entity.name} · docgraph`, body: <EntityPage view={view} soleSource={soleSource} graph={graph} /> }, viewerOf(c));
    } catch (e) {
      return failure(c, e);
    }
  });

  app.get('/ops', async (c) => {
    const viewer = viewerOf(c);
    if (!viewer.admin) return send(c, { title: 'Forbidden · docgraph', body: <MessagePage heading="Forbidden" text="Operations need a key with the admin scope." />, status: 403 }, viewer);
    const qctx = opts.queue(c);
    const [status, queue, jobs, dead, sources, verify] = await Promise.all([indexStatusOp.run(opts.ctx, {}), opts.queueStatus(), listJobsOp.run(qctx, { limit: 20 }), listDeadJobsOp.run(qctx, { limit: 50 }), opts.ctx.app.listSources(), opts.lastVerify()]);
    const q = queue as OpsView['queue'];
    const view: OpsView = {
      status: status.out as unknown as Record<string, unknown>,
      queue: q,
      jobs: jobs.out.jobs,
      dead: dead.out.jobs,
      busy: (q.counts.pending ?? 0) + (q.counts.running ?? 0) > 0,
      sources: sources.map((s) => ({ label: sourceLabel(s), kind: s.kind, location: redact(s.location), documents: s.documents, refreshed_at: s.refreshedAt, created_at: s.createdAt })),
      verify: verify ? { drift_ratio: verify.driftRatio, wrong: verify.wrong, checked: verify.checked, at: new Date(verify.at).toISOString() } : null,
    };
    return send(c, { title: 'Operations · docgraph', body: <OpsPage {...view} /> }, viewer);
  });
}
