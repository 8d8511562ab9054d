import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { App } from '../app/app.js';
import { loadConfig, searchThreads, type Config } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { MCP_CLIENTS, mcpClientSnippet, type LaunchSpec, type McpClient } from './mcp-config.js';

interface GlobalOptions {
  index?: string;
  store?: string;
  redis?: string;
  config?: string;
}

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

const CONFIG_FILES = ['docgraph.config.yaml', 'docgraph.config.yml', 'docgraph.config.json'];

function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be a whole number from 0 to 65535 (0 picks a free port)');
  return n;
}

function configFor(cmd: Command, server?: { host?: string; port?: number; requireKey?: boolean; allowAdminTools?: boolean }): Config {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig({ file: g.config, overrides: { index: g.index, store: g.store, redis: g.redis, ...(server ? { server } : {}) } });
}

/** Resolves when the process is asked to stop (SIGINT, SIGTERM) or `extra` fires. */
function untilStopped(extra?: Promise<void>): { done: Promise<void>; signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const aborted = new Promise<void>((r) => ac.signal.addEventListener('abort', () => r(), { once: true }));
  return {
    done: extra ? Promise.race([aborted, extra]) : aborted,
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Adds `mcp`, `serve` and `mcp-config` to the CLI. */
export function registerMcpCommands(program: Command): void {
  program
    .command('mcp')
    .description('Serve the index to an AI assistant over MCP on stdin/stdout (Claude Desktop, Claude Code, Cursor, VS Code). Logs go to stderr.')
    .option('--allow-admin-tools', 'also offer the tools add_source, refresh_source and remove_source, which change the index (env DOCGRAPH_ALLOW_ADMIN_TOOLS)')
    .addHelpText('after', '\nRegister it with your assistant: docgraph mcp-config --client claude-desktop|claude-code|cursor|vscode')
    .action(async (opts: { allowAdminTools?: boolean }, cmd: Command) => {
      // stdout carries only the protocol: anything a library prints goes to stderr instead
      console.log = console.info = console.debug = console.warn = console.error;
      const config = configFor(cmd, opts.allowAdminTools ? { allowAdminTools: true } : undefined);
      const log = createLogger(config.logLevel, undefined, { secrets: [config.server.apiKey, config.embedder.apiKey] });
      const app = await App.open(config, { log });
      const stop = untilStopped();
      try {
        // loaded here, not at the top: every other command starts faster without the MCP SDK and the HTTP stack
        const { serveStdio } = await import('../mcp/stdio.js');
        await serveStdio({ app, tokenBudget: config.server.tokenBudget, log, ...(config.server.allowAdminTools ? { adminSources: app.registry } : {}) }, stop.signal);
      } finally {
        stop.dispose();
        await app.close();
      }
    });

  program
    .command('serve')
    .description('Run the HTTP server: the web console at / (search, documents, operations), REST under /v1 (reference at /docs), MCP over Streamable HTTP at /mcp, /health, /health/ready and /metrics. Binds 127.0.0.1 unless told otherwise.')
    .option('--host <address>', 'address to bind (default 127.0.0.1, env DOCGRAPH_HOST); a non-loopback address needs an API key (docgraph keys create, or DOCGRAPH_API_KEY)')
    .option('--port <n>', 'port (default 7700, env DOCGRAPH_PORT); 0 picks a free one', portArg)
    .option('--require-key', 'refuse requests without an API key on a loopback bind too (env DOCGRAPH_REQUIRE_KEY)')
    .option('--no-worker', 'do not run a queue worker in this process (run `docgraph worker` separately)')
    .option('--allow-admin-tools', 'offer the MCP tools add_source, refresh_source and remove_source (callers over HTTP need an admin key; env DOCGRAPH_ALLOW_ADMIN_TOOLS)')
    .addHelpText('after', '\nPrints "docgraph: listening on <url>" on stderr when ready; stops cleanly on Ctrl-C / SIGTERM (a second signal exits at once).\nAlso runs a queue worker (unless --no-worker) and keeps the `watch` folders of the config indexed.')
    .action(async (opts: { host?: string; port?: number; worker: boolean; requireKey?: boolean; allowAdminTools?: boolean }, cmd: Command) => {
      const config = configFor(cmd, { ...(opts.host !== undefined ? { host: opts.host } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.requireKey ? { requireKey: true } : {}), ...(opts.allowAdminTools ? { allowAdminTools: true } : {}) });
      // A server's garbage is short-lived request data that survives a scavenge or two. By default V8 lets
      // the old generation grow to about four times what is live before it collects, so RSS kept climbing
      // for minutes under load (32 MB live, 163 MB of heap); growing by at most 2x keeps it near 105 MB
      // with no more collections than before (docs/benchmarks.md, "Load and shedding"). V8 reads the
      // flag at every collection, so setting it here, before serving, takes effect.
      setFlagsFromString('--heap-growing-percent=100');
      // spans are exported only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise the SDK is not even loaded
      const { startTracing } = await import('../observability/tracing.js');
      const { VERSION } = await import('../mcp/server.js');
      const tracing = await startTracing(VERSION);
      // an access line per request: written in batches (observability/logger.ts)
      const log = createLogger(config.logLevel, undefined, { secrets: [config.server.apiKey, config.embedder.apiKey], batch: { bytes: 8192, flushMs: 200 } });
      const app = await App.open(config, { log });
      const stop = untilStopped();
      // searches run on threads of their own (server.searchThreads), so queries use every core and the event loop stays free
      const threads = searchThreads(config);
      const pool =
        threads > 0
          ? new (await import('../app/search-pool.js')).SearchPool(config, threads, {
              // threads that cannot start: searches run on the event loop, as with searchThreads 0
              here: (query, options) => app.search(query, options),
              onUnavailable: (cause) =>
                log.warn(
                  { reason: cause.message },
                  `search threads could not be used (${cause.message}): searching on the event loop instead; reinstall docgraph if its files are damaged, or set server.searchThreads: 0 to search on the event loop from the start`,
                ),
            })
          : undefined;
      // the search threads hold the embedder breakers: status and /health/ready report theirs
      if (pool) app.reportBreakerOf(() => pool.embedderBreaker());
      try {
        const { startHttpServer } = await import('../http/server.js');
        const { searchingOn } = await import('../app/search-pool.js');
        const server = await startHttpServer(
          { app: pool ? searchingOn(app, pool) : app, tokenBudget: config.server.tokenBudget, log, service: app, checkFolder: (dir) => App.checkSourceFolder(dir) },
          config,
        );
        void pool?.warm(); // in the background: requests are served meanwhile
        // a write to the index by any process of the fleet (announced through Redis): tell the MCP clients, at most twice a second
        await app.onIndexChange(atMostEvery(500, () => server.indexChanged()));
        const background = await app.ingestion.background({ worker: opts.worker, log, onEvent: (e) => server.metrics.workerEvent(e) }).catch(async (e: unknown) => {
          await server.close();
          throw e;
        });
        // the config file's sources: registered now, then refreshed on their schedules (their jobs go to the worker)
        const refreshing = app.registry.schedule(log);
        const { keyRequired } = await import('../http/server.js');
        err(`docgraph: listening on ${server.url} (console at ${server.url}/, REST at ${server.url}/v1, reference at ${server.url}/docs, MCP at ${server.url}/mcp${keyRequired(config.server) ? '; API key required' : ''})\n`);
        await stop.done;
        err('docgraph: shutting down\n');
        await refreshing.stop();
        await background.stop();
        await server.close();
      } finally {
        stop.dispose();
        await pool?.close();
        await app.close();
        await tracing?.shutdown();
      }
    });

  program
    .command('mcp-config')
    .description("Print the snippet that registers docgraph with an AI assistant, with this machine's absolute paths filled in.")
    .addOption(new Option('--client <client>', 'which assistant (default: all of them)').choices([...MCP_CLIENTS]))
    .option('--http [url]', 'use the Streamable HTTP endpoint of `docgraph serve` instead of stdio (default http://127.0.0.1:<port>/mcp)')
    .action((opts: { client?: McpClient; http?: string | true }, cmd: Command) => {
      const config = configFor(cmd);
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const script = fileURLToPath(new URL('../../bin/docgraph.js', import.meta.url));
      const configFile = g.config ? resolve(g.config) : CONFIG_FILES.map((f) => resolve(f)).find((f) => existsSync(f));
      // a PostgreSQL store goes into the snippet without its password (the client gives it as PGPASSWORD or ~/.pgpass)
      const pgStore = config.store !== undefined && /^postgres(ql)?:\/\//i.test(config.store) ? new URL(config.store) : undefined;
      if (pgStore?.password) {
        pgStore.password = '';
        err('note: the snippet leaves out the database password: give it to the assistant as PGPASSWORD in its environment, or in ~/.pgpass\n');
      }
      const spec: LaunchSpec = {
        node: process.execPath,
        script,
        index: pgStore ? pgStore.toString() : config.index,
        ...(configFile ? { configFile } : {}),
        ...(opts.http ? { url: opts.http === true ? `http://127.0.0.1:${config.server.port}/mcp` : opts.http, auth: config.server.apiKey !== undefined } : {}),
      };
      const clients = opts.client ? [opts.client] : [...MCP_CLIENTS];
      for (const client of clients) {
        const snippet = mcpClientSnippet(client, spec);
        if (clients.length > 1) out(`# ${client}: paste into ${snippet.where}\n`);
        else err(`# paste into ${snippet.where}\n`);
        out(snippet.text + '\n' + (clients.length > 1 ? '\n' : ''));
      }
      if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) {
        err('note: bin/docgraph.js runs the built CLI; run `npm run build` in the docgraph folder first\n');
      }
      if (!spec.url && !pgStore && !existsSync(config.index)) err(`note: there is no index at ${config.index} yet; run \`docgraph ingest <folder>\` first\n`);
    });
}

/** `f`, run at most once per `ms` however often the result is called: a burst of calls runs it once, `ms` after the first. */
function atMostEvery(ms: number, f: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  return () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      f();
    }, ms).unref();
  };
}
