/**
 * robots.txt (RFC 9309, through robots-parser) and sitemaps
 * (sitemaps.org, through fast-xml-parser) of a website source.
 */
import { XMLParser } from 'fast-xml-parser';
import robotsModule from 'robots-parser';
import { gunzipSync } from 'node:zlib';
import { FetchError } from './fetch-error.js';
import { USER_AGENT, type SiteHttp } from './http.js';

// robots-parser is CommonJS (module.exports = the function) while its types declare an ES default export
const robotsParser = robotsModule as unknown as typeof robotsModule.default;

export interface Robots {
  /** True when the rules let docgraph fetch `url`. */
  allowed(url: string): boolean;
  /** Seconds between requests the site asks for (Crawl-delay), if any. */
  crawlDelay?: number;
  /** Sitemap URLs the site lists. */
  sitemaps: string[];
}

/**
 * The rules of `origin/robots.txt`. No file (4xx) allows everything; a
 * server error after the retries means "do not crawl" (RFC 9309 §2.3.1.3)
 * and is thrown as a FetchError.
 */
export async function fetchRobots(http: SiteHttp, origin: string): Promise<Robots> {
  const url = `${origin}/robots.txt`;
  // redirects of robots.txt are followed on the same origin only
  const r = await http.get(url, { follow: (t) => t.origin === origin });
  if (r.status >= 500 || r.status === 429) throw new FetchError(url, `${url} answered HTTP ${r.status}; a site whose robots.txt fails is not crawled (RFC 9309)`);
  if (r.status !== 200) return { allowed: () => true, sitemaps: [] };
  const rules = robotsParser(url, r.body.toString('utf8'));
  const delay = rules.getCrawlDelay(USER_AGENT);
  return {
    allowed: (u) => rules.isAllowed(u, USER_AGENT) !== false,
    ...(delay !== undefined && delay > 0 ? { crawlDelay: delay } : {}),
    sitemaps: rules.getSitemaps(),
  };
}

/** At most this many sitemap files are read (a sitemap index may list many). */
const MAX_SITEMAPS = 20;
/** At most this many page URLs are taken from sitemaps. */
const MAX_SITEMAP_URLS = 50_000;

/**
 * The page URLs the sitemaps list (following sitemap indexes, same origin
 * only). `seeds`: the sitemap URLs to start from. A sitemap that is missing
 * or broken is passed over: sitemaps are a hint, the links are the truth.
 */
export async function sitemapUrls(http: SiteHttp, seeds: readonly string[], origin: string): Promise<string[]> {
  const parser = new XMLParser({ ignoreAttributes: true, isArray: (name) => name === 'url' || name === 'sitemap', processEntities: true });
  const todo = [...new Set(seeds)];
  const seen = new Set<string>();
  const pages: string[] = [];
  while (todo.length > 0 && seen.size < MAX_SITEMAPS && pages.length < MAX_SITEMAP_URLS) {
    const url = todo.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    let doc: { urlset?: { url?: { loc?: unknown }[] }; sitemapindex?: { sitemap?: { loc?: unknown }[] } };
    try {
      if (new URL(url).origin !== origin) continue;
      const r = await http.get(url, { follow: (t) => t.origin === origin });
      if (r.status !== 200) continue;
      const body = url.endsWith('.gz') || r.body.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b])) ? gunzipSync(r.body, { maxOutputLength: 64 * 1024 * 1024 }) : r.body;
      doc = parser.parse(body.toString('utf8')) as typeof doc;
    } catch {
      continue;
    }
    for (const u of doc.urlset?.url ?? []) if (typeof u.loc === 'string') pages.push(u.loc.trim());
    for (const s of doc.sitemapindex?.sitemap ?? []) if (typeof s.loc === 'string') todo.push(s.loc.trim());
  }
  return pages.slice(0, MAX_SITEMAP_URLS);
}
