/**
 * The console's browser script (served at /console/client.js; compiled by
 * `npm run build` with this folder's tsconfig, DOM types, no dependencies).
 * `/` focuses the query box; ↑/↓ move between hits and Enter opens one;
 * "Copy citation" copies `uri#anchor`; the operations page retries and
 * purges dead jobs through the REST routes and refreshes while an ingest
 * runs. When the server requires a key, the sign-in form keeps it in
 * sessionStorage and every page and action is fetched with it as a bearer
 * token (pages with `x-console-partial: 1`, swapped into #page). A search
 * (any GET form) is fetched and swapped in the same way with or without a
 * key: a fraction of the cost of a new document (bench/console.ts). The
 * operations page adds, refreshes and removes sources through the console's
 * /ops/sources routes.
 */
export {};

const KEY = 'docgraph.apiKey';
const storedKey = (): string | null => sessionStorage.getItem(KEY);
const authHeaders = (): Record<string, string> => {
  const k = storedKey();
  return k ? { authorization: `Bearer ${k}` } : {};
};
let pollTimer: number | undefined;
/** History state of the entries whose page this script loads (back/forward load them again). */
const SWAPPED = 'docgraph-console';
if (history.state === null) history.replaceState(SWAPPED, '', location.href);

/** Loads `url` as a partial page and swaps it in; `push` adds a history entry. */
async function load(url: string, push: boolean): Promise<void> {
  const res = await fetch(url, { headers: { 'x-console-partial': '1', ...authHeaders() } });
  const html = await res.text();
  if (res.status === 401) sessionStorage.removeItem(KEY);
  const page = document.getElementById('page');
  if (!page) return;
  const box = document.createElement('div');
  box.innerHTML = html;
  const next = box.querySelector<HTMLElement>('#page');
  if (!next) return;
  // the outcome of the last source action stays shown while the page refreshes itself
  const said = document.getElementById('ops-message');
  const again = next.querySelector<HTMLElement>('#ops-message');
  if (said && again && again.textContent === '') {
    again.textContent = said.textContent;
    again.className = said.className;
  }
  page.replaceWith(next);
  document.title = next.dataset.title ?? document.title;
  // a moved page (/doc/<uri> → /doc/<source>/<uri>) is shown at its new address, with the #anchor asked for
  const shown = res.redirected ? `${res.url.split('#')[0]}${new URL(url, location.href).hash}` : url;
  if (push) history.pushState(SWAPPED, '', shown);
  else if (shown !== url) history.replaceState(SWAPPED, '', shown);
  bind();
  const hash = new URL(url, location.href).hash;
  const target = hash ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
  if (target) target.scrollIntoView();
  else if (push) window.scrollTo(0, 0);
}

const hits = (): HTMLElement[] => [...document.querySelectorAll<HTMLElement>('li.hit')];

function select(i: number): void {
  const all = hits();
  if (all.length === 0) return;
  const n = Math.max(0, Math.min(all.length - 1, i));
  all.forEach((h, j) => h.classList.toggle('selected', j === n));
  all[n]!.querySelector<HTMLAnchorElement>('a.hit-link')?.focus();
}

function selectedIndex(): number {
  return hits().findIndex((h) => h.classList.contains('selected'));
}

document.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  const typing = t !== null && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
  if (e.key === '/' && !typing) {
    const q = document.getElementById('q') as HTMLInputElement | null;
    if (q) {
      e.preventDefault();
      q.focus();
      q.select();
    }
    return;
  }
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  if (typing && t.id !== 'q') return;
  if (hits().length === 0) return;
  e.preventDefault();
  const i = selectedIndex();
  // from the query box, ↓ goes to the first hit
  select(typing ? 0 : e.key === 'ArrowDown' ? i + 1 : i - 1);
});

/** Links to console pages: loaded with the key when there is one. */
document.addEventListener('click', (e) => {
  const el = e.target as HTMLElement | null;
  const a = el?.closest('a');
  // an outline link on the same page: the browser scrolls
  if (a && a.hash !== '' && a.pathname === location.pathname && a.search === location.search) return;
  if (a && storedKey() && a.origin === location.origin && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
    e.preventDefault();
    void load(a.href, true);
    return;
  }
  const button = el?.closest('button');
  if (!button) return;
  if (button.dataset.citation !== undefined) {
    void copy(button.dataset.citation, button);
  } else if (button.id === 'signout') {
    sessionStorage.removeItem(KEY);
    location.assign('/search');
  } else if (button.dataset.action === 'source-refresh' || button.dataset.action === 'source-remove') {
    const source = button.dataset.source ?? '';
    if (button.dataset.action === 'source-remove' && !window.confirm(`Remove ${source} and its documents from the index?`)) return;
    void consoleAction(button.dataset.action === 'source-refresh' ? '/ops/sources/refresh' : '/ops/sources/remove', new URLSearchParams({ source }));
  } else if (button.dataset.action) {
    void act(button.dataset.action, button.dataset.id);
  }
});

document.addEventListener('submit', (e) => {
  const form = e.target as HTMLFormElement;
  if (form.id === 'signin') {
    e.preventDefault();
    const key = (form.elements.namedItem('key') as HTMLInputElement).value.trim();
    if (key) sessionStorage.setItem(KEY, key);
    void load(location.href, false);
    return;
  }
  if (form.dataset.consoleAction === 'true') {
    e.preventDefault();
    const body = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string') body.set(k, v);
    void consoleAction(form.action, body);
    return;
  }
  // a search (any GET form) is fetched and swapped in, key or not: a fraction of the cost of a new document
  if (form.method.toLowerCase() === 'get') {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v !== '') params.set(k, v);
    void load(`${form.action}?${params.toString()}`, true);
  }
});

window.addEventListener('popstate', (e) => {
  // entries this script made (or the page it started on); not an outline #anchor's
  if ((e.state as unknown) === SWAPPED) void load(location.href, false);
});

async function copy(text: string, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = text;
  }
  button.dataset.copied = text;
}

/** A queue action through REST (the same routes and scopes as any client). */
async function act(action: string, id: string | undefined): Promise<void> {
  const route =
    action === 'retry' && id ? { method: 'POST', path: `/v1/dlq/${encodeURIComponent(id)}/retry` } : action === 'retry-all' ? { method: 'POST', path: '/v1/dlq/retry' } : action === 'purge' ? { method: 'DELETE', path: '/v1/dlq' } : null;
  if (!route) return;
  if (action === 'purge' && !window.confirm('Delete every dead job?')) return;
  const res = await fetch(route.path, { method: route.method, headers: authHeaders() });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    window.alert(body.error?.message ?? `${route.method} ${route.path}: ${res.status}`);
  }
  await load(location.href, false);
}

/**
 * A source action of the operations page (console routes, admin scope): the
 * page is reloaded, then the outcome is shown in #ops-message.
 */
async function consoleAction(path: string, body: URLSearchParams): Promise<void> {
  const message = document.getElementById('ops-message');
  if (message) message.textContent = 'Working…';
  let text: string;
  let failed = false;
  try {
    const res = await fetch(path, { method: 'POST', body, headers: { 'x-console-action': '1', ...authHeaders() } });
    const out = (await res.json().catch(() => ({}))) as { message?: string; error?: { message?: string; details?: { allowed?: string } } };
    failed = !res.ok;
    text = res.ok ? (out.message ?? 'done') : `${out.error?.message ?? `${path}: ${res.status}`}${out.error?.details?.allowed ? ` (allowed: ${out.error.details.allowed})` : ''}`;
  } catch (e) {
    failed = true;
    text = `${path}: ${(e as Error).message}`;
  }
  await load(location.href, false);
  const shown = document.getElementById('ops-message');
  if (shown) {
    shown.textContent = text;
    shown.classList.toggle('error', failed);
  }
}

interface GraphData {
  nodes: { id: string; label: string; kind: string; href: string }[];
  edges: { src: string; dst: string; type: string }[];
}
interface CyNode {
  data(key: string): string;
}
type Cytoscape = (options: unknown) => { nodes(): { length: number }; on(event: string, selector: string, fn: (e: { target: CyNode }) => void): void };
let cytoscapeLoaded: Promise<void> | undefined;

/** The entity page's neighbourhood, drawn with Cytoscape.js (served by docgraph from its pinned dependency). */
async function drawGraph(): Promise<void> {
  const box = document.getElementById('graph');
  const data = document.getElementById('graph-data');
  if (!box || !data) return;
  const graph = JSON.parse(data.textContent ?? '{}') as GraphData;
  cytoscapeLoaded ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/console/cytoscape.min.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('cytoscape did not load'));
    document.head.append(script);
  });
  await cytoscapeLoaded;
  const cytoscape = (window as unknown as { cytoscape: Cytoscape }).cytoscape;
  const ids = new Set(graph.nodes.map((n) => n.id));
  const cy = cytoscape({
    container: box,
    elements: [
      ...graph.nodes.map((n) => ({ data: { id: n.id, label: n.label, kind: n.kind, href: n.href } })),
      ...graph.edges.filter((e) => ids.has(e.src) && ids.has(e.dst)).map((e, i) => ({ data: { id: `e${i}`, source: e.src, target: e.dst, label: e.type } })),
    ],
    layout: { name: 'cose', animate: false },
    style: [
      { selector: 'node', style: { label: 'data(label)', 'font-size': 9, 'background-color': '#0a58ca', width: 14, height: 14 } },
      { selector: 'node[kind = "section"], node[kind = "document"]', style: { 'background-color': '#6c757d', shape: 'round-rectangle' } },
      { selector: 'edge', style: { width: 1, 'line-color': '#adb5bd', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#adb5bd', 'curve-style': 'bezier' } },
    ],
  });
  cy.on('tap', 'node', (e) => {
    const href = e.target.data('href');
    if (href) void navigate(href);
  });
  box.dataset.nodes = String(cy.nodes().length);
}

async function navigate(href: string): Promise<void> {
  if (storedKey()) await load(href, true);
  else location.assign(href);
}

/** Per page: draw an entity's graph, poll /ops while an ingest runs, load the keyed page after a sign-in. */
function bind(): void {
  window.clearTimeout(pollTimer);
  void drawGraph();
  if (document.querySelector('[data-poll="true"]')) pollTimer = window.setTimeout(() => void load(location.href, false), 2000);
}

bind();
// a keyed server answered the sign-in form: with a key in this tab, load the page with it
if (document.getElementById('signin') && storedKey()) void load(location.href, false);
