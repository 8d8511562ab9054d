/**
 * A docs website on 127.0.0.1 for the crawl tests and the crawl benchmark:
 * examples/sample-docs rendered to HTML (marked) under /docs/, with
 * robots.txt (disallows /docs/private/ and /blocked/), a sitemap (listing a
 * page no link reaches), a redirect (/docs/old.html → /docs/guides/moved.html),
 * a page that answers 500 twice then works (/docs/flaky.html), a canonical
 * duplicate (/docs/copy.html names getting-started/installation.html), a
 * link out of scope (/other/out.html), ETag / If-None-Match (304), and
 * `generated` extra pages for the benchmark. Counts every request by path.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { marked } from 'marked';
import { repo } from './docgraph.js';

export interface DocsSite {
  url: string;
  origin: string;
  /** Requests by path. */
  hits: Map<string, number>;
  /** Replaces the body of a page (path as served, e.g. /docs/guides/rollback.html). */
  setPage: (path: string, html: string) => void;
  close: () => Promise<void>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const page = (title: string, body: string, head = ''): string => `<!doctype html><html><head><title>${title}</title>${head}</head><body><main>${body}</main></body></html>`;

/** Starts the site; `generated`: extra pages /docs/gen/page-<i>.html, all linked from the index. */
export async function startDocsSite(o: { generated?: number } = {}): Promise<DocsSite> {
  const root = join(repo, 'examples', 'sample-docs');
  const pages = new Map<string, string>();
  const links: string[] = [];
  for (const file of walk(root).sort()) {
    const rel = relative(root, file).replace(/\\/g, '/');
    const text = readFileSync(file, 'utf8');
    if (rel === 'index.md') continue;
    const path = `/docs/${rel.replace(/\.md$/, '.html')}`;
    pages.set(path, rel.endsWith('.md') ? page(rel, marked.parse(text.replace(/^---\n[\s\S]*?\n---\n/, ''), { async: false }).replace(/href="([^":]+)\.md(#[^"]*)?"/g, 'href="$1.html$2"')) : text);
    links.push(path);
  }
  pages.set('/docs/guides/moved.html', page('Moved', '<h1>Moved page</h1><p>The zebrafrost procedure moved here.</p>'));
  pages.set('/docs/orphan.html', page('Orphan', '<h1>Orphan</h1><p>Only the sitemap lists the quokkalumen page.</p>'));
  pages.set('/docs/flaky.html', page('Flaky', '<h1>Flaky</h1><p>The marmotwhistle page works on the third try.</p>'));
  pages.set('/docs/private/secret.html', page('Secret', '<h1>Secret</h1><p>Never crawled.</p>'));
  pages.set('/docs/copy.html', page('Copy', '<h1>Installation copy</h1>', '<link rel="canonical" href="/docs/getting-started/installation.html">'));
  pages.set('/other/out.html', page('Out', '<h1>Out of scope</h1>'));
  for (let i = 0; i < (o.generated ?? 0); i++) {
    const path = `/docs/gen/page-${i}.html`;
    pages.set(path, page(`Page ${i}`, `<h1>Page ${i}</h1><p>Generated page ${i} about widget ${i * 7}.</p><h2>Usage</h2><p>Run widgetd --port ${8000 + i}.</p><a href="page-${(i + 1) % (o.generated ?? 1)}.html">next</a>`));
    links.push(path);
  }
  const extra = ['/docs/old.html', '/docs/flaky.html', '/docs/copy.html', '/docs/private/secret.html', '/other/out.html', 'https://example.invalid/elsewhere.html', 'mailto:docs@example.invalid', '/docs/missing.html'];
  const index = () => page('Acme docs', `<h1>Acme docs</h1><ul>${[...links, ...extra].map((l) => `<li><a href="${l}">${l}</a></li>`).join('')}</ul>`);
  const hits = new Map<string, number>();
  let flaky = 0;
  let origin = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`User-agent: *\nDisallow: /docs/private/\nDisallow: /blocked/\n\nSitemap: ${origin}/sitemap.xml\n`);
      return;
    }
    if (path === '/sitemap.xml') {
      const urls = ['/docs/', '/docs/orphan.html', '/docs/reference/cli.html'].map((p) => `<url><loc>${origin}${p}</loc></url>`).join('');
      res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`);
      return;
    }
    if (path === '/docs/old.html') {
      res.writeHead(301, { location: '/docs/guides/moved.html' }).end();
      return;
    }
    if (path === '/docs/flaky.html' && flaky < 2) {
      flaky++;
      res.writeHead(500, { 'content-type': 'text/plain' }).end('try again');
      return;
    }
    if (path === '/docs') {
      res.writeHead(301, { location: '/docs/' }).end();
      return;
    }
    const body = path === '/docs/' ? index() : pages.get(path);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/html' }).end(page('Not found', '<h1>Not found</h1>'));
      return;
    }
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/docs/`,
    origin,
    hits,
    setPage: (path, html) => void pages.set(path, html),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
