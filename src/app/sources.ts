/**
 * Named, versioned sources (`docgraph add`, `sources`, `refresh`, `remove`,
 * and the `sources:` of the config file, refreshed on schedule by `serve`).
 * A source is registered, then read like any folder: its location is made
 * ready as a folder (a folder is one already), planned and indexed in jobs.
 */
import { existsSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { sourceId } from '../domain/ids.js';
import { checkSourceName, checkSourceVersion, durationMs, folderSourceName, parseSourceSpec, sourceLabel } from '../domain/sources.js';
import type { ConfigSource } from '../config/config.js';
import type { IngestReport } from '../ingest/ingest.js';
import { formatOf } from '../parse/input.js';
import type { Logger } from '../observability/logger.js';
import { folderRoot } from '../sources/filesystem.js';
import { globMatcher } from '../sources/globs.js';
import { gitLocationKey, parseGitLocation, redact, syncCheckout, type GitLocation } from '../sources/git.js';
import { npmLocationKey, npmPackageDir, npmSourceName, parseNpmLocation, resolveNpm, syncNpmPackage, type NpmOptions } from '../sources/npm.js';
import type { CrawlProgress } from '../sources/web/crawl.js';
import { isWebLocation, looksLikeGitUrl, pagesDir } from '../sources/web/site.js';
import { pickWebFlags, syncWebSite, webOptions, webSourceName, type WebFlags, type WebOptions } from '../sources/web/source.js';
import { sourceTaken } from '../store/rows.js';
import type { SourceRecord, Store } from '../store/store.js';
import type { Ingestion, IngestRunOptions } from './ingestion.js';

/** What `docgraph add` (and a config file's `sources:` entry) asks for. */
export interface AddSourceRequest {
  /** A folder, or a git repository (any URL git understands, or github:owner/repo[@ref][/subdir]). */
  location: string;
  /** Git: the branch, tag or commit to track (default: the remote's HEAD). */
  ref?: string;
  /** Git: the folder of the repository to index (default: all of it). */
  subdir?: string;
  /** Default: the folder's name. */
  name?: string;
  version?: string;
  /** Globs (relative to the source) of the files to index; default all. */
  include?: string[];
  /** Globs of files and folders to leave out. */
  exclude?: string[];
  /** How often `serve` refreshes it (ms); none: only on demand. */
  refreshMs?: number;
  /** Git: the environment variable holding this source's webhook secret (the name is stored, never the secret). */
  webhookSecretEnv?: string;
  /** Website: crawl limits and `allowPrivate`. */
  web?: WebFlags;
  /** npm package: the registry (default: npm's configuration). */
  registry?: string;
}

/** How a source run reports the fetch of a website or package (the CLI's progress bar). */
export interface SourceRunOptions extends IngestRunOptions {
  onFetch?: (p: CrawlProgress) => void;
}

/** What adding or refreshing one source did. */
export interface SourceRun {
  source: SourceRecord;
  report: IngestReport;
  /** Websites: what the crawl did; npm packages: the version downloaded. */
  fetch?: Record<string, unknown>;
}

/** The options a source keeps (`SourceRecord.options`). */
interface StoredOptions {
  /** Git sources: where and what to check out. */
  git?: GitLocation;
  /** Website sources: the start URL and crawl limits. */
  web?: WebOptions;
  /** npm package sources: package, range, registry. */
  npm?: NpmOptions;
  include?: string[];
  exclude?: string[];
  refreshMs?: number;
  webhookSecretEnv?: string;
}

export class SourceService {
  constructor(
    private readonly store: Store,
    private readonly ingestion: Ingestion,
    /** Where git sources are checked out (one folder per source). */
    private readonly cacheDir: string,
    /** The config file's `sources:`. */
    private readonly configured: readonly ConfigSource[] = [],
    /** Where `.npmrc` of the project is looked for. */
    private readonly cwd: string = process.cwd(),
  ) {}

  /**
   * Registers a source and indexes it. Nothing stays registered when it
   * fails: a missing folder or a taken name is refused before anything is
   * written; a failure while indexing removes what was written, then the
   * source, and rethrows.
   */
  async add(req: AddSourceRequest, run: SourceRunOptions = {}): Promise<SourceRun> {
    const remote = await this.remote(req);
    if (remote && req.webhookSecretEnv !== undefined) {
      throw new InvalidInputError('--webhook-secret-env is for git repositories (webhooks refresh them)', { field: 'webhookSecretEnv', allowed: 'a git URL (https://, ssh://, file://, user@host:path) or github:owner/repo' });
    }
    if (remote) return this.register(remote.kind, remote.root, remote.options, run, remote.name, remote.version);
    if (req.web || req.registry !== undefined) {
      throw new InvalidInputError(`${req.web ? 'crawl flags (--max-pages, --max-depth, --concurrency, --rate, --allow-private)' : '--registry'} are for ${req.web ? 'websites' : 'npm packages'}`, { field: req.web ? 'location' : 'registry', allowed: req.web ? 'an http(s) URL of a docs site' : 'npm:<name>[@<range>]' });
    }
    const git = parseGitLocation(req.location, { ...(req.ref !== undefined ? { ref: req.ref } : {}), ...(req.subdir !== undefined ? { subdir: req.subdir } : {}) });
    if (!git && (req.ref !== undefined || req.subdir !== undefined)) {
      throw new InvalidInputError('--ref and --subdir are for git repositories', { field: req.ref !== undefined ? 'ref' : 'subdir', allowed: 'a git URL (https://, ssh://, file://, user@host:path) or github:owner/repo' });
    }
    const root = git ? gitLocationKey(git) : folderRoot(req.location);
    const name = req.name !== undefined ? checkSourceName(req.name) : folderSourceName(git ? git.url.replace(/\.git\/?$/, '') : root);
    const version = req.version === undefined ? null : checkSourceVersion(req.version);
    const options: StoredOptions = {
      ...(git ? { git } : {}),
      ...(req.include?.length ? { include: req.include } : {}),
      ...(req.exclude?.length ? { exclude: req.exclude } : {}),
      ...(req.refreshMs !== undefined ? { refreshMs: req.refreshMs } : {}),
      ...(req.webhookSecretEnv !== undefined ? { webhookSecretEnv: checkEnvName(req.webhookSecretEnv) } : {}),
    };
    if (!git && req.webhookSecretEnv !== undefined) {
      throw new InvalidInputError('--webhook-secret-env is for git repositories (webhooks refresh them)', { field: 'webhookSecretEnv', allowed: 'a git URL (https://, ssh://, file://, user@host:path) or github:owner/repo' });
    }
    return this.register(git ? 'git' : 'fs', root, options, run, name, version);
  }

  /** A website or npm package location: its kind, key, options, and default name and version; undefined for a folder or git repository. */
  private async remote(req: AddSourceRequest): Promise<{ kind: 'web' | 'npm'; root: string; options: StoredOptions; name: string; version: string | null } | undefined> {
    const common: StoredOptions = {
      ...(req.include?.length ? { include: req.include } : {}),
      ...(req.exclude?.length ? { exclude: req.exclude } : {}),
      ...(req.refreshMs !== undefined ? { refreshMs: req.refreshMs } : {}),
    };
    const pick = (): string | null => (req.version === undefined ? null : checkSourceVersion(req.version));
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(req.location.trim())?.[1]?.toLowerCase();
    if (scheme !== undefined && !['http', 'https', 'ssh', 'git', 'file'].includes(scheme)) {
      throw new InvalidInputError(`${scheme}: URLs cannot be added`, { field: 'location', allowed: 'a folder, a git repository (https://…/repo.git, ssh://, git://, file://, github:owner/repo), a website (http:// or https://) or npm:<name>[@<range>]' });
    }
    const npm = parseNpmLocation(req.location);
    if (npm) {
      const o: NpmOptions = { ...npm, ...(req.registry !== undefined ? { registry: req.registry } : {}), ...(req.version === undefined ? { versionFromPackage: true } : {}) };
      // the version is the one the range resolves to now, unless given
      const version = pick() ?? (await resolveNpm(o, this.cwd)).pkg.version;
      return { kind: 'npm', root: npmLocationKey(npm), options: { ...common, npm: o }, name: req.name !== undefined ? checkSourceName(req.name) : npmSourceName(npm.name), version };
    }
    if (isWebLocation(req.location) && req.ref === undefined && req.subdir === undefined && !looksLikeGitUrl(req.location)) {
      const web = webOptions(req.location, req.web ?? {});
      return { kind: 'web', root: web.url, options: { ...common, web }, name: req.name !== undefined ? checkSourceName(req.name) : webSourceName(web.url), version: pick() };
    }
    return undefined;
  }

  /** Registers and indexes a source; nothing stays registered when that fails. */
  private async register(kind: string, root: string, options: StoredOptions, run: SourceRunOptions, name: string, version: string | null): Promise<SourceRun> {
    const id = sourceId(kind, root);
    const all = await this.store.sources();
    const same = all.find((s) => s.id === id);
    if (same) {
      throw new InvalidInputError(`${kind === 'git' ? redact(root) : root} is already the source ${sourceLabel(same)}`, { field: 'location', allowed: `another location, or \`docgraph refresh ${sourceLabel(same)}\` to index it again` });
    }
    if (all.some((s) => s.name === name && s.version === version)) throw sourceTaken({ name, version });
    const source: SourceRecord = { id, kind, location: root, createdAt: new Date().toISOString(), name, version, options: { ...options }, revision: null, refreshedAt: null };
    try {
      return await this.index(source, run);
    } catch (e) {
      await this.purge(source, run.log).catch((cleanup: unknown) => run.log?.warn({ err: cleanup, source: sourceLabel(source) }, 'could not remove the source that failed to add'));
      throw e;
    }
  }

  /**
   * Refreshes one source (`name[@version]`), or every source when `spec` is
   * undefined (registering first the config file's `sources:` not yet
   * registered): indexes what changed.
   */
  async refresh(spec: string | undefined, run: SourceRunOptions = {}): Promise<SourceRun[]> {
    const out: SourceRun[] = [];
    if (spec === undefined) {
      const added = new Set<string>();
      for (const entry of this.configured) {
        if (await this.registered(entry)) continue;
        const r = await this.add(addRequest(entry), run);
        added.add(r.source.id);
        out.push(r);
      }
      for (const s of await this.store.sources()) if (!added.has(s.id)) out.push(await this.index(s, run));
      return out;
    }
    out.push(await this.index(await this.find(spec), run));
    return out;
  }

  /**
   * `serve`: registers the config file's sources not yet registered, then
   * refreshes each that has a `refresh` interval on that schedule (one
   * refresh of a source at a time; a refresh queues jobs and returns, the
   * server's worker does them). `stop` clears the timers and waits for a
   * refresh under way.
   */
  schedule(log?: Logger): { stop: () => Promise<void> } {
    const timers: NodeJS.Timeout[] = [];
    const running = new Set<Promise<unknown>>();
    const busy = new Set<ConfigSource>();
    const run: IngestRunOptions = { wait: false, ...(log ? { log } : {}) };
    const once = (entry: ConfigSource, first: boolean): void => {
      if (busy.has(entry)) return; // the previous refresh is still planning
      busy.add(entry);
      const p = (async () => {
        const known = await this.registered(entry);
        const r = known ? await this.index(known, run) : first ? await this.add(addRequest(entry), run) : undefined;
        if (r) log?.info({ source: sourceLabel(r.source), queued: r.report.jobs?.queued ?? 0 }, 'source refreshed');
      })()
        .catch((e: unknown) => log?.error({ err: e, location: entry.location }, 'source refresh failed'))
        .finally(() => {
          busy.delete(entry);
          running.delete(p);
        });
      running.add(p);
    };
    for (const entry of this.configured) {
      once(entry, true);
      const every = entry.refresh === undefined ? undefined : durationMs(entry.refresh);
      if (every !== undefined) timers.push(setInterval(() => once(entry, false), Math.max(every, 1000)));
    }
    return {
      stop: async () => {
        for (const t of timers) clearInterval(t);
        await Promise.all(running);
      },
    };
  }

  /**
   * The git sources that track a repository (any of `urls`, compared as
   * host/path without scheme, user or `.git`) and `branch` (a source with no
   * ref tracks `defaultBranch`); every such source when `branch` is unknown.
   */
  async trackingRepository(urls: readonly string[], branch: string | undefined, defaultBranch: string | undefined): Promise<SourceRecord[]> {
    const wanted = new Set(urls.map(repoKey));
    return (await this.store.sources()).filter((s) => {
      const git = (s.options as StoredOptions).git;
      if (!git || !wanted.has(repoKey(git.url))) return false;
      return branch === undefined || (git.ref ?? defaultBranch) === branch;
    });
  }

  /** Starts a refresh that queues the source's jobs (a server's worker does them); errors are logged. */
  refreshInBackground(source: SourceRecord, log?: Logger): void {
    void this.index(source, { wait: false, ...(log ? { log } : {}) }).catch((e: unknown) => log?.error({ err: e, source: sourceLabel(source) }, 'source refresh failed'));
  }

  /**
   * The secret a source's webhook deliveries are signed with: its config
   * entry's `webhookSecret`, else the environment variable its entry or
   * `docgraph add --webhook-secret-env` named; undefined when it has none of
   * its own (the server's `server.webhookSecret` applies), null when the
   * variable it names is not set (its deliveries are refused).
   */
  webhookSecret(source: SourceRecord): string | null | undefined {
    const entry = this.configured.find((e) => entryId(e) === source.id);
    if (entry?.webhookSecret !== undefined) return entry.webhookSecret;
    const env = entry?.webhookSecretEnv ?? (source.options as StoredOptions).webhookSecretEnv;
    if (env === undefined) return undefined;
    const value = process.env[env];
    return value !== undefined && value !== '' ? value : null;
  }

  /** The registered source a config entry names (by its location), if any. */
  private async registered(entry: ConfigSource): Promise<SourceRecord | undefined> {
    const id = entryId(entry);
    if (id === undefined) return undefined;
    return (await this.store.sources()).find((s) => s.id === id);
  }

  /**
   * Removes a source (`name[@version]`): its documents leave the index in
   * jobs, one per document, each atomic; then the source (and a git
   * source's checkout). Returns how many documents left.
   */
  async remove(spec: string, o: { signal?: AbortSignal; log?: Logger } = {}): Promise<{ source: SourceRecord; removed: number }> {
    const source = await this.find(spec);
    const removed = await this.purge(source, o.log, o.signal);
    return { source, removed };
  }

  /** The one source `name[@version]` names; NOT_FOUND, or INVALID_INPUT (ambiguous) when a name without a version has several. */
  async find(spec: string): Promise<SourceRecord> {
    const { name, version } = parseSourceSpec(spec);
    const all = await this.store.sources();
    const named = all.filter((s) => s.name === name);
    const match = version === undefined ? named : named.filter((s) => s.version === version);
    if (match.length === 1) return match[0]!;
    if (match.length > 1) {
      throw new InvalidInputError(`ambiguous: ${name} has ${match.length} versions: ${match.map(sourceLabel).join(', ')}`, { field: 'source', allowed: match.map(sourceLabel).join(', ') });
    }
    throw new NotFoundError(`no source ${spec}`, { hint: all.length ? `sources: ${all.map(sourceLabel).join(', ')}` : 'no sources yet: add one with `docgraph add <folder>`' });
  }

  private async index(source: SourceRecord, run: SourceRunOptions): Promise<SourceRun> {
    const opts = source.options as StoredOptions;
    const ignore = sourceIgnore(opts);
    let dir = source.location;
    let revision = source.revision;
    let uris: string[] | undefined;
    let fetch: Record<string, unknown> | undefined;
    if (opts.web) {
      // conditional re-crawl: only the pages that changed or went away are planned
      const sync = await syncWebSite(opts.web, this.checkoutOf(source), source.revision, { ...(opts.include ? { include: opts.include } : {}), ...(opts.exclude ? { exclude: opts.exclude } : {}), ...(run.onFetch ? { onProgress: run.onFetch } : {}), ...(run.signal ? { signal: run.signal } : {}) });
      ({ dir, revision } = sync);
      uris = sync.uris;
      fetch = { crawl: sync.crawl };
    } else if (opts.npm) {
      // resolve again: a new version is downloaded and indexed, the same one is nothing to do
      const sync = await syncNpmPackage(opts.npm, this.checkoutOf(source), source.revision, this.cwd);
      ({ dir, revision } = sync);
      uris = sync.uris;
      fetch = { package: sync.package };
      if (opts.npm.versionFromPackage && source.version !== sync.revision) {
        source = { ...source, version: sync.revision };
        await this.store.upsertSource(source, { rename: true });
      }
    } else if (opts.git) {
      // fetch + diff: only the files that changed since the commit indexed last are planned
      const sync = await syncCheckout(opts.git, this.checkoutOf(source), source.revision);
      dir = this.rootOf(source);
      if (!existsSync(dir)) throw new InvalidInputError(`${opts.git.subdir ?? ''} is not a folder of ${redact(opts.git.url)} at ${sync.revision.slice(0, 12)}`, { field: 'subdir' });
      revision = sync.revision;
      if (sync.changed) {
        const prefix = opts.git.subdir === undefined ? '' : `${opts.git.subdir}/`;
        uris = sync.changed.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
      }
    }
    const report = await this.ingestion.ingest(dir, { ...run, source, ...(ignore ? { ignore } : {}), ...(uris ? { uris } : {}) });
    const at = new Date().toISOString();
    await this.store.markRefreshed(source.id, revision, at);
    return { source: { ...source, revision, refreshedAt: at }, report, ...(fetch ? { fetch } : {}) };
  }

  /** Where a git source's checkout lives: the cache folder, one per source. */
  private checkoutOf(source: SourceRecord): string {
    return join(this.cacheDir, source.id);
  }

  /** The folder a source's files are read from. */
  private rootOf(source: SourceRecord): string {
    const o = source.options as StoredOptions;
    if (o.web) return pagesDir(this.checkoutOf(source));
    if (o.npm) return npmPackageDir(this.checkoutOf(source));
    const git = o.git;
    if (!git) return source.location;
    return git.subdir === undefined ? this.checkoutOf(source) : join(this.checkoutOf(source), git.subdir);
  }

  /** Removes every document of the source in jobs, then the source. */
  private async purge(source: SourceRecord, log?: Logger, signal?: AbortSignal): Promise<number> {
    const uris = (await this.store.listDocuments(source.id)).map((d) => d.uri);
    if (uris.length > 0) await this.ingestion.removeDocuments(source.id, this.rootOf(source), uris, { ...(log ? { log } : {}), ...(signal ? { signal } : {}) });
    const left = (await this.store.listDocuments(source.id)).length;
    if (left > 0) {
      throw new InvalidInputError(`${left} documents of ${sourceLabel(source)} were written while it was being removed; run \`docgraph remove ${sourceLabel(source)}\` again`, { field: 'source' });
    }
    await this.store.deleteSource(source.id);
    const o = source.options as StoredOptions;
    if (o.git || o.web || o.npm) rmSync(this.checkoutOf(source), { recursive: true, force: true });
    return uris.length;
  }
}

/** The id of the source a config entry names (by its location); undefined for a folder that does not exist. */
function entryId(entry: ConfigSource): string | undefined {
  const npm = parseNpmLocation(entry.location);
  if (npm) return sourceId('npm', npmLocationKey(npm));
  if (isWebLocation(entry.location) && entry.ref === undefined && entry.subdir === undefined && !looksLikeGitUrl(entry.location)) return sourceId('web', webOptions(entry.location, {}).url);
  const git = parseGitLocation(entry.location, { ...(entry.ref !== undefined ? { ref: entry.ref } : {}), ...(entry.subdir !== undefined ? { subdir: entry.subdir } : {}) });
  if (git) return sourceId('git', gitLocationKey(git));
  try {
    return sourceId('fs', folderRoot(entry.location));
  } catch {
    return undefined;
  }
}

/** An environment variable's name, as `--webhook-secret-env` takes it. */
function checkEnvName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new InvalidInputError(`"${name}" is not an environment variable name`, { field: 'webhookSecretEnv', allowed: 'letters, digits and _, not starting with a digit, e.g. DOCS_WEBHOOK_SECRET' });
  }
  return name;
}

/** A repository URL as host/path, lower-case, without scheme, user, port or `.git`: `git@h:o/r.git` and `https://h/o/r` agree. */
function repoKey(url: string): string {
  const t = url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]+@/, '').replace(/^([^/:]+):(?!\d+\/)/, '$1/').replace(/:\d+\//, '/');
  return t.replace(/\.git\/?$/, '').replace(/\/+$/, '').toLowerCase();
}

function addRequest(e: ConfigSource): AddSourceRequest {
  const refreshMs = e.refresh === undefined ? undefined : durationMs(e.refresh);
  const req: AddSourceRequest = {
    location: e.location,
    ...(e.name !== undefined ? { name: e.name } : {}),
    ...(e.version !== undefined ? { version: e.version } : {}),
    ...(e.ref !== undefined ? { ref: e.ref } : {}),
    ...(e.subdir !== undefined ? { subdir: e.subdir } : {}),
    ...(e.include ? { include: e.include } : {}),
    ...(e.exclude ? { exclude: e.exclude } : {}),
    ...(refreshMs !== undefined ? { refreshMs } : {}),
    ...(e.webhookSecretEnv !== undefined ? { webhookSecretEnv: e.webhookSecretEnv } : {}),
    ...(e.registry !== undefined ? { registry: e.registry } : {}),
  };
  const web = pickWebFlags(e);
  return web ? { ...req, web } : req;
}

/** The files a source's include/exclude globs leave out; undefined when it has none. */
export function sourceIgnore(o: StoredOptions): ((uri: string) => boolean) | undefined {
  if (!o.include?.length && !o.exclude?.length) return undefined;
  const excluded = globMatcher(o.exclude ?? []);
  const included = o.include?.length ? globMatcher(o.include) : undefined;
  // include applies to files only: a folder is walked to find the files it holds
  return (uri) => excluded(uri) || (included !== undefined && formatOf(basename(uri)) !== undefined && !included(uri));
}
