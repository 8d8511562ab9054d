/**
 * Crawls a website source into its cache folder: `pages/` holds one file per
 * page, at the page's uri, and is indexed like any folder; `crawl.json`
 * remembers each page's URL, ETag, Last-Modified and checksum, so a refresh
 * asks the site conditionally (304 = unchanged, read back from `pages/`) and
 * reports only the uris that changed or went away. Breadth-first by depth,
 * each level in URL order, so the same site gives the same pages. The
 * folder changes only when a crawl completes: pages fetched go to
 * `staging/` first.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import PQueue from 'p-queue';
import { InvalidInputError, isDocgraphError } from '../../domain/errors.js';
import { PrivateAddressError } from './address.js';
import { FetchError } from './fetch-error.js';
import { SiteHttp, type HttpAnswer, type HttpOptions } from './http.js';
import { pageLinks } from './links.js';
import { fetchRobots, sitemapUrls, type Robots } from './robots.js';
import { inScope, pagesDir, pageUri, pageUrl, uriFilter, type SiteScope } from './site.js';

export interface CrawlOptions extends HttpOptions {
  /** Most pages kept. Default 1000. */
  maxPages?: number;
  /** Most link hops from the start URL (sitemap entries count as one). Default 10. */
  maxDepth?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Requests started per second against the host (robots.txt Crawl-delay lowers it). Default 8. */
  rate?: number;
  include?: readonly string[];
  exclude?: readonly string[];
  onProgress?: (p: CrawlProgress) => void;
  signal?: AbortSignal;
}

export interface CrawlProgress {
  /** Pages looked at so far. */
  done: number;
  /** Pages found so far (grows as links are found). */
  total: number;
  url?: string;
}

/** A page left out, and why. */
export interface CrawlSkip {
  url: string;
  reason: 'robots' | 'out-of-scope-redirect' | 'not-a-page' | 'gone' | 'duplicate' | 'excluded' | 'max-pages' | 'failed';
  message: string;
}

export interface CrawlReport {
  /** Pages the site has now (kept in `pages/`). */
  pages: number;
  /** Answers with a body (200). */
  fetched: number;
  /** Answers 304 Not Modified. */
  not_modified: number;
  /** Uris new or changed since the last crawl. */
  changed: string[];
  /** Uris gone since the last crawl. */
  removed: string[];
  /** Pages left out; `failed` pages keep what the last crawl had. */
  skipped: CrawlSkip[];
  seconds: number;
  /** A digest of every page's uri and checksum: the same site gives the same digest. */
  digest: string;
}

interface PageRecord {
  /** The page's identity: its canonical URL when it names one in scope, else the URL that answered. */
  url: string;
  /** The URL requested (a link or sitemap entry) when it differs (a redirect or a canonical). */
  requested?: string;
  uri: string;
  checksum: string;
  etag?: string;
  lastModified?: string;
}

interface Manifest {
  start: string;
  pages: PageRecord[];
}

const PAGE_TYPES = /^(text\/html|application\/xhtml\+xml)/i;
const MARKDOWN_TYPES = /^text\/(markdown|x-markdown)/i;

/** The folder of a website source's cache its pages are indexed from. */
export { pagesDir };

/**
 * Crawls `scope` into `cache` (see the module comment) and returns what
 * changed. Throws (leaving the cache as it was) when the site cannot be
 * reached, robots.txt forbids the start URL, an address is refused, the
 * host's breaker opens, or no page at all could be read.
 */
export async function crawlSite(scope: SiteScope, cache: string, o: CrawlOptions = {}): Promise<CrawlReport> {
  const started = performance.now();
  const maxPages = o.maxPages ?? 1000;
  const maxDepth = o.maxDepth ?? 10;
  const pages = pagesDir(cache);
  const staging = join(cache, 'staging');
  rmSync(staging, { recursive: true, force: true });
  const before = readManifest(cache, scope.start);
  const byUrl = new Map<string, PageRecord>();
  for (const p of before.pages) {
    byUrl.set(p.url, p);
    if (p.requested) byUrl.set(p.requested, p);
  }
  const wanted = uriFilter(o.include, o.exclude);
  const http = new SiteHttp(o);
  const report: CrawlReport = { pages: 0, fetched: 0, not_modified: 0, changed: [], removed: [], skipped: [], seconds: 0, digest: '' };
  const kept = new Map<string, PageRecord>(); // by identity URL
  const uris = new Map<string, string>(); // uri → identity URL
  const carried = new Set<string>(); // uris of failed pages kept as they were
  const changed = new Set<string>();
  const seen = new Set<string>();
  let done = 0;
  try {
    let robots: Robots;
    try {
      robots = await fetchRobots(http, scope.origin);
    } catch (e) {
      throw unreachable(scope, e);
    }
    if (!robots.allowed(scope.start)) {
      throw new InvalidInputError(`${scope.origin}/robots.txt forbids crawling ${scope.start}`, { field: 'location', allowed: 'a site (or a path of it) whose robots.txt allows the user agent "docgraph"' });
    }
    const rate = Math.min(o.rate ?? 8, robots.crawlDelay ? 1 / robots.crawlDelay : Infinity, 1000);
    const queue = new PQueue({ concurrency: Math.max(1, o.concurrency ?? 4), intervalCap: 1, interval: Math.max(1, Math.round(1000 / rate)) });
    const sitemaps = robots.sitemaps.length > 0 ? robots.sitemaps : [`${scope.origin}/sitemap.xml`, ...(scope.prefix !== '/' ? [`${scope.origin}${scope.prefix}sitemap.xml`] : [])];
    const fromSitemaps = await sitemapUrls(http, sitemaps, scope.origin);

    const follow = (t: URL): boolean => inScope(scope, t) && robots.allowed(t.href);
    const progress = (url?: string): void => o.onProgress?.({ done, total: seen.size, ...(url ? { url } : {}) });
    const skip = (url: string, reason: CrawlSkip['reason'], message: string): void => void report.skipped.push({ url, reason, message });

    const visit = async (url: string, depth: number, next: string[]): Promise<void> => {
      if (kept.size >= maxPages) return skip(url, 'max-pages', `${url} was not fetched: the crawl reached --max-pages ${maxPages}`);
      const pre = pageUri(scope, new URL(url));
      if (pre !== undefined && !wanted(pre) && !wanted(pre.replace(/\.html$/, '.md'))) return skip(url, 'excluded', `${url} is left out by the include/exclude globs`);
      if (!robots.allowed(url)) return skip(url, 'robots', `robots.txt disallows ${url}`);
      const prior = byUrl.get(url);
      const cached = prior && existsSync(join(pages, prior.uri)) ? prior : undefined;
      const headers: Record<string, string> = {};
      if (cached?.etag) headers['if-none-match'] = cached.etag;
      if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
      let ans: HttpAnswer;
      try {
        ans = await http.get(url, { headers, follow, ...(o.signal ? { signal: o.signal } : {}) });
      } catch (e) {
        if (e instanceof PrivateAddressError || !(e instanceof FetchError) || e.fatal) throw e;
        keepPrior(prior);
        return skip(url, 'failed', e.message);
      }
      if (ans.location !== undefined) return skip(url, 'out-of-scope-redirect', `${url} redirects to ${ans.location}, outside ${scope.origin}${scope.prefix} (or disallowed by robots.txt)`);
      const final = pageUrl(ans.url, ans.url)!;
      if (final.href !== url) {
        if (seen.has(final.href) && ans.status !== 304) return skip(url, 'duplicate', `${url} redirects to ${final.href}, already crawled`);
        seen.add(final.href);
      }
      let body: Buffer;
      let markdown = false;
      if (ans.status === 304 && cached) {
        report.not_modified++;
        body = readFileSync(join(pages, cached.uri));
        markdown = cached.uri.endsWith('.md');
      } else if (ans.status === 200) {
        const type = ans.headers.get('content-type') ?? '';
        markdown = MARKDOWN_TYPES.test(type) || (/^text\/plain/i.test(type) && /\.(md|markdown)$/i.test(final.pathname));
        if (!markdown && !PAGE_TYPES.test(type)) return skip(url, 'not-a-page', `${url} is ${type || 'of no type'}, not an HTML or Markdown page`);
        report.fetched++;
        body = ans.body;
      } else if (ans.status === 404 || ans.status === 410) {
        return skip(url, 'gone', `${url} answered HTTP ${ans.status}`);
      } else {
        keepPrior(prior);
        return skip(url, 'failed', `${url} answered HTTP ${ans.status}${ans.status >= 500 ? ` after ${o.retries ?? 3} retries` : ''}`);
      }
      const parsed = markdown ? { links: [] as string[] } : pageLinks(body.toString('utf8'));
      const base = parsed.base !== undefined ? (pageUrl(parsed.base, final.href)?.href ?? final.href) : final.href;
      // a page that names another as canonical is a copy: the canonical page is crawled instead
      if (parsed.canonical !== undefined) {
        const canon = pageUrl(parsed.canonical, final.href);
        if (canon && inScope(scope, canon) && canon.href !== final.href) {
          if (!seen.has(canon.href) && depth < maxDepth) {
            seen.add(canon.href);
            next.push(canon.href);
          }
          return skip(url, 'duplicate', `${url} names ${canon.href} as its canonical URL`);
        }
      }
      const identity = final;
      if (kept.has(identity.href)) return skip(url, 'duplicate', `${url} redirects to ${identity.href}, already crawled`);
      const uri = pageUri(scope, identity, markdown);
      if (uri === undefined) return skip(url, 'not-a-page', `${identity.href} has a path that cannot be a file name`);
      if (!wanted(uri)) return skip(url, 'excluded', `${url} (${uri}) is left out by the include/exclude globs`);
      if (uris.has(uri) || carried.has(uri)) return skip(url, 'duplicate', `${url} would be ${uri}, which ${uris.get(uri) ?? 'another page'} already is`);
      if (kept.size >= maxPages) return skip(url, 'max-pages', `${url} was not kept: the crawl reached --max-pages ${maxPages}`);
      const checksum = createHash('sha256').update(body).digest('hex');
      const etag = ans.headers.get('etag') ?? (ans.status === 304 ? cached?.etag : undefined);
      const lastModified = ans.headers.get('last-modified') ?? (ans.status === 304 ? cached?.lastModified : undefined);
      const record: PageRecord = { url: identity.href, ...(url !== identity.href ? { requested: url } : {}), uri, checksum, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
      kept.set(identity.href, record);
      uris.set(uri, identity.href);
      if (!cached || cached.checksum !== checksum || cached.uri !== uri) {
        const path = join(staging, uri);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, body);
        changed.add(uri);
      }
      if (depth >= maxDepth) return;
      for (const href of parsed.links) {
        const link = pageUrl(href, base);
        if (!link || !inScope(scope, link) || seen.has(link.href)) continue;
        seen.add(link.href);
        next.push(link.href);
      }
    };
    const keepPrior = (prior: PageRecord | undefined): void => {
      if (!prior || kept.has(prior.url) || uris.has(prior.uri) || !existsSync(join(pages, prior.uri))) return;
      kept.set(prior.url, prior);
      uris.set(prior.uri, prior.url);
      carried.add(prior.uri);
    };

    seen.add(scope.start);
    const fromSitemapsInScope = fromSitemaps.map((u) => pageUrl(u, scope.start)).filter((u): u is URL => u !== undefined && inScope(scope, u));
    let level = [scope.start];
    for (let depth = 0; level.length > 0 && depth <= maxDepth; depth++) {
      const next: string[] = [];
      level.sort();
      progress();
      let failure: unknown;
      await Promise.all(
        level.map((url) =>
          queue.add(async () => {
            if (failure !== undefined) return;
            try {
              await visit(url, depth, next);
            } catch (e) {
              failure ??= e;
            } finally {
              done++;
              progress(url);
            }
          }),
        ),
      );
      if (failure !== undefined) throw failure;
      o.signal?.throwIfAborted();
      // the sitemap's pages are one hop from the start, like its links
      if (depth === 0 && maxDepth > 0) {
        for (const u of fromSitemapsInScope) {
          if (seen.has(u.href)) continue;
          seen.add(u.href);
          next.push(u.href);
        }
      }
      level = next;
    }
    if (kept.size === 0) {
      const first = report.skipped[0];
      throw new InvalidInputError(`no page could be read from ${scope.start}${first ? `: ${first.message}` : ''}`, { field: 'location', allowed: 'a URL that answers with an HTML or Markdown page' });
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  } finally {
    await http.close();
  }

  // the crawl is complete: move the new pages in, drop the ones gone, remember what was fetched
  const now = new Set(uris.keys());
  for (const p of before.pages) if (!now.has(p.uri) && existsSync(join(pages, p.uri))) report.removed.push(p.uri);
  mkdirSync(pages, { recursive: true });
  for (const uri of changed) {
    const to = join(pages, uri);
    mkdirSync(dirname(to), { recursive: true });
    renameSync(join(staging, uri), to);
  }
  for (const uri of report.removed) unlinkSync(join(pages, uri));
  rmSync(staging, { recursive: true, force: true });
  const manifest: Manifest = { start: scope.start, pages: [...kept.values()].sort((a, b) => a.uri.localeCompare(b.uri)) };
  report.digest = createHash('sha256')
    .update(manifest.pages.map((p) => `${p.uri}\0${p.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  writeFileSync(join(cache, 'crawl.json.tmp'), JSON.stringify(manifest, null, 1));
  renameSync(join(cache, 'crawl.json.tmp'), join(cache, 'crawl.json'));
  report.pages = kept.size;
  report.changed = [...changed].sort();
  report.removed.sort();
  report.seconds = Math.round((performance.now() - started) / 10) / 100;
  return report;
}

function readManifest(cache: string, start: string): Manifest {
  try {
    const m = JSON.parse(readFileSync(join(cache, 'crawl.json'), 'utf8')) as Manifest;
    if (m.start === start && Array.isArray(m.pages)) return m;
  } catch {
    // first crawl, or a cache from elsewhere: everything is new
  }
  return { start, pages: [] };
}

/** A failure before any page: the site as a whole is unreachable (the reason kept). */
function unreachable(scope: SiteScope, e: unknown): unknown {
  if (e instanceof PrivateAddressError || !isDocgraphError(e)) return e;
  return new FetchError(scope.start, `cannot crawl ${scope.start}: ${e.message}`, { cause: e });
}
