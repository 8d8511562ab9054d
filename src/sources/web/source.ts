/** A website source as SourceService keeps it: the crawl settings stored with it, and one sync (crawl into the cache). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors.js';
import type { CrawlProgress, CrawlReport } from './crawl.js';
import { pagesDir, parseSite } from './site.js';

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

/** Each crawl flag's name in JSON (MCP add_source's arguments), where names are snake_case. */
const JSON_NAMES = { maxPages: 'max_pages', maxDepth: 'max_depth', concurrency: 'concurrency', rate: 'rate', allowPrivate: 'allow_private' } as const satisfies Record<keyof WebFlags, string>;

/** WebFlags under their JSON names (max_pages, max_depth, allow_private). */
export type WebFlagsJson = { [K in keyof WebFlags as (typeof JSON_NAMES)[K]]?: WebFlags[K] };

/** The bounds of the numeric crawl flags, for the zod fields and for webOptions: min, max, whole numbers only, the CLI flag. */
const LIMITS = {
  maxPages: { min: 1, max: 1_000_000, whole: true, flag: 'max-pages' },
  maxDepth: { min: 0, max: 1000, whole: true, flag: 'max-depth' },
  concurrency: { min: 1, max: 64, whole: true, flag: 'concurrency' },
  rate: { min: 0.01, max: 1000, whole: false, flag: 'rate' },
} as const;
type Bounded = keyof typeof LIMITS;

const allowed = (key: Bounded): string => `${LIMITS[key].whole ? 'a whole number' : 'a number'} from ${LIMITS[key].min} to ${LIMITS[key].max}`;

/** A zod number within a crawl flag's bounds; a bad value says what it was and what is allowed. */
function boundedNumber(key: Bounded): z.ZodNumber {
  const { min, max, whole } = LIMITS[key];
  const error = (iss: { input?: unknown }): string => {
    const v = iss.input;
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${JSON.stringify(v) ?? String(v)} is not ${allowed(key)}`;
    return `${v} is ${whole && !Number.isInteger(v) ? 'not a whole number' : 'out of range'} (${allowed(key)})`;
  };
  const n = z.number({ error });
  return (whole ? n.int({ error }) : n).min(min, { error }).max(max, { error });
}

/** The crawl flags as zod fields, one definition for the config file's sources and (under their JSON names, webFlagJsonFields) MCP add_source. */
export const webFlagFields = {
  maxPages: boundedNumber('maxPages').optional().describe('Website: most pages kept (default 1000).'),
  maxDepth: boundedNumber('maxDepth').optional().describe('Website: most link hops from the start URL (default 10).'),
  concurrency: boundedNumber('concurrency').optional().describe('Website: requests in flight at once (default 4).'),
  rate: boundedNumber('rate').optional().describe('Website: requests per second against the host (default 8; robots.txt Crawl-delay lowers it).'),
  allowPrivate: z.boolean().optional().describe('Website: crawl a site on a private, loopback or link-local address (default false).'),
};

/** webFlagFields under their JSON names, for MCP add_source's input. */
export const webFlagJsonFields = {
  [JSON_NAMES.maxPages]: webFlagFields.maxPages,
  [JSON_NAMES.maxDepth]: webFlagFields.maxDepth,
  [JSON_NAMES.concurrency]: webFlagFields.concurrency,
  [JSON_NAMES.rate]: webFlagFields.rate,
  [JSON_NAMES.allowPrivate]: webFlagFields.allowPrivate,
};

/**
 * The crawl flags `o` gives (named as in WebFlags, or with `names: 'json'`
 * as in JSON), other keys left out; undefined when none is given. A flag given
 * as false (allowPrivate) counts as given.
 */
export function pickWebFlags(o: WebFlags): WebFlags | undefined;
export function pickWebFlags(o: WebFlagsJson, names: 'json'): WebFlags | undefined;
export function pickWebFlags(o: WebFlags | WebFlagsJson, names?: 'json'): WebFlags | undefined {
  const given = o as Readonly<Record<string, unknown>>;
  const f: Record<string, unknown> = {};
  for (const key of Object.keys(JSON_NAMES) as (keyof WebFlags)[]) {
    const v = given[names === 'json' ? JSON_NAMES[key] : key];
    if (v !== undefined) f[key] = v;
  }
  return Object.keys(f).length > 0 ? (f as WebFlags) : undefined;
}

/** The stored options of a website source at `url`; throws on a bad URL or a flag out of range. */
export function webOptions(url: string, f: WebFlags): WebOptions {
  const scope = parseSite(url);
  for (const key of Object.keys(LIMITS) as Bounded[]) {
    const v = f[key];
    if (v === undefined) continue;
    const { min, max, whole, flag } = LIMITS[key];
    if (!Number.isFinite(v) || v < min || v > max || (whole && !Number.isInteger(v))) {
      throw new InvalidInputError(Number.isNaN(v) ? `--${flag} is not a number` : `--${flag} ${v} is out of range`, { field: key, allowed: allowed(key) });
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
  // the crawler (HTTP client, robots, HTML link extraction) loads only when a site is crawled
  const { crawlSite } = await import('./crawl.js');
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
