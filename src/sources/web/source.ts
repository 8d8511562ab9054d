/** A website source as SourceService keeps it: the crawl settings stored with it, and one sync (crawl into the cache). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../domain/errors.js';
import { crawlSite, pagesDir, type CrawlProgress, type CrawlReport } from './crawl.js';
import { parseSite } from './site.js';

/** What `docgraph add <url>` stores for a website source (`SourceRecord.options.web`). */
export interface WebOptions {
  url: string;
  maxPages?: number;
  maxDepth?: number;
  concurrency?: number;
  /** Requests per second against the host. */
  rate?: number;
  allowPrivate?: boolean;
}

/** The crawl flags as given, checked: INVALID_INPUT with the allowed range. */
export interface WebFlags {
  maxPages?: number;
  maxDepth?: number;
  concurrency?: number;
  rate?: number;
  allowPrivate?: boolean;
}

const LIMITS: Record<'maxPages' | 'maxDepth' | 'concurrency' | 'rate', [number, number, string]> = {
  maxPages: [1, 1_000_000, 'max-pages'],
  maxDepth: [0, 1000, 'max-depth'],
  concurrency: [1, 64, 'concurrency'],
  rate: [0.01, 1000, 'rate'],
};

/** The stored options of a website source at `url`; throws on a bad URL or a flag out of range. */
export function webOptions(url: string, f: WebFlags): WebOptions {
  const scope = parseSite(url);
  for (const key of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const v = f[key];
    if (v === undefined) continue;
    const [min, max, flag] = LIMITS[key];
    if (!Number.isFinite(v) || v < min || v > max || (key !== 'rate' && !Number.isInteger(v))) {
      throw new InvalidInputError(Number.isNaN(v) ? `--${flag} is not a number` : `--${flag} ${v} is out of range`, { field: key, allowed: `${key === 'rate' ? 'a number' : 'a whole number'} from ${min} to ${max}` });
    }
  }
  return {
    url: scope.start,
    ...(f.maxPages !== undefined ? { maxPages: f.maxPages } : {}),
    ...(f.maxDepth !== undefined ? { maxDepth: f.maxDepth } : {}),
    ...(f.concurrency !== undefined ? { concurrency: f.concurrency } : {}),
    ...(f.rate !== undefined ? { rate: f.rate } : {}),
    ...(f.allowPrivate ? { allowPrivate: true } : {}),
  };
}

/** The name a website source gets when none is given: its host name (`docs.example.com`). */
export function webSourceName(url: string): string {
  const host = new URL(url).hostname.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return host === '' ? 'site' : host.slice(0, 100);
}

export interface WebSync {
  /** The folder to index. */
  dir: string;
  /** A digest of the pages and their checksums: what is indexed now. */
  revision: string;
  /** The uris to plan (changed and removed); undefined: every page (a first crawl). */
  uris?: string[];
  crawl: CrawlReport;
}

/** Crawls the site into `cache`; `since`: the revision indexed last (null: index every page). */
export async function syncWebSite(web: WebOptions, cache: string, since: string | null, o: { include?: readonly string[]; exclude?: readonly string[]; onProgress?: (p: CrawlProgress) => void; signal?: AbortSignal }): Promise<WebSync> {
  // without the last crawl's record (cache cleared) every page is looked at, so pages gone from the site leave the index too
  const known = since !== null && existsSync(join(cache, 'crawl.json'));
  const crawl = await crawlSite(parseSite(web.url), cache, {
    ...(web.maxPages !== undefined ? { maxPages: web.maxPages } : {}),
    ...(web.maxDepth !== undefined ? { maxDepth: web.maxDepth } : {}),
    ...(web.concurrency !== undefined ? { concurrency: web.concurrency } : {}),
    ...(web.rate !== undefined ? { rate: web.rate } : {}),
    ...(web.allowPrivate ? { allowPrivate: true } : {}),
    ...(o.include ? { include: o.include } : {}),
    ...(o.exclude ? { exclude: o.exclude } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { dir: pagesDir(cache), revision: crawl.digest, ...(known ? { uris: [...crawl.changed, ...crawl.removed] } : {}), crawl };
}
