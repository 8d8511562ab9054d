/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
// (the pragmas: tsx runs the CLI from src/ in a folder without our tsconfig in tests)
/**
 * The console's pages as Hono JSX, rendered on the server from the same
 * operations REST answers with (api/operation.ts). Each page is a `Page`:
 * a title and the body inside the layout; `/console/client.js` adds the
 * keyboard, the sign-in and the buttons.
 */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { sourceLabel } from '../domain/sources.js';
import { docHref, refHref } from './render-markdown.js';

export interface Viewer {
  /** The caller may open /ops and act on the queue. */
  admin: boolean;
  /** Who the key is ('anonymous' on an open server). */
  id: string;
  /** A key was required to get here. */
  keyed: boolean;
}

export interface Page {
  title: string;
  body: Child;
  status?: 200 | 300 | 400 | 401 | 403 | 404;
}

export function Layout(props: { page: Page; viewer: Viewer | null; partial: boolean }) {
  const inner = (
    <div id="page" data-title={props.page.title}>
      <header>
        <a class="brand" href="/search">
          docgraph
        </a>
        <nav aria-label="Console">
          <a href="/search">Search</a>
          {props.viewer?.admin ? <a href="/ops">Operations</a> : null}
        </nav>
        {props.viewer?.keyed ? (
          <span class="who">
            key {props.viewer.id}{' '}
            <button type="button" id="signout">
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <main id="main">{props.page.body}</main>
    </div>
  );
  if (props.partial) return inner;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.page.title}</title>
        <link rel="stylesheet" href="/console/console.css" />
        <script type="module" src="/console/client.js"></script>
      </head>
      <body>{inner}</body>
    </html>
  );
}

/** A snippet with its `**`-marked terms as <mark>. */
export function Snippet(props: { text: string }) {
  const parts = props.text.split('**');
  return <>{parts.map((p, i) => (i % 2 === 1 ? <mark>{p}</mark> : p))}</>;
}

export interface SearchHitView {
  rank: number;
  source: string;
  version: string | null;
  uri: string;
  anchor: string;
  ref: string;
  title: string;
  heading_path: string[];
  snippet: string;
  score: number;
  confidence: number;
  why: { retrievers: { name: string; rank: number; score: number }[]; terms: string[]; graph?: { kind: string; edge: string; entity?: string | undefined; from?: string | undefined; hops?: number | undefined }[] | undefined };
}

export interface SearchForm {
  q: string;
  source: string;
  version: string;
  mode: string;
  uri_prefix: string;
}

export function SearchPage(props: { form: SearchForm; sources: { name: string; version: string | null }[]; modes: readonly string[]; result?: { hits: SearchHitView[]; weak: boolean; degraded: string[] }; error?: string }) {
  const { form } = props;
  return (
    <>
      <h1 class="sr-only">Search</h1>
      <form class="query" method="get" action="/search" role="search">
        <label>
          Query (press /)
          <input id="q" type="search" name="q" value={form.q} autocomplete="off" autofocus={form.q === ''} />
        </label>
        <label>
          Source
          <select name="source">
            <option value="">all</option>
            {[...new Set(props.sources.map((s) => s.name))].map((name) => (
              <option value={name} selected={name === form.source}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Version
          <select name="version">
            <option value="">all</option>
            {[...new Set(props.sources.filter((s) => !form.source || s.name === form.source).flatMap((s) => (s.version === null ? [] : [s.version])))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((v) => (
              <option value={v} selected={v === form.version}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Mode
          <select name="mode">
            {props.modes.map((m) => (
              <option value={m} selected={m === (form.mode || 'graph')}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Uri prefix
          <input type="text" name="uri_prefix" value={form.uri_prefix} size={12} />
        </label>
        <button type="submit">Search</button>
      </form>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.result ? <Results {...props.result} /> : null}
    </>
  );
}

function Results(props: { hits: SearchHitView[]; weak: boolean; degraded: string[] }) {
  return (
    <section aria-label="Results">
      {props.degraded.length ? <p class="error">Answered without: {props.degraded.join(', ')}</p> : null}
      {props.hits.length === 0 ? <p class="weak">No hits.</p> : props.weak ? <p class="weak" id="no-good-answer">No good answer: even the best hit is unlikely to answer this. The docs may not cover it.</p> : null}
      <ol class="hits">
        {props.hits.map((h) => (
          <li class="hit" data-rank={h.rank}>
            <div class="path">{h.heading_path.join(' › ')}</div>
            <a class="hit-link" href={docHref(h.uri, h.anchor, sourceLabel({ name: h.source, version: h.version }))}>
              {h.heading_path.at(-1) ?? h.title}
            </a>
            <span class="score">
              score {h.score.toFixed(3)} · confidence {h.confidence.toFixed(2)}
            </span>
            <p class="snippet">
              <Snippet text={h.snippet} />
            </p>
            <span class="ref">{h.ref}</span>
            <HitEntities hit={h} />
            <details>
              <summary>why</summary>
              <ul>
                {h.why.retrievers.map((r) => (
                  <li>
                    {r.name}: rank {r.rank}, score {r.score.toFixed(4)}
                  </li>
                ))}
                {h.why.terms.length ? <li>terms: {h.why.terms.join(', ')}</li> : null}
                {(h.why.graph ?? []).map((g) => (
                  <li>
                    graph: {g.kind} {g.edge}
                    {g.entity ? ` ${g.entity}` : ''}
                    {g.from ? ` from ${g.from}` : ''}
                    {g.hops !== undefined ? ` (${g.hops} hops)` : ''}
                  </li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The entities that brought a hit (its `why.graph`), each a link to its page. */
function HitEntities(props: { hit: SearchHitView }) {
  const names = [...new Set((props.hit.why.graph ?? []).flatMap((g) => (g.kind === 'entity' && g.entity ? [g.entity] : [])))];
  if (names.length === 0) return null;
  return (
    <span class="entities">
      {' '}
      entities:{' '}
      {names.map((n, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a href={`/entity/${encodeURIComponent(n)}`}>{n}</a>
        </>
      ))}
    </span>
  );
}

/** `/doc/<uri>` that several sources hold: each source's page. */
export function AmbiguousDocPage(props: { uri: string; candidates: { source: string; href: string }[] }) {
  return (
    <>
      <h1>Which source?</h1>
      <p>
        <code>{props.uri}</code> is in {props.candidates.length} sources. Documents are at <code>/doc/&lt;source&gt;/&lt;uri&gt;</code>; pick one:
      </p>
      <ul id="candidates">
        {props.candidates.map((c) => (
          <li>
            <a href={c.href}>
              {c.source}: {props.uri}
            </a>
          </li>
        ))}
      </ul>
    </>
  );
}

export interface DocSectionView {
  anchor: string;
  heading: string;
  level: number;
  html: string;
  citation: string;
}

export interface OutlineEntry {
  anchor: string;
  heading: string;
  depth: number;
}

export function DocPage(props: { title: string; uri: string; source: string; citation: string; outline: OutlineEntry[]; sections: DocSectionView[] }) {
  return (
    <div class="doc">
      <nav class="outline" aria-label="Outline">
        <ul>
          {props.outline.map((o) => (
            <li style={`margin-left:${o.depth}rem`}>
              <a href={`#${o.anchor}`}>{o.heading}</a>
            </li>
          ))}
        </ul>
      </nav>
      <article>
        <p class="ref">
          <span class="source">{props.source}</span> {props.uri}
          <button type="button" class="copy" data-citation={props.citation}>
            Copy citation
          </button>
        </p>
        {props.sections.map((s) => {
          const level = Math.min(Math.max(s.level, 1), 6);
          const heading = (
            <>
              {s.heading}
              <button type="button" class="copy" data-citation={s.citation}>
                Copy citation
              </button>
            </>
          );
          return (
            <section id={s.anchor || undefined}>
              {level === 1 ? <h1>{heading}</h1> : level === 2 ? <h2>{heading}</h2> : level === 3 ? <h3>{heading}</h3> : level === 4 ? <h4>{heading}</h4> : level === 5 ? <h5>{heading}</h5> : <h6>{heading}</h6>}
              {raw(s.html)}
            </section>
          );
        })}
      </article>
    </div>
  );
}

export interface OpsView {
  status: Record<string, unknown>;
  queue: { counts: Record<string, number>; oldestPendingAgeMs: number | null; workers: { alive: boolean }[]; warnings: string[]; dlq: { size: number } };
  jobs: { id: string; uri: string; state: string; attempts: number; updated_at: string }[];
  dead: { id: string; uri: string; dead_reason: string | null; attempts: number; last_error: { message: string; code?: string | undefined } | null }[];
  busy: boolean;
  sources: { label: string; kind: string; location: string; documents: number; refreshed_at: string | null; created_at: string }[];
  /** The last `docgraph verify`, null when none ran. */
  verify: { drift_ratio: number; wrong: number; checked: number; at: string } | null;
}

export function OpsPage(props: OpsView) {
  const { status, queue } = props;
  const embedder = status.embedder as { provider: string; model: string } | null;
  return (
    <div id="ops" data-poll={props.busy ? 'true' : undefined}>
      <h1>Operations</h1>
      <h2>Index</h2>
      <dl class="figures">
        {(['sources', 'documents', 'sections', 'vectors', 'entities', 'edges', 'index_bytes', 'last_ingest'] as const).map((k) => (
          <>
            <dt>{k.replace('_', ' ')}</dt>
            <dd>{String(status[k] ?? '—')}</dd>
          </>
        ))}
        <dt>embedder</dt>
        <dd>{embedder ? `${embedder.provider} ${embedder.model}` : String(status.configured_embedder)}</dd>
        <dt>drift</dt>
        <dd id="drift">
          {props.verify
            ? `${(props.verify.drift_ratio * 100).toFixed(1)}% (${props.verify.wrong} of ${props.verify.checked} checked wrong) at the last verify, ${props.verify.at}`
            : 'no verify yet (run docgraph verify)'}
        </dd>
      </dl>
      <p id="ops-message" role="status"></p>
      <Sources sources={props.sources} />
      <h2>Queue</h2>
      <dl class="figures" id="queue">
        {Object.entries(queue.counts).map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </>
        ))}
        <dt>oldest pending</dt>
        <dd>{queue.oldestPendingAgeMs === null ? '—' : `${Math.round(queue.oldestPendingAgeMs / 1000)} s`}</dd>
        <dt>workers alive</dt>
        <dd>{queue.workers.filter((w) => w.alive).length}</dd>
      </dl>
      {queue.warnings.map((w) => (
        <p class="weak">{w}</p>
      ))}
      {props.busy ? <p aria-live="polite">Ingest running: this page refreshes every 2 s.</p> : null}
      <h2>Dead letter queue ({queue.dlq.size})</h2>
      {props.dead.length === 0 ? (
        <p id="dlq-empty">Empty.</p>
      ) : (
        <>
          <p>
            <button type="button" data-action="retry-all">
              Retry all
            </button>{' '}
            <button type="button" data-action="purge">
              Purge all
            </button>
          </p>
          <table id="dlq">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Uri</th>
                <th scope="col">Reason</th>
                <th scope="col">Last error</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {props.dead.map((j) => (
                <tr data-job={j.id}>
                  <td>
                    <code>{j.id}</code>
                  </td>
                  <td>{j.uri}</td>
                  <td>
                    {j.dead_reason} ({j.attempts} attempts)
                  </td>
                  <td>{j.last_error ? `${j.last_error.code ?? ''} ${j.last_error.message}`.trim() : ''}</td>
                  <td>
                    <button type="button" data-action="retry" data-id={j.id} aria-label={`Retry job ${j.id}`}>
                      Retry
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Recent jobs</h2>
      <table id="jobs">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Uri</th>
            <th scope="col">State</th>
            <th scope="col">Attempts</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {props.jobs.map((j) => (
            <tr>
              <td>
                <code>{j.id}</code>
              </td>
              <td>{j.uri}</td>
              <td>{j.state}</td>
              <td>{j.attempts}</td>
              <td>{j.updated_at}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Sources(props: { sources: OpsView['sources'] }) {
  return (
    <>
      <h2>Sources ({props.sources.length})</h2>
      <table id="sources">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Kind</th>
            <th scope="col">Documents</th>
            <th scope="col">Refreshed</th>
            <th scope="col">Location</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.sources.map((s) => (
            <tr data-source={s.label}>
              <td>
                <code>{s.label}</code>
              </td>
              <td>{s.kind}</td>
              <td>{s.documents}</td>
              <td>{s.refreshed_at ?? `added ${s.created_at}`}</td>
              <td>{s.location}</td>
              <td>
                <button type="button" data-action="source-refresh" data-source={s.label} aria-label={`Refresh ${s.label}`}>
                  Refresh
                </button>{' '}
                <button type="button" data-action="source-remove" data-source={s.label} aria-label={`Remove ${s.label}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form id="add-source" class="query" method="post" action="/ops/sources" data-console-action="true">
        <label>
          Folder or git URL
          <input type="text" name="location" required size={30} />
        </label>
        <label>
          Name
          <input type="text" name="name" size={10} />
        </label>
        <label>
          Version
          <input type="text" name="version" size={6} />
        </label>
        <button type="submit">Add source</button>
      </form>
    </>
  );
}

export function SignInPage(props: { message: string }) {
  return (
    <form class="signin" id="signin" data-signin="true">
      <h1>Sign in</h1>
      <p>This server requires an API key (create one with <code>docgraph keys create --scope read</code>). It is kept in this tab's session storage only.</p>
      {props.message ? (
        <p class="error" role="alert">
          {props.message}
        </p>
      ) : null}
      <label>
        API key
        <input type="password" name="key" id="key" autocomplete="off" required />
      </label>
      <button type="submit">Sign in</button>
    </form>
  );
}

export function MessagePage(props: { heading: string; text: string }) {
  return (
    <>
      <h1>{props.heading}</h1>
      <p class="error">{props.text}</p>
      <p>
        <a href="/search">Back to search</a>
      </p>
    </>
  );
}

export interface EntityView {
  entity: { id: string; type: string; name: string; aliases: string[]; attributes: Record<string, unknown> };
  default: string | null;
  unit: string | null;
  defined_in: { ref: string; heading_path: string[] }[];
  mentioned_in: { ref: string; heading_path: string[]; count: number }[];
  mentions_total: number;
  related: { name: string; type: string }[];
}

export function EntityPage(props: { view: EntityView; /** The index's one source (citations are plain then). */ soleSource: string | undefined; graph: { nodes: { id: string; label: string; kind: string; href: string }[]; edges: { src: string; dst: string; type: string }[] } }) {
  const { view } = props;
  const attrs = Object.entries(view.entity.attributes).filter(([, v]) => v !== null && v !== undefined && v !== '');
  return (
    <>
      <h1>
        {view.entity.name} <small>({view.entity.type})</small>
      </h1>
      <dl class="figures">
        {view.entity.aliases.length ? (
          <>
            <dt>aliases</dt>
            <dd>{view.entity.aliases.join(', ')}</dd>
          </>
        ) : null}
        {view.default !== null ? (
          <>
            <dt>default</dt>
            <dd>
              <code>{view.default}</code>
            </dd>
          </>
        ) : null}
        {view.unit !== null ? (
          <>
            <dt>unit</dt>
            <dd>{view.unit}</dd>
          </>
        ) : null}
        {attrs.map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
          </>
        ))}
      </dl>
      <h2>Defined in</h2>
      <ul id="defined-in">
        {view.defined_in.map((c) => (
          <li>
            <a href={refHref(c.ref, props.soleSource)}>{c.heading_path.join(' › ') || c.ref}</a> <span class="ref">{c.ref}</span>
          </li>
        ))}
      </ul>
      <h2>Neighbourhood</h2>
      <div id="graph" role="img" aria-label={`Graph of ${view.entity.name} and its neighbours (${props.graph.nodes.length} nodes)`} style="height:420px;border:1px solid #d0d7de;border-radius:6px"></div>
      <script type="application/json" id="graph-data">
        {raw(JSON.stringify(props.graph).replace(/</g, '\\u003c'))}
      </script>
      <h2>Related</h2>
      <ul>
        {view.related.map((r) => (
          <li>
            <a href={`/entity/${encodeURIComponent(r.name)}`}>{r.name}</a> ({r.type})
          </li>
        ))}
      </ul>
      <h2>Mentioned in ({view.mentions_total})</h2>
      <ul>
        {view.mentioned_in.slice(0, 30).map((c) => (
          <li>
            <a href={refHref(c.ref, props.soleSource)}>{c.heading_path.join(' › ') || c.ref}</a> ×{c.count}
          </li>
        ))}
      </ul>
    </>
  );
}
