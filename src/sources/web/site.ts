/**
 * A website source's location and scope, and how a page URL becomes the
 * uri it is cited by. Pure rules, no I/O.
 *
 * - The location is an http(s) URL; its scope is the same origin and the
 *   path prefix of the start URL (`https://h/docs/` → everything under
 *   `/docs/`; `https://h/docs/intro.html` → under `/docs/`; `https://h/docs`
 *   → `/docs` itself and under `/docs/`).
 * - A page's uri is its path inside the prefix, decoded: `/docs/guide/install.html`
 *   → `guide/install.html`; a folder URL (`/docs/`, `/docs/guide/`) →
 *   `index.html` inside it; an extension-less URL (`/docs/guide/setup`) →
 *   `guide/setup.html` (or `.md` for a Markdown answer). Queries and fragments
 *   are not part of a page.
 */
import { join } from 'node:path';
import { InvalidInputError } from '../../domain/errors.js';
import { formatOf } from '../../parse/input.js';
import { globMatcher } from '../globs.js';

/** True for a location `docgraph add` reads as a website rather than a git repository. */
export function isWebLocation(location: string): boolean {
  return /^https?:\/\//i.test(location.trim());
}

/** Hosts whose two-segment paths are repositories (`https://github.com/owner/repo` is cloned, not crawled). */
const GIT_HOSTS = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org']);

/**
 * True when an http(s) URL names a git repository: it ends in `.git`, or it
 * is `owner/repo` on a known forge. Anything else over http(s) is a website.
 */
export function looksLikeGitUrl(location: string): boolean {
  let u: URL;
  try {
    u = new URL(location.trim());
  } catch {
    return false;
  }
  if (/\.git\/?$/i.test(u.pathname)) return true;
  const parts = u.pathname.split('/').filter((p) => p !== '');
  return GIT_HOSTS.has(u.hostname.toLowerCase()) && parts.length === 2;
}

export interface SiteScope {
  /** The start URL, normalized (no fragment, no query). */
  start: string;
  origin: string;
  /** Path prefix every page lies under, ending in `/`. */
  prefix: string;
  /** The prefix without its slash (`/docs` for `https://h/docs`) is in scope too, when given so. */
  bare?: string;
}

/** Reads a website location; INVALID_INPUT for anything but an http(s) URL with a host and without credentials. */
export function parseSite(location: string): SiteScope {
  let u: URL;
  try {
    u = new URL(location.trim());
  } catch {
    throw new InvalidInputError(`"${location}" is not a URL`, { field: 'location', allowed: 'an http:// or https:// URL, e.g. https://example.com/docs/' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InvalidInputError(`${u.protocol} URLs cannot be crawled`, { field: 'location', allowed: 'an http:// or https:// URL, e.g. https://example.com/docs/' });
  }
  if (u.username || u.password) throw new InvalidInputError('the site URL carries a user name or password', { field: 'location', allowed: 'a URL without credentials' });
  u.hash = '';
  u.search = '';
  const path = u.pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  let prefix: string;
  let bare: string | undefined;
  if (path.endsWith('/')) prefix = path;
  else if (last.includes('.')) prefix = path.slice(0, path.lastIndexOf('/') + 1);
  else {
    prefix = `${path}/`;
    bare = path;
  }
  return { start: u.href, origin: u.origin, prefix, ...(bare !== undefined ? { bare } : {}) };
}

/** The page a link or redirect names: no fragment, no query; undefined when it is not http(s). */
export function pageUrl(href: string, base: string): URL | undefined {
  let u: URL;
  try {
    u = new URL(href, base);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  u.hash = '';
  u.search = '';
  return u;
}

/** True when `u` is on the site's origin and under its prefix. */
export function inScope(scope: SiteScope, u: URL): boolean {
  if (u.origin !== scope.origin) return false;
  return u.pathname.startsWith(scope.prefix) || u.pathname === scope.bare;
}

/**
 * The uri a page is cited by; `markdown` when the page answered with a
 * Markdown type (an extension-less one then ends in `.md`). Undefined when
 * the path cannot be decoded.
 */
export function pageUri(scope: SiteScope, u: URL, markdown = false): string | undefined {
  let rel = u.pathname === scope.bare ? '' : u.pathname.slice(scope.prefix.length);
  try {
    rel = rel
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    return undefined;
  }
  if (rel.split('/').some((s) => s === '..' || s === '.' || s.includes('\\') || s.includes('\0'))) return undefined;
  if (rel === '' || rel.endsWith('/')) return `${rel}index.html`;
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (formatOf(name) !== undefined) return rel;
  return `${rel}${markdown ? '.md' : '.html'}`;
}

/** Whether a uri passes the source's include/exclude globs. */
export function uriFilter(include: readonly string[] | undefined, exclude: readonly string[] | undefined): (uri: string) => boolean {
  const ex = globMatcher(exclude ?? []);
  const inc = include?.length ? globMatcher(include) : undefined;
  return (uri) => !ex(uri) && (inc === undefined || inc(uri));
}

/** Where a website source's crawled pages are kept, under its cache folder. */
export function pagesDir(cache: string): string {
  return join(cache, 'pages');
}
