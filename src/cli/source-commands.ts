/**
 * `docgraph add`, `sources`, `refresh`, `remove`: named, versioned sources.
 * Each parses flags, makes one call into the app (`App.registry`), prints.
 */
import type { Command } from 'commander';
import type { App } from '../app/app.js';
import type { SourceRun } from '../app/sources.js';
import { sourceLabel } from '../domain/sources.js';
import { createLogger } from '../observability/logger.js';
import { pickWebFlags } from '../sources/web/source.js';
import { EXIT } from './errors.js';
import { backpressureNote, printIngest, stopOnSignals } from './ingest-commands.js';
import { jsonText } from './json.js';
import { ingestProgress } from './progress.js';
import { fetchProgress } from './fetch-progress.js';
import { printFetch } from './fetch-output.js';

type WithApp = <T>(cmd: Command, create: boolean, fn: (app: App) => Promise<T>) => Promise<T>;
const out = (s: string): void => void process.stdout.write(s);

/** Registers the source commands. */
export function registerSourceCommands(program: Command, withApp: WithApp, setExit: (code: number) => void): void {
  program
    .command('add')
    .description('Add a source (a library: a folder of .md/.html/.pdf/.docx files, a git repository, a website or an npm package) with a name and a version, and index it. If indexing fails, nothing stays registered.')
    .argument('<location>', 'a folder, a git URL (ending in .git, ssh://, file://, user@host:path) or github:owner/repo[@ref][/subdir], a website (http(s)://host/docs/), or npm:<name>[@<range>]')
    .option('--ref <ref>', 'git: the branch, tag or commit to track (default: the remote HEAD)')
    .option('--subdir <path>', 'git: the folder of the repository to index, e.g. docs')
    .option('--name <name>', 'the library name (default: the folder name); letters, digits, ".", "_", "-"')
    .option('--version <version>', 'the library version, e.g. 18.2 (default: none); several versions of one name live side by side')
    .option('--include <glob...>', 'index only files matching these globs (relative to the source), e.g. "guide/**"')
    .option('--exclude <glob...>', 'leave out files and folders matching these globs, e.g. "**/CHANGELOG.md"')
    .option('--webhook-secret-env <var>', 'git: the environment variable that holds this repository\'s webhook secret (for POST /webhooks/github|gitlab; default: server.webhookSecret). The name is stored, never the secret.')
    .option('--max-pages <n>', 'website: most pages kept (default 1000)', Number)
    .option('--max-depth <n>', 'website: most link hops from the start URL (default 10)', Number)
    .option('--concurrency <n>', 'website: requests in flight at once (default 4)', Number)
    .option('--rate <n>', 'website: requests per second against the host (default 8; robots.txt Crawl-delay lowers it)', Number)
    .option('--allow-private', 'website: crawl a site on a private, loopback or link-local address (refused by default)')
    .option('--registry <url>', 'npm: the registry (default: npm config: npm_config_registry, .npmrc, else https://registry.npmjs.org/)')
    .option('--json', 'print the source and the ingest report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ docgraph add ./docs                                 a source named "docs"\n  $ docgraph add ../react/docs --name react --version 18\n  $ docgraph add ./site --exclude "drafts/**" --json\n  $ docgraph add github:nodejs/node@v22.x/doc --name node --version 22\n  $ docgraph add https://git.example.com/team/docs.git --ref main --subdir guide\n  $ docgraph add https://docs.example.com/guide/ --name example --max-pages 500 --rate 4\n  $ docgraph add npm:express@^5 --registry https://registry.npmjs.org/\n\nWebsites are crawled within the origin and path of the start URL (robots.txt and the sitemap honoured); pages are cited by their path under it (guide/install.html, a folder URL as index.html); refresh asks again with ETag/Last-Modified and indexes only the pages that changed. Private and loopback addresses are refused unless --allow-private. npm packages: the README and Markdown/HTML docs of the tarball (integrity checked); the version the range resolves to is the source version, and refresh moves to a newer one.\n\nGit repositories are cloned shallow into .docgraph/sources beside the index; refresh fetches and indexes only the files that changed. Credentials come from git (credential helper, SSH keys) or the environment, never from the URL.\n\nThen: docgraph search "useEffect cleanup" --source react --version 18; docgraph refresh react@18; docgraph remove react@18.',
    )
    .action(async (location: string, opts: { name?: string; version?: string; ref?: string; subdir?: string; include?: string[]; exclude?: string[]; webhookSecretEnv?: string; json?: boolean; registry?: string; maxPages?: number; maxDepth?: number; concurrency?: number; rate?: number; allowPrivate?: boolean }, cmd: Command) => {
      await withApp(cmd, true, async (app) => {
        const web = pickWebFlags(opts);
        const run = await withProgress(app, !opts.json, (r) =>
          app.registry.add(
            { location, ...(opts.ref !== undefined ? { ref: opts.ref } : {}), ...(opts.subdir !== undefined ? { subdir: opts.subdir } : {}), ...(opts.name !== undefined ? { name: opts.name } : {}), ...(opts.version !== undefined ? { version: opts.version } : {}), ...(opts.include ? { include: opts.include } : {}), ...(opts.exclude ? { exclude: opts.exclude } : {}), ...(opts.webhookSecretEnv !== undefined ? { webhookSecretEnv: opts.webhookSecretEnv } : {}), ...(web ? { web } : {}), ...(opts.registry !== undefined ? { registry: opts.registry } : {}) },
            r,
          ),
        );
        printRuns([run], opts.json, setExit);
      });
    });

  program
    .command('sources')
    .description('List the sources (libraries) of the index: name, version, kind, documents, when last refreshed, and where they come from.')
    .option('--json', 'print as JSON (the fields list_sources gives over MCP and GET /v1/sources over REST; no locations)')
    .addHelpText('after', '\nExamples:\n  $ docgraph sources\n  $ docgraph sources --json')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const all = await app.listSources();
        if (opts.json) {
          out(jsonText({ sources: all.map((s) => ({ name: s.name, version: s.version, kind: s.kind, documents: s.documents, createdAt: s.createdAt, refreshedAt: s.refreshedAt })) }));
          return;
        }
        if (all.length === 0) {
          out('No sources yet: add one with `docgraph add <folder>` or `docgraph ingest <folder>`.\n');
          return;
        }
        for (const s of all) {
          out(`${sourceLabel(s)}  ${s.kind}  ${s.documents} documents  ${s.refreshedAt ? `refreshed ${s.refreshedAt}` : `added ${s.createdAt}`}\n  ${s.location}\n`);
        }
      });
    });

  program
    .command('refresh')
    .description('Index what changed in a source (NAME or NAME@VERSION), or in every source when none is named.')
    .argument('[source]', 'NAME or NAME@VERSION (`docgraph sources` lists them)')
    .option('--json', 'print each source and its ingest report as JSON')
    .addHelpText('after', '\nExamples:\n  $ docgraph refresh react@18\n  $ docgraph refresh            every source')
    .action(async (spec: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      // the config file's sources may make the index
      await withApp(cmd, spec === undefined, async (app) => {
        const runs = await withProgress(app, !opts.json, (r) => app.registry.refresh(spec, r));
        printRuns(runs, opts.json, setExit, spec === undefined);
      });
    });

  program
    .command('remove')
    .description('Remove a source (NAME or NAME@VERSION) and its documents from the index. Documents leave in jobs, each atomically; the files are not touched.')
    .argument('<source>', 'NAME or NAME@VERSION')
    .option('--json', 'print what was removed as JSON')
    .addHelpText('after', '\nExamples:\n  $ docgraph remove react@17\n  $ docgraph remove docs --json')
    .action(async (spec: string, opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const stop = stopOnSignals('remove', app.config.worker.graceMs);
        try {
          const r = await app.registry.remove(spec, { signal: stop.signal, log: createLogger(app.config.logLevel) });
          if (opts.json) out(jsonText({ name: r.source.name, version: r.source.version, removedDocuments: r.removed }));
          else out(`removed ${sourceLabel(r.source)} (${r.removed} documents)\n`);
        } finally {
          stop.dispose();
        }
      });
    });
}

async function withProgress<T>(app: App, show: boolean, fn: (run: NonNullable<Parameters<App['registry']['add']>[1]>) => Promise<T>): Promise<T> {
  const bar = ingestProgress(show);
  const crawl = fetchProgress(show);
  const stop = stopOnSignals('ingest', app.config.worker.graceMs);
  try {
    return await fn({
      onProgress: (p) => {
        crawl.stop();
        bar.update(p);
      },
      onFetch: crawl.update,
      log: createLogger(app.config.logLevel),
      onBackpressure: backpressureNote,
      signal: stop.signal,
    });
  } finally {
    crawl.stop();
    bar.stop();
    stop.dispose();
  }
}

/** `list`: a list of sources (`refresh` of every source) even when it holds one; else the one source. */
function printRuns(runs: readonly SourceRun[], json: boolean | undefined, setExit: (code: number) => void, list = false): void {
  if (json) out(jsonText(!list && runs.length === 1 && runs[0] ? wire(runs[0]) : { sources: runs.map(wire) }));
  for (const r of runs) {
    if (!json) {
      out(`${sourceLabel(r.source)}:\n`);
      printFetch(r.fetch);
      printIngest(r.report, true);
    }
    if (r.report.failed?.some((f) => f.state === 'dead')) setExit(EXIT.failure);
  }
}

function wire(r: SourceRun): Record<string, unknown> {
  return { name: r.source.name, version: r.source.version, kind: r.source.kind, revision: r.source.revision, refreshedAt: r.source.refreshedAt, ...(r.fetch ? r.fetch : {}), report: r.report };
}

