/**
 * An npm package source as SourceService keeps it (`npm:<name>[@<range>]`):
 * the settings stored with it, and one sync: resolve the range again; a new
 * version is downloaded, checked and unpacked into the cache (replacing the
 * old one only once it is complete) and indexed; the same version is
 * nothing to do.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { npmConfig, parseNpmLocation, registryFor, resolvePackage, type NpmLocation, type ResolvedPackage } from './npm-registry.js';
import type { UnpackReport } from './npm-package.js';
import type { SiteHttp } from './web/http.js';

/** What `docgraph add npm:…` stores (`SourceRecord.options.npm`). */
export interface NpmOptions extends NpmLocation {
  /** The registry given with --registry; otherwise npm's configuration is read at each sync. */
  registry?: string;
  /** True when the source's version is the resolved version (no --version given): a refresh to a new version renames it. */
  versionFromPackage?: boolean;
}

export { parseNpmLocation };

/** The name an npm source gets when none is given: the package name, `@scope/pkg` → `scope-pkg`. */
export function npmSourceName(name: string): string {
  return name.replace(/^@/, '').replace('/', '-');
}

/** The key an npm source is registered by: `npm:name@range`. */
export function npmLocationKey(n: NpmLocation): string {
  return `npm:${n.name}@${n.range}`;
}

/** The version `o.range` resolves to now, and where from. */
export async function resolveNpm(o: NpmOptions, cwd: string): Promise<{ pkg: ResolvedPackage; registry: string; config: Map<string, string> }> {
  const config = npmConfig(cwd);
  const registry = registryFor(o.name, config, o.registry);
  const http = await npmHttp();
  try {
    return { pkg: await resolvePackage(http, o, registry, config), registry, config };
  } finally {
    await http.close();
  }
}

/** The HTTP client (cockatiel) and the tarball reader (tar) load on a sync's first request, not with the CLI. */
async function npmHttp(): Promise<SiteHttp> {
  const { SiteHttp } = await import('./web/http.js');
  // the registry is the user's own choice (often on their network): private addresses are allowed
  return new SiteHttp({ allowPrivate: true, timeoutMs: 60_000, retries: 3, backoffMs: 500, maxBytes: 200 * 1024 * 1024 });
}

export interface NpmSync {
  /** The folder to index (the package's documents). */
  dir: string;
  /** The version resolved. */
  revision: string;
  /** [] when the version indexed is still the one resolved (nothing to do); undefined: look at every file. */
  uris?: string[];
  /** What was downloaded: the tarball, and the entries left out. */
  package: { name: string; version: string; registry: string; tarball?: string; files?: number; skipped?: UnpackReport['skipped'] };
}

/** The folder of the cache an npm source's documents are read from. */
export function npmPackageDir(cache: string): string {
  return join(cache, 'package');
}

/** Resolves, and downloads when the version differs from `since` (the version indexed last). */
export async function syncNpmPackage(o: NpmOptions, cache: string, since: string | null, cwd: string, resolved?: Awaited<ReturnType<typeof resolveNpm>>): Promise<NpmSync> {
  const { pkg, registry, config } = resolved ?? (await resolveNpm(o, cwd));
  const dir = npmPackageDir(cache);
  const about = { name: pkg.name, version: pkg.version, registry };
  if (since === pkg.version && existsSync(dir)) return { dir, revision: pkg.version, uris: [], package: about };
  const next = join(cache, 'package.next');
  const http = await npmHttp();
  let unpacked: UnpackReport;
  try {
    const { fetchPackage } = await import('./npm-package.js');
    unpacked = await fetchPackage(http, pkg, registry, config, next);
  } finally {
    await http.close();
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(next, dir);
  return { dir, revision: pkg.version, package: { ...about, tarball: pkg.tarball, files: unpacked.files.length, skipped: unpacked.skipped } };
}
