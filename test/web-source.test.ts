// Website sources (issue 15): a docs site on 127.0.0.1 the test starts (examples/sample-docs rendered
// to HTML) with robots.txt, a sitemap, a redirect, a page that 500s twice, a canonical copy, a link
// out of scope and ETags; crawled, searched, refreshed conditionally (304s: no jobs; one page changed:
// one job) and removed, through the CLI as child processes. Private addresses refused by default.
/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI's JSON is read field by field and checked by expect */
import { rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/docgraph.js';
import { startDocsSite, type DocsSite } from './helpers/docs-site.js';

const ws = workspace({}, 'dg-web-');
let site: DocsSite;
beforeAll(async () => {
  site = await startDocsSite();
});
afterAll(async () => {
  await site.close();
  rmSync(ws.dir, { recursive: true, force: true });
});

const json = async (args: string[], dir = ws.dir): Promise<any> => {
  const r = await run(dir, [...args, '--json']);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

/** Several CLI runs, each a Node + tsx start: minutes on a loaded machine. */
const SLOW = 240_000;

describe('website sources', () => {
  it('crawls within scope and robots.txt, follows the sitemap, a redirect and retries, dedupes a canonical copy, and refreshes by ETag', async () => {
    const added = await json(['add', site.url, '--name', 'acme', '--version', '3.2', '--allow-private', '--rate', '200']);
    expect(added).toMatchObject({ name: 'acme', version: '3.2', kind: 'web' });
    const crawl = added.crawl;
    const uris: string[] = crawl.changed;
    // the folder URL is index.html; the redirect is recorded at its target; the sitemap-only page is in
    expect(uris).toEqual(expect.arrayContaining(['index.html', 'getting-started/installation.html', 'guides/moved.html', 'orphan.html', 'flaky.html', 'api/agent-api.html']));
    expect(uris).not.toContain('old.html');
    expect(uris).not.toContain('copy.html');
    expect(uris.some((u) => u.startsWith('private/'))).toBe(false);
    expect(crawl.pages).toBe(uris.length);
    expect(added.report.indexed).toBe(uris.length);
    expect(crawl.skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: `${site.origin}/docs/private/secret.html`, reason: 'robots' }),
        expect.objectContaining({ url: `${site.origin}/docs/copy.html`, reason: 'duplicate' }),
        expect.objectContaining({ url: `${site.origin}/docs/missing.html`, reason: 'gone' }),
      ]),
    );
    // disallowed and out-of-scope URLs are never requested; the flaky page took three tries
    expect(site.hits.get('/docs/private/secret.html')).toBeUndefined();
    expect(site.hits.get('/other/out.html')).toBeUndefined();
    expect(site.hits.get('/docs/flaky.html')).toBe(3);
    expect(site.hits.get('/robots.txt')).toBe(1);

    // a page is cited by its path inside the site
    const hits = (await json(['search', 'zebrafrost', '--source', 'acme', '--mode', 'lexical'])).hits;
    expect(hits[0]).toMatchObject({ uri: 'guides/moved.html', source: 'acme', version: '3.2' });
    const flaky = (await json(['search', 'marmotwhistle', '--mode', 'lexical'])).hits;
    expect(flaky[0]?.uri).toBe('flaky.html');
    // the canonical page kept its own content, not the copy's
    const install = (await json(['search', 'acme-agent', '--source', 'acme', '--mode', 'lexical'])).hits.map((h: any) => h.uri);
    expect(install).toContain('getting-started/installation.html');

    // nothing changed: every page answers 304, no job
    const same = await json(['refresh', 'acme@3.2']);
    expect(same.crawl).toMatchObject({ pages: crawl.pages, not_modified: crawl.pages, changed: [], removed: [] });
    expect(same.report.jobs.queued).toBe(0);

    // one page changed: one job, and search finds the new text
    site.setPage('/docs/guides/rollback.html', '<!doctype html><html><head><title>Rollback</title></head><body><h1>Rollback</h1><p>Roll back with the platypusrewind command.</p></body></html>');
    const one = await json(['refresh', 'acme@3.2']);
    expect(one.crawl.changed).toEqual(['guides/rollback.html']);
    expect(one.report.jobs.queued).toBe(1);
    expect((await json(['search', 'platypusrewind', '--mode', 'lexical'])).hits[0]?.uri).toBe('guides/rollback.html');

    const removed = await json(['remove', 'acme@3.2']);
    expect(removed).toEqual({ name: 'acme', version: '3.2', removed_documents: crawl.pages });
  }, SLOW);

  it('refuses loopback addresses (also behind a DNS name), robots.txt forbidding the start URL, other schemes and an unreachable site, registering nothing', async () => {
    const other = workspace({}, 'dg-web-bad-');
    try {
      // a port that was free a moment ago: the connection is refused
      const free = createServer();
      await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
      const port = (free.address() as AddressInfo).port;
      await new Promise<void>((resolve) => free.close(() => resolve()));
      const closed = `http://127.0.0.1:${port}/docs/`;
      for (const [args, message] of [
        [['add', site.url], 'a loopback address'],
        [['add', site.url.replace('127.0.0.1', 'localhost')], 'localhost is at 127.0.0.1, a loopback address'],
        [['add', `${site.origin}/blocked/`, '--allow-private'], 'robots.txt forbids crawling'],
        [['add', 'ftp://example.invalid/docs/'], 'ftp: URLs cannot be added'],
        [['add', closed, '--allow-private'], 'ECONNREFUSED'],
      ] as const) {
        const r = await run(other.dir, [...args]);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).not.toBe(0);
        expect(r.stderr).toContain(message);
        expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
      }
      expect((await json(['sources'], other.dir)).sources).toEqual([]);
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  }, SLOW);

  it('waits as Retry-After asks on 429 (seconds) and 503 (an HTTP date), then indexes the pages', async () => {
    // a.html answers 429 "Retry-After: 2" once, b.html 503 with a date 3 s ahead (whole seconds: 2-3 s) once
    const times = new Map<string, number[]>();
    const page = (word: string): string => `<!doctype html><html><head><title>${word}</title></head><body><h1>${word}</h1><p>The ${word} page.</p></body></html>`;
    const server = createHttpServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const seen = times.get(path) ?? [];
      seen.push(Date.now());
      times.set(path, seen);
      if (path === '/slow/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body><a href="a.html">a</a> <a href="b.html">b</a></body></html>');
      if (path === '/slow/a.html') return void (seen.length === 1 ? res.writeHead(429, { 'retry-after': '2' }).end() : res.writeHead(200, { 'content-type': 'text/html' }).end(page('wombatpause')));
      if (path === '/slow/b.html') return void (seen.length === 1 ? res.writeHead(503, { 'retry-after': new Date(Date.now() + 3000).toUTCString() }).end() : res.writeHead(200, { 'content-type': 'text/html' }).end(page('numbatdelay')));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const other = workspace({}, 'dg-web-retry-');
    try {
      const added = await json(['add', `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow/`, '--name', 'slow', '--allow-private', '--rate', '200'], other.dir);
      expect(added.crawl).toMatchObject({ pages: 3, skipped: [] });
      expect(added.crawl.changed).toEqual(['a.html', 'b.html', 'index.html']);
      for (const [word, uri] of [['wombatpause', 'a.html'], ['numbatdelay', 'b.html']] as const) expect((await json(['search', word, '--mode', 'lexical'], other.dir)).hits[0]?.uri).toBe(uri);
      // each asked again only after the wait (a lower bound: a loaded machine only makes it later)
      for (const path of ['/slow/a.html', '/slow/b.html']) {
        const [first, second] = times.get(path)!;
        expect(times.get(path), path).toHaveLength(2);
        expect(second! - first!, path).toBeGreaterThanOrEqual(1900);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(other.dir, { recursive: true, force: true });
    }
  }, SLOW);

  it('takes a website from the config file sources:, with its crawl limits', async () => {
    const cfg = workspace({ sources: [{ location: site.url, name: 'cfg-site', allowPrivate: true, rate: 200, maxDepth: 0 }] }, 'dg-web-cfg-');
    try {
      const r = await json(['refresh'], cfg.dir);
      expect(r.sources).toEqual([expect.objectContaining({ name: 'cfg-site', kind: 'web', crawl: expect.objectContaining({ pages: 1, changed: ['index.html'] }) })]);
    } finally {
      rmSync(cfg.dir, { recursive: true, force: true });
    }
  }, SLOW);
});
