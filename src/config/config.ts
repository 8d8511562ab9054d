import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { delimiter, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../domain/errors.js';
import { docsPath } from '../domain/docs-path.js';
import { DURATION, SOURCE_NAME, SOURCE_VERSION } from '../domain/sources.js';
import { SYNONYM_WORD } from '../domain/text.js';
import { webFlagFields } from '../sources/web/source.js';

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** `docgraph serve` and `docgraph mcp` (HTTP binding, access control, response budget). */
const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Address `docgraph serve` binds (env DOCGRAPH_HOST, flag --host). A non-loopback address requires an API key: apiKey, or keys made with `docgraph keys create`.'),
    port: z.number().int().min(0).max(65535).default(7700).describe('TCP port of `docgraph serve`; 0 picks a free one (env DOCGRAPH_PORT, flag --port).'),
    apiKey: z.string().min(16).regex(/^[A-Za-z0-9._~+/-]+=*$/, 'letters, digits and ._~+/- only').optional().describe('An admin API key from the environment: when set, every request to /v1, /mcp and /metrics needs an API key (this one, or one made with `docgraph keys create`). At least 16 characters of A–Z, a–z, 0–9 and ._~+/- (env DOCGRAPH_API_KEY).'),
    webhookSecret: z.string().min(16).optional().describe('The secret of `POST /webhooks/github` (X-Hub-Signature-256) and `/webhooks/gitlab` (X-Gitlab-Token): a push refreshes the git sources of that repository and branch. At least 16 characters (env DOCGRAPH_WEBHOOK_SECRET); without it every delivery is refused.'),
    allowAdminTools: z.boolean().default(false).describe('Register the MCP admin tools add_source, refresh_source and remove_source (flag --allow-admin-tools on `serve` and `mcp`, env DOCGRAPH_ALLOW_ADMIN_TOOLS). Over HTTP they also need a key with the admin scope.'),
    requireKey: z.boolean().default(false).describe('Refuse requests to /v1, /mcp and /metrics that carry no API key, on a loopback bind too (flag --require-key, env DOCGRAPH_REQUIRE_KEY). Keys are always required when apiKey is set or the bind is not loopback.'),
    allowedHosts: z.array(z.string()).default([]).describe('Host header names accepted besides localhost, 127.0.0.1 and [::1] (DNS-rebinding protection).'),
    allowedOrigins: z.array(z.string()).default([]).describe('Browser Origins accepted besides http(s)://localhost, 127.0.0.1 and [::1] on any port.'),
    tokenBudget: z
      .number()
      .int()
      .min(1000)
      .max(100_000)
      .default(4000)
      .describe('Most tokens (≈4 chars each) one MCP tool response or resource read may hold; longer results come with partial: true and a cursor, longer documents in pages (docgraph://doc/{uri}?page=N) (env DOCGRAPH_TOKEN_BUDGET).'),
    eventStoreMaxBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(32 * 1024 * 1024)
      .describe('Most bytes of MCP messages `docgraph serve` keeps so clients can resume a lost stream (Last-Event-ID), across all sessions; the oldest go first (env DOCGRAPH_EVENT_STORE_MAX_BYTES).'),
    maxConcurrent: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe('MCP requests that do work (tools/call, resources/read) `docgraph serve` runs at once; more wait in the queue. Default: with the builtin embedder one per search thread (searchThreads; 1 when searches run on the event loop), else 4 × the CPU cores (env DOCGRAPH_MAX_CONCURRENT).'),
    maxQueue: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .describe('Requests that may wait for a free slot; beyond it they get 503 with Retry-After at once. Default: 50 × the CPU cores (env DOCGRAPH_MAX_QUEUE).'),
    queueDeadlineMs: z
      .number()
      .int()
      .min(1)
      .max(600_000)
      .default(1000)
      .describe('Longest a request waits in the queue, in ms; past it, it gets 503 with Retry-After (env DOCGRAPH_QUEUE_DEADLINE_MS).'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1)
      .max(600_000)
      .default(30_000)
      .describe('Longest a REST request under /v1 may take, in ms; past it the client gets 503 with Retry-After (the work still finishes, holding its slot) (env DOCGRAPH_REQUEST_TIMEOUT_MS).'),
    searchThreads: z
      .number()
      .int()
      .min(0)
      .max(64)
      .optional()
      .describe('Worker threads `docgraph serve` runs searches on, each with its own connection to the index; 0 runs them on the event loop. Default: the CPU cores, at most 4 (env DOCGRAPH_SEARCH_THREADS).'),
    accessLog: z.boolean().default(true).describe('`docgraph serve` logs one JSON line per request on stderr (method, route, status, duration_ms, req_id; secret query parameters redacted), whatever logLevel says (env DOCGRAPH_ACCESS_LOG).'),
    mcpStateless: z
      .boolean()
      .optional()
      .describe('Serve MCP over HTTP without sessions: every POST to /mcp stands alone (JSON answers, no SSE stream, no resumption, no change notifications), so any replica behind a load balancer can answer any request. Default false: sessions, which stay with the replica that opened them (env DOCGRAPH_MCP_STATELESS).'),
  })
  .strict()
  .default({ host: '127.0.0.1', port: 7700, allowAdminTools: false, requireKey: false, allowedHosts: [], allowedOrigins: [], tokenBudget: 4000, eventStoreMaxBytes: 32 * 1024 * 1024, queueDeadlineMs: 1000, requestTimeoutMs: 30_000, accessLog: true });

/** `docgraph serve`'s rate limit (http/rate-limit.ts). */
const rateLimitSchema = z
  .object({
    perMinute: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe('Requests a minute `docgraph serve` takes on /v1 and /mcp per API key, or per client address for requests without one; past it 429 with Retry-After. With --redis every replica counts against one limit (counted in each process while Redis is down). 0 (the default) turns the limit off (env DOCGRAPH_RATE_LIMIT).'),
  })
  .strict()
  .default({ perMinute: 0 });

/** Query expansion (src/search/synonyms.ts). */
const searchSchema = z
  .object({
    synonyms: z
      .array(
        z
          .array(z.string().trim().min(1).max(100))
          .min(2, 'a group needs the word the docs use and at least one variant')
          .max(100)
          .refine((g) => g.slice(1).every((w) => SYNONYM_WORD.test(w)), { message: 'variants (every word after the first) must be single words of letters and digits, e.g. k8s' }),
      )
      .max(10_000)
      .default([])
      .describe(
        'Your own query synonyms, added to the builtin ones: each group is [word the docs use, variant, ...], e.g. `[kubernetes, k8s]` or `[virtual environment, venv]`. A query word that is a variant also asks for the first entry (never the reverse); words inside identifiers (`ERR_X`, `maxSize`) do not expand.',
      ),
    builtinSynonyms: z
      .boolean()
      .default(true)
      .describe('Expand common abbreviations and everyday words (dir → directory, temp → temporary, env → environment, folder → directory, duplicate → copy; the list is BUILTIN_SYNONYMS in src/search/synonyms.ts).'),
    termScoreCacheMiB: z
      .number()
      .min(0)
      .max(65_536)
      .optional()
      .describe(
        "Memory for the SQLite index's term-score cache, in MiB, per process (and per search thread of `docgraph serve`): each query term's BM25 scores are kept between searches, so a common term is not scored again over every section that holds it. Changes only speed, never rankings. 0 keeps none. Default: 256 bytes per section of the index, at least 16 and at most 256 MiB (reached at 1M sections).",
      ),
  })
  .strict()
  .default({ synonyms: [], builtinSynonyms: true });

/** What `/health/ready` calls a stuck queue (http/health.ts). */
const healthSchema = z
  .object({
    maxPendingAgeMs: z.number().int().min(1000).default(900_000).describe('`/health/ready` answers 503 while the oldest pending job has waited longer than this, in ms (no worker is taking jobs).'),
    maxStaleLeases: z.number().int().min(0).default(5).describe('... or while more running jobs than this have an expired lease no reaper has handled.'),
  })
  .strict()
  .default({ maxPendingAgeMs: 900_000, maxStaleLeases: 5 });

/** The job queue behind ingest (docs/architecture.md, "Queue and workers"). */
const queueSchema = z
  .object({
    leaseMs: z.number().int().min(1000).default(30_000).describe('How long a worker holds a job without a heartbeat before the reaper hands it to another worker, in ms (env DOCGRAPH_QUEUE_LEASE_MS).'),
    heartbeatMs: z.number().int().min(100).optional().describe('How often a worker extends its leases, in ms; must be shorter than leaseMs. Default: a third of leaseMs (env DOCGRAPH_QUEUE_HEARTBEAT_MS).'),
    reaperIntervalMs: z.number().int().min(100).optional().describe('How often each worker puts expired leases back, in ms. Default: half of leaseMs, at least 1000 (env DOCGRAPH_QUEUE_REAPER_INTERVAL_MS).'),
    maxAttempts: z.number().int().min(1).max(100).default(5).describe('Attempts before a failing job goes to the dead letter queue (env DOCGRAPH_QUEUE_MAX_ATTEMPTS).'),
    backoffBaseMs: z.number().int().min(0).default(1000).describe('Delay before the first retry, in ms; doubles per attempt (with jitter) up to backoffMaxMs.'),
    backoffMaxMs: z.number().int().min(0).default(300_000).describe('Longest delay between retries, in ms.'),
    dlqRetentionDays: z.number().min(0).default(14).describe('Dead jobs are dropped this many days after they died.'),
    dlqMaxSize: z.number().int().min(1).default(10_000).describe('The dead letter queue keeps at most this many jobs, dropping the oldest.'),
    maxSize: z.number().int().min(1).default(100_000).describe('Most jobs pending or running at once; enqueueing beyond it fails (env DOCGRAPH_QUEUE_MAX_SIZE).'),
    highWater: z.number().min(0.01).max(1).default(0.8).describe('Producers (ingest, watch) pause when the queue holds this fraction of maxSize ...'),
    lowWater: z.number().min(0).max(0.99).default(0.6).describe('... and resume when it is back down to this fraction (must be below highWater).'),
    pauseTimeoutMs: z.number().int().min(0).default(600_000).describe('Longest a paused producer waits for the queue to drain before it gives up with QUEUE_FULL, in ms.'),
    finishedRetentionHours: z.number().min(0).default(24).describe('Completed and superseded jobs are kept this many hours (for `docgraph jobs`), then removed.'),
  })
  .strict()
  .default({ leaseMs: 30_000, maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 300_000, dlqRetentionDays: 14, dlqMaxSize: 10_000, maxSize: 100_000, highWater: 0.8, lowWater: 0.6, pauseTimeoutMs: 600_000, finishedRetentionHours: 24 });

/** Workers: `docgraph worker`, and the ones inside `docgraph serve`, `watch` and `ingest`. */
const workerSchema = z
  .object({
    concurrency: z.number().int().min(1).max(64).default(1).describe('Jobs one worker runs at once (env DOCGRAPH_WORKER_CONCURRENCY, flag --concurrency).'),
    graceMs: z.number().int().min(0).default(10_000).describe('On SIGTERM/SIGINT, how long jobs in flight may finish before they are handed back, in ms (env DOCGRAPH_WORKER_GRACE_MS).'),
    pollMs: z.number().int().min(10).max(60_000).default(250).describe('Longest an idle worker waits before looking for new jobs, in ms.'),
  })
  .strict()
  .default({ concurrency: 1, graceMs: 10_000, pollMs: 250 });

/** One entry of `sources:`: a library `docgraph refresh` registers and `serve` keeps current. */
const sourceEntrySchema = z
  .object({
    location: z.string().min(1).describe('A folder (relative to the working folder); a git repository: any URL git understands, or github:owner/repo[@ref][/subdir]; a website: an http(s) URL of a docs site (a URL ending in .git is a repository); an npm package: npm:<name>[@<range>].'),
    ref: z.string().min(1).optional().describe('Git: the branch, tag or commit to track (default: the remote HEAD).'),
    subdir: z.string().min(1).optional().describe('Git: the folder of the repository to index.'),
    name: z.string().regex(SOURCE_NAME, 'a letter or digit, then letters, digits, ".", "_" or "-"').optional().describe('Library name (default: the folder name).'),
    version: z.string().regex(SOURCE_VERSION, 'a letter or digit, then letters, digits, ".", "_", "+" or "-"').optional().describe('Library version (default: none).'),
    refresh: z.string().regex(DURATION, 'a duration such as 30s, 10m, 1h or 1d').optional().describe('How often `serve` refreshes it: 30s, 10m, 1h, 1d (default: only `docgraph refresh`).'),
    include: z.array(z.string().min(1)).optional().describe('Globs of the files to index (default: all).'),
    exclude: z.array(z.string().min(1)).optional().describe('Globs of files and folders to leave out.'),
    webhookSecret: z.string().min(16).optional().describe('Git: the secret of this repository\'s webhook (X-Hub-Signature-256 / X-Gitlab-Token), instead of server.webhookSecret. At least 16 characters; kept in memory, never in the index or the logs.'),
    webhookSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional().describe('Git: the environment variable holding this repository\'s webhook secret (as `docgraph add --webhook-secret-env`).'),
    ...webFlagFields,
    registry: z.string().url().optional().describe('npm package: the registry (default: npm\'s configuration, npm_config_registry or .npmrc, else https://registry.npmjs.org/).'),
  })
  .strict();

/** A `sources:` entry of the config file. */
export type ConfigSource = z.infer<typeof sourceEntrySchema>;

/** How file changes become jobs (`docgraph watch`, the `watch` list). */
const watcherSchema = z
  .object({
    debounceMs: z.number().int().min(0).max(60_000).default(150).describe('Changes are collected for this long after the last one before they are queued, in ms.'),
    stableMs: z.number().int().min(0).max(60_000).default(200).describe('A file is read only once its size has not changed for this long, so a file still being written is not read half-way, in ms.'),
  })
  .strict()
  .default({ debounceMs: 150, stableMs: 200 });

/** The load-shedding limits of `docgraph serve`, with the machine-derived defaults filled in. */
export interface ServerLimits {
  maxConcurrent: number;
  maxQueue: number;
  queueDeadlineMs: number;
}

/**
 * server.maxConcurrent, maxQueue and queueDeadlineMs with their defaults.
 * With the builtin embedder a search is CPU work from start to end, so one
 * slot per thread that searches (server.searchThreads, or the event loop):
 * more only interleave searches and stretch each one (measured in
 * docs/benchmarks.md, "Load and shedding"). With another embedder a search
 * also waits on it (a remote API, or ONNX threads), so 4 slots per CPU core
 * (`cores`, default os.availableParallelism()). The queue holds 50 places per core.
 */
export function serverLimits(config: Pick<Config, 'server' | 'embedder'>, cores: number = availableParallelism()): ServerLimits {
  const { server } = config;
  const n = Math.max(1, cores);
  return {
    maxConcurrent: server.maxConcurrent ?? (config.embedder.provider === 'builtin' ? Math.max(1, searchThreads(config, cores)) : 4 * n),
    maxQueue: server.maxQueue ?? 50 * n,
    queueDeadlineMs: server.queueDeadlineMs,
  };
}

/** Threads `docgraph serve` searches on (server.searchThreads; default the cores, at most 4); 0 = the event loop. */
export function searchThreads(config: Pick<Config, 'server'>, cores: number = availableParallelism()): number {
  return config.server.searchThreads ?? Math.min(4, Math.max(1, cores));
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/**
 * The one configuration schema. Layers apply in order: defaults, config file
 * (`docgraph.config.yaml|yml|json` in the working folder, or `--config`),
 * environment (`DOCGRAPH_*`), then command-line flags. docs/configuration.md
 * documents every key; a test checks the two agree.
 */
export const configSchema = z
  .object({
    index: z.string().min(1).default('.docgraph/index.db').describe('Path of the SQLite index file (env DOCGRAPH_INDEX, flag --index).'),
    store: z
      .string()
      .min(1)
      .optional()
      .describe('Where the index and the job queue live: a SQLite file path (then the same as index, which it overrides) or a postgres:// URL (the index and queue in one schema of that database: ?schema=NAME, default public; vector search ?vectors=auto|pgvector|memory, default auto = pgvector when the database has the extension; needs the optional pg package) (env DOCGRAPH_STORE, flag --store). Default: the index file.'),
    redis: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
      .optional()
      .describe('Redis for what the replicas of a PostgreSQL index share (the search result cache, change notifications): a redis:// or rediss:// URL; needs a postgres:// store and the optional ioredis package. Redis down is not an error: searches go on without the cache (env DOCGRAPH_REDIS, flag --redis).'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn').describe('Log level for stderr logs (env DOCGRAPH_LOG_LEVEL).'),
    embedder: z
      .object({
        provider: z.enum(['builtin', 'openai', 'transformers']).default('builtin').describe('Which embedder builds vectors (env DOCGRAPH_EMBEDDER).'),
        model: z.string().optional().describe('Model name (openai) or name/path (transformers) (env DOCGRAPH_EMBEDDER_MODEL).'),
        baseUrl: z.string().url().optional().describe('OpenAI-compatible base URL up to /v1 (env DOCGRAPH_EMBEDDER_BASE_URL).'),
        apiKey: z.string().optional().describe('API key for the openai provider (env OPENAI_API_KEY or DOCGRAPH_EMBEDDER_API_KEY).'),
        dimensions: z.number().int().positive().optional().describe('Requested vector dimensions (openai).'),
        batchSize: z.number().int().positive().max(2048).optional().describe('Texts per embedding request.'),
        timeoutMs: z.number().int().positive().optional().describe('Per-request timeout in milliseconds (openai).'),
        queryTimeoutMs: z.number().int().min(10).max(600_000).default(2000).describe("Longest a search waits for the embedding of its query, in ms, per attempt (openai); past it the search answers without vectors (`degraded: [\"vector\"]`)."),
        queryRetries: z.number().int().min(0).max(5).default(1).describe('Retries of a failed or timed-out query embedding before the search answers without vectors (openai).'),
        breakerFailures: z.number().int().min(1).max(1000).default(5).describe('Consecutive failed query embeddings that open the circuit breaker (openai): while it is open searches skip the embedder and answer lexical + graph at once; `/health/ready` and `docgraph status` show its state.'),
        breakerHalfOpenMs: z.number().int().min(10).max(3_600_000).default(30_000).describe('How long the breaker stays open before one query embedding is let through to test the embedder, in ms; success closes it, failure opens it again.'),
        allowDownload: z.boolean().default(false).describe('Let the transformers provider download model files (env DOCGRAPH_ALLOW_DOWNLOAD).'),
        cacheDir: z.string().optional().describe('Where the transformers provider looks for model files.'),
      })
      .strict()
      .default({ provider: 'builtin', allowDownload: false, queryTimeoutMs: 2000, queryRetries: 1, breakerFailures: 5, breakerHalfOpenMs: 30_000 }),
    ingest: z
      .object({
        maxFileBytes: z.number().int().positive().default(20 * 1024 * 1024).describe('Files larger than this are skipped (too-large).'),
        maxSectionTokens: z.number().int().min(50).max(8000).default(400).describe('Sections longer than this (≈4 chars/token) are split at paragraph boundaries.'),
        parseThreads: z
          .number()
          .int()
          .min(0)
          .max(64)
          .default(0)
          .describe(
            'Worker threads that parse files, so parsing uses every core and never blocks serving. 0 = as many as the cores, at most 4; 1 = parse on the main thread. Runs of less than 8 MB parse on the main thread (threads cost more to start than they save there), except under `serve` and `watch` (env DOCGRAPH_PARSE_THREADS).',
          ),
        planParseBytes: z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024 * 1024)
          .default(64 * 1024 * 1024)
          .describe(
            'Bytes of new or changed files an ingest parses up front, holding their sections in memory for its jobs and for fitting the builtin embedder (about ten times the bytes in memory). Files past it (in path order) are parsed by their own jobs, and the builtin embedder is fitted on the files before them, so a corpus of any size ingests in bounded memory. Default 64 MiB.',
          ),
        fitSampleBytes: z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024 * 1024)
          .default(8 * 1024 * 1024)
          .describe(
            'From this many bytes of files to look at, an ingest fits the builtin embedder on every other new or changed file it parses up front (in path order) and parses those first, so the parse threads go on with the others while the embedder is fitted and documents are written. The sample depends only on the files, so the same input gives the same vectors. 0 = always sample. Default 8 MiB.',
          ),
        ignore: z.array(z.string().min(1)).default([]).describe('Globs of files and folders (relative to the ingested folder) that ingest, watch and verify leave out, e.g. `drafts/**`, `**/CHANGELOG.md`; `*` stays within a folder, `**` crosses folders. .git, node_modules and hidden folders are always left out.'),
        followSymlinksOutside: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Source folders (relative to the working folder) whose file symlinks may point outside them; by default such links are skipped (outside-root). For one run: `docgraph ingest|watch --follow-symlinks-outside`. FIFOs, sockets, devices and /proc, /sys, /dev are never read.',
          ),
      })
      .strict()
      .default({ maxFileBytes: 20 * 1024 * 1024, maxSectionTokens: 400, parseThreads: 0, planParseBytes: 64 * 1024 * 1024, fitSampleBytes: 8 * 1024 * 1024, ignore: [], followSymlinksOutside: [] }),
    queue: queueSchema,
    worker: workerSchema,
    sources: z
      .array(sourceEntrySchema)
      .default([])
      .describe(
        'Sources (libraries) to keep indexed: each {location, name?, version?, refresh?, include?, exclude?; git: ref?, subdir?, webhookSecret?, webhookSecretEnv?; website: maxPages?, maxDepth?, concurrency?, rate?, allowPrivate?; npm: registry?}; location is a folder, a git URL, an http(s) docs site or npm:<name>[@<range>]. A git source\'s webhookSecret (or the environment variable webhookSecretEnv names) signs its webhooks instead of server.webhookSecret. `docgraph refresh` registers and indexes them; `docgraph serve` does at start, then every `refresh` (e.g. 1h).',
      ),
    watch: z.array(z.string().min(1)).default([]).describe('Folders `docgraph serve` and `docgraph watch` (without a folder) keep indexed as files change (env DOCGRAPH_WATCH, separated by the path delimiter).'),
    watcher: watcherSchema,
    server: serverSchema,
    rateLimit: rateLimitSchema,
    health: healthSchema,
    search: searchSchema,
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

const CONFIG_FILES = ['docgraph.config.yaml', 'docgraph.config.yml', 'docgraph.config.json'];

/** True for `scheme://...` (a server to connect to), false for a file path. */
export function isUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/** Strict boolean parsing for env values: true/1/on/yes and false/0/off/no. */
export function parseBool(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'on', 'yes'].includes(v)) return true;
  if (['false', '0', 'off', 'no'].includes(v)) return false;
  throw new ConfigError(`${name}=${value} is not a boolean`, { hint: 'use true/false, 1/0, on/off or yes/no' });
}

function parseNumber(name: string, value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`${name}=${value} is not a number`);
  return n;
}

export interface LoadConfigOptions {
  /** Explicit config file (flag --config). */
  file?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest-priority overrides from flags. */
  overrides?: { index?: string; store?: string; redis?: string; allowDownload?: boolean; server?: { host?: string; port?: number; requireKey?: boolean; allowAdminTools?: boolean }; concurrency?: number };
}

/**
 * The YAML parser, loaded when a YAML config file is read (yaml is some 70
 * modules; most runs have no config file). Synchronous, as loadConfig is.
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yaml.parse(text);
}

/** Loads and validates the configuration; throws ConfigError naming the bad key and what is allowed. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let raw: Record<string, unknown> = {};
  const file = options.file ? resolve(cwd, options.file) : CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
    try {
      const text = readFileSync(file, 'utf8');
      const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping of keys to values');
        raw = parsed as Record<string, unknown>;
      }
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const embedder = { ...((raw.embedder as Record<string, unknown> | undefined) ?? {}) };
  if (env.DOCGRAPH_INDEX) raw.index = env.DOCGRAPH_INDEX;
  if (env.DOCGRAPH_LOG_LEVEL) raw.logLevel = env.DOCGRAPH_LOG_LEVEL;
  if (env.DOCGRAPH_EMBEDDER) embedder.provider = env.DOCGRAPH_EMBEDDER;
  if (env.DOCGRAPH_EMBEDDER_MODEL) embedder.model = env.DOCGRAPH_EMBEDDER_MODEL;
  if (env.DOCGRAPH_EMBEDDER_BASE_URL) embedder.baseUrl = env.DOCGRAPH_EMBEDDER_BASE_URL;
  const key = env.DOCGRAPH_EMBEDDER_API_KEY ?? env.OPENAI_API_KEY;
  if (key) embedder.apiKey = key;
  if (env.DOCGRAPH_ALLOW_DOWNLOAD) embedder.allowDownload = parseBool('DOCGRAPH_ALLOW_DOWNLOAD', env.DOCGRAPH_ALLOW_DOWNLOAD);
  if (options.overrides?.allowDownload) embedder.allowDownload = true;
  if (Object.keys(embedder).length > 0) raw.embedder = embedder;
  if (options.overrides?.index) raw.index = options.overrides.index;
  if (env.DOCGRAPH_STORE) raw.store = env.DOCGRAPH_STORE;
  if (options.overrides?.store) raw.store = options.overrides.store;
  if (env.DOCGRAPH_REDIS) raw.redis = env.DOCGRAPH_REDIS;
  if (options.overrides?.redis) raw.redis = options.overrides.redis;
  const server = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };
  if (env.DOCGRAPH_HOST) server.host = env.DOCGRAPH_HOST;
  if (env.DOCGRAPH_PORT) server.port = parseNumber('DOCGRAPH_PORT', env.DOCGRAPH_PORT);
  if (env.DOCGRAPH_API_KEY) server.apiKey = env.DOCGRAPH_API_KEY;
  if (env.DOCGRAPH_WEBHOOK_SECRET) server.webhookSecret = env.DOCGRAPH_WEBHOOK_SECRET;
  if (env.DOCGRAPH_REQUIRE_KEY) server.requireKey = parseBool('DOCGRAPH_REQUIRE_KEY', env.DOCGRAPH_REQUIRE_KEY);
  if (options.overrides?.server?.requireKey) server.requireKey = true;
  if (env.DOCGRAPH_ALLOW_ADMIN_TOOLS) server.allowAdminTools = parseBool('DOCGRAPH_ALLOW_ADMIN_TOOLS', env.DOCGRAPH_ALLOW_ADMIN_TOOLS);
  if (options.overrides?.server?.allowAdminTools) server.allowAdminTools = true;
  if (env.DOCGRAPH_TOKEN_BUDGET) server.tokenBudget = parseNumber('DOCGRAPH_TOKEN_BUDGET', env.DOCGRAPH_TOKEN_BUDGET);
  if (env.DOCGRAPH_EVENT_STORE_MAX_BYTES) server.eventStoreMaxBytes = parseNumber('DOCGRAPH_EVENT_STORE_MAX_BYTES', env.DOCGRAPH_EVENT_STORE_MAX_BYTES);
  if (env.DOCGRAPH_MAX_CONCURRENT) server.maxConcurrent = parseNumber('DOCGRAPH_MAX_CONCURRENT', env.DOCGRAPH_MAX_CONCURRENT);
  if (env.DOCGRAPH_MAX_QUEUE) server.maxQueue = parseNumber('DOCGRAPH_MAX_QUEUE', env.DOCGRAPH_MAX_QUEUE);
  if (env.DOCGRAPH_SEARCH_THREADS) server.searchThreads = parseNumber('DOCGRAPH_SEARCH_THREADS', env.DOCGRAPH_SEARCH_THREADS);
  if (env.DOCGRAPH_ACCESS_LOG) server.accessLog = parseBool('DOCGRAPH_ACCESS_LOG', env.DOCGRAPH_ACCESS_LOG);
  if (env.DOCGRAPH_MCP_STATELESS) server.mcpStateless = parseBool('DOCGRAPH_MCP_STATELESS', env.DOCGRAPH_MCP_STATELESS);
  if (env.DOCGRAPH_REQUEST_TIMEOUT_MS) server.requestTimeoutMs = parseNumber('DOCGRAPH_REQUEST_TIMEOUT_MS', env.DOCGRAPH_REQUEST_TIMEOUT_MS);
  if (env.DOCGRAPH_QUEUE_DEADLINE_MS) server.queueDeadlineMs = parseNumber('DOCGRAPH_QUEUE_DEADLINE_MS', env.DOCGRAPH_QUEUE_DEADLINE_MS);
  if (options.overrides?.server?.host !== undefined) server.host = options.overrides.server.host;
  if (options.overrides?.server?.port !== undefined) server.port = options.overrides.server.port;
  if (Object.keys(server).length > 0) raw.server = server;

  const queue = { ...((raw.queue as Record<string, unknown> | undefined) ?? {}) };
  const worker = { ...((raw.worker as Record<string, unknown> | undefined) ?? {}) };
  const numbers: [string, Record<string, unknown>, string][] = [
    ['DOCGRAPH_QUEUE_LEASE_MS', queue, 'leaseMs'],
    ['DOCGRAPH_QUEUE_HEARTBEAT_MS', queue, 'heartbeatMs'],
    ['DOCGRAPH_QUEUE_REAPER_INTERVAL_MS', queue, 'reaperIntervalMs'],
    ['DOCGRAPH_QUEUE_MAX_ATTEMPTS', queue, 'maxAttempts'],
    ['DOCGRAPH_QUEUE_MAX_SIZE', queue, 'maxSize'],
    ['DOCGRAPH_WORKER_CONCURRENCY', worker, 'concurrency'],
    ['DOCGRAPH_WORKER_GRACE_MS', worker, 'graceMs'],
  ];
  for (const [name, target, key] of numbers) {
    const value = env[name];
    if (value) target[key] = parseNumber(name, value);
  }
  if (options.overrides?.concurrency !== undefined) worker.concurrency = options.overrides.concurrency;
  if (Object.keys(queue).length > 0) raw.queue = queue;
  if (Object.keys(worker).length > 0) raw.worker = worker;
  if (env.DOCGRAPH_PARSE_THREADS) raw.ingest = { ...((raw.ingest as Record<string, unknown> | undefined) ?? {}), parseThreads: parseNumber('DOCGRAPH_PARSE_THREADS', env.DOCGRAPH_PARSE_THREADS) };
  if (env.DOCGRAPH_RATE_LIMIT) raw.rateLimit = { ...((raw.rateLimit as Record<string, unknown> | undefined) ?? {}), perMinute: parseNumber('DOCGRAPH_RATE_LIMIT', env.DOCGRAPH_RATE_LIMIT) };
  if (env.DOCGRAPH_WATCH) raw.watch = env.DOCGRAPH_WATCH.split(delimiter).filter((p) => p !== '');

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.join('.') || '(top level)';
    throw new ConfigError(`invalid configuration at ${key}: ${issue.message}${file ? ` (from ${file} or the environment)` : ''}`, {
      hint: `see ${docsPath('configuration.md')} for every key and its allowed values`,
    });
  }
  const config = result.data;
  // `store` names the index when set: a URL as it is, a path like `index`
  if (config.store !== undefined && !isUrl(config.store)) config.index = config.store;
  config.index = resolve(cwd, config.index);
  config.store = config.store !== undefined && isUrl(config.store) ? config.store : config.index;
  config.watch = config.watch.map((p) => resolve(cwd, p));
  // a folder is relative to the working folder; a URL (scheme:, user@host:path) stays as written
  config.sources = config.sources.map((s) => (/^[A-Za-z][A-Za-z0-9+.-]+:|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/.test(s.location) ? s : { ...s, location: resolve(cwd, s.location) }));
  config.ingest.followSymlinksOutside = config.ingest.followSymlinksOutside.map((p) => resolve(cwd, p));
  if (config.queue.lowWater >= config.queue.highWater) {
    throw new ConfigError(`invalid configuration at queue.lowWater: ${config.queue.lowWater} must be below queue.highWater (${config.queue.highWater})`);
  }
  const heartbeat = config.queue.heartbeatMs;
  if (heartbeat !== undefined && heartbeat >= config.queue.leaseMs) {
    throw new ConfigError(`invalid configuration at queue.heartbeatMs: ${heartbeat} must be shorter than queue.leaseMs (${config.queue.leaseMs})`);
  }
  return config;
}
