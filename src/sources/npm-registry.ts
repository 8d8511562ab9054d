/**
 * npm package sources: `npm:<name>[@<range>]`. Which registry (npm's own
 * configuration: `--registry`, env `npm_config_registry`, the project's and
 * the user's `.npmrc`, scoped `@scope:registry=`), the packument, and the
 * version a range or dist-tag resolves to (semver, the way npm picks: the
 * `latest` tag when it satisfies the range, else the highest match).
 * Tokens come only from `.npmrc` (`//host/:_authToken=`, `${ENV}` expanded)
 * and are never logged.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Semver from 'semver';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { FetchError } from './web/fetch-error.js';
import type { SiteHttp } from './web/http.js';

let semverLib: typeof Semver | undefined;
/** semver (some 50 modules), loaded when an npm location is first read: every CLI command imports this module. */
function semverOf(): typeof Semver {
  return (semverLib ??= createRequire(import.meta.url)('semver') as typeof Semver);
}

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

/** `npm:name@range` read. */
export interface NpmLocation {
  name: string;
  /** A semver range or a dist-tag; default `latest`. */
  range: string;
}

const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const TAG = /^[A-Za-z][A-Za-z0-9._-]*$/;

/** Reads `npm:<name>[@<range>]`; undefined for a location that does not start with `npm:`. */
export function parseNpmLocation(location: string): NpmLocation | undefined {
  const t = location.trim();
  if (!t.startsWith('npm:')) return undefined;
  const spec = t.slice(4);
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  const name = at < 0 ? spec : spec.slice(0, at);
  const range = at < 0 ? 'latest' : spec.slice(at + 1).trim();
  if (!NAME.test(name) || name.length > 214) {
    throw new InvalidInputError(`"${name}" is not an npm package name`, { field: 'location', allowed: 'npm:<name>[@<range>], e.g. npm:express, npm:@scope/pkg@^2 or npm:react@next' });
  }
  if (range === '' || (semverOf().validRange(range) === null && !TAG.test(range))) {
    throw new InvalidInputError(`"${range}" is neither a semver range nor a dist-tag`, { field: 'location', allowed: 'a version (1.2.3), a range (^1.2, ~1.2.3, >=2 <3) or a dist-tag (latest, next)' });
  }
  return { name, range };
}

/** The npm configuration docgraph reads: `.npmrc` lines, later files winning, then env. */
export function npmConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const config = new Map<string, string>();
  const userrc = env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? join(homedir(), '.npmrc');
  for (const file of [userrc, join(cwd, '.npmrc')]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      let value = line.slice(eq + 1).trim();
      if (/^".*"$|^'.*'$/.test(value)) value = value.slice(1, -1);
      config.set(key, value.replace(/\$\{([^}]+)\}/g, (_, v: string) => env[v] ?? ''));
    }
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const m = /^npm_config_(.+)$/i.exec(k);
    if (m) config.set(m[1]!.toLowerCase() === 'registry' ? 'registry' : m[1]!, v);
  }
  return config;
}

/** The registry for `name`: `flag`, else the package's scope's registry, else `registry`, else the public one. Always ends in `/`. */
export function registryFor(name: string, config: ReadonlyMap<string, string>, flag?: string): string {
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  const url = flag ?? (scope ? config.get(`${scope}:registry`) : undefined) ?? config.get('registry') ?? DEFAULT_REGISTRY;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError(`registry "${url}" is not a URL`, { field: 'registry', allowed: 'an http(s) URL, e.g. https://registry.npmjs.org/' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidInputError(`registry ${url} is not http(s)`, { field: 'registry', allowed: 'an http(s) URL' });
  if (u.username || u.password) throw new InvalidInputError('the registry URL carries credentials', { field: 'registry', allowed: 'a URL without credentials; put a token in .npmrc (//host/:_authToken=${NPM_TOKEN})' });
  return u.href.endsWith('/') ? u.href : `${u.href}/`;
}

/** The Authorization header for `url` from `.npmrc` (`//host/path/:_authToken`), the longest matching path winning. */
export function authFor(url: string, config: ReadonlyMap<string, string>): Record<string, string> {
  const u = new URL(url);
  const segs = u.pathname.split('/').filter((p) => p !== '');
  for (let i = segs.length; i >= 0; i--) {
    const token = config.get(`//${u.host}/${segs.slice(0, i).map((p) => `${p}/`).join('')}:_authToken`);
    if (token) return { authorization: `Bearer ${token}` };
  }
  return {};
}

/** One version of a package, as the registry lists it. */
export interface ResolvedPackage {
  name: string;
  version: string;
  tarball: string;
  /** Subresource Integrity string (`sha512-…`), when the registry gives one. */
  integrity?: string;
  /** sha1 hex of the tarball (older packages). */
  shasum?: string;
}

interface Packument {
  name?: string;
  'dist-tags'?: Record<string, string>;
  versions?: Record<string, { dist?: { tarball?: string; integrity?: string; shasum?: string } }>;
}

/** Fetches the packument of `loc.name` from `registry` and picks the version `loc.range` names. */
export async function resolvePackage(http: SiteHttp, loc: NpmLocation, registry: string, config: ReadonlyMap<string, string>): Promise<ResolvedPackage> {
  const url = `${registry}${loc.name.replace('/', '%2f')}`;
  const r = await http.get(url, { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8', ...authFor(registry, config) } });
  if (r.status === 404) throw new NotFoundError(`no package ${loc.name} in the registry ${registry}`, { hint: 'check the name, or give the registry that has it with --registry' });
  if (r.status !== 200) throw new FetchError(url, `the registry ${registry} answered HTTP ${r.status} for ${loc.name}`, { retryable: r.status >= 500 });
  let doc: Packument;
  try {
    doc = JSON.parse(r.body.toString('utf8')) as Packument;
  } catch {
    throw new FetchError(url, `the registry ${registry} answered for ${loc.name} with something that is not JSON`, { retryable: false });
  }
  const semver = semverOf();
  const versions = Object.keys(doc.versions ?? {}).filter((v) => semver.valid(v) !== null);
  const tags = doc['dist-tags'] ?? {};
  let version: string | undefined;
  if (tags[loc.range] !== undefined) version = tags[loc.range];
  else if (semver.validRange(loc.range) !== null) {
    const latest = tags.latest;
    version = latest !== undefined && versions.includes(latest) && semver.satisfies(latest, loc.range) ? latest : (semver.maxSatisfying(versions, loc.range) ?? undefined);
  }
  const meta = version === undefined ? undefined : doc.versions?.[version];
  if (version === undefined || !meta?.dist?.tarball) {
    const newest = semver.rsort([...versions]).slice(0, 5).join(', ');
    throw new NotFoundError(`no version of ${loc.name} matches ${loc.range}`, { hint: versions.length ? `newest versions: ${newest}; dist-tags: ${Object.keys(tags).join(', ') || 'none'}` : 'the package has no versions' });
  }
  const dist = meta.dist;
  return { name: loc.name, version, tarball: new URL(dist.tarball!, registry).href, ...(dist.integrity ? { integrity: dist.integrity } : {}), ...(dist.shasum ? { shasum: dist.shasum } : {}) };
}
