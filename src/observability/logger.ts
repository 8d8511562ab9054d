import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type Logger = pino.Logger;

/** What every line logged while serving one request carries. */
export interface RequestContext {
  req_id: string;
}

const requests = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` as part of the request `ctx`: every line logged meanwhile (by any logger of ours) carries its `req_id`. */
export function inRequest<T>(ctx: RequestContext, fn: () => T): T {
  return requests.run(ctx, fn);
}

export const REDACTED = '[redacted]';

/**
 * Fields removed wherever they appear at the top level or one level down
 * (pino's `redact`): headers, keys and tokens by their usual names.
 */
const REDACT_PATHS = ['authorization', 'cookie', 'apiKey', 'api_key', 'key', 'token', 'password', 'secret'].flatMap((k) => [k, `*.${k}`, `*.headers.${k}`, `headers["x-api-key"]`, `*.headers["x-api-key"]`]);

/** Query-string parameters whose values are secrets (`?api-key=`, `?access_token=` ...). */
const SECRET_PARAM = /([?&](?:api[-_]?key|key|token|access[-_]?token|auth|secret|password|sig|signature|code)=)[^&#\s"\\]*/gi;
/** A docgraph API key (app/keys.ts) or a bearer credential, wherever it appears in a line. */
const KEY_SHAPES = [/dg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g, /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi];

/**
 * Removes secrets from one serialized log line: the values in `secrets`
 * (the configured admin key, the embedder's key), docgraph API keys and bearer
 * credentials by their shape, and secret query-string parameters of URLs.
 * The last line of defence after `redact`: a message or error text that
 * quotes a secret loses it too.
 */
export function scrubSecrets(line: string, secrets: readonly string[] = []): string {
  let out = line;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  out = out.replace(SECRET_PARAM, `$1${REDACTED}`);
  out = out.replace(KEY_SHAPES[0]!, REDACTED).replace(KEY_SHAPES[1]!, `$1${REDACTED}`);
  return out;
}

/** A URL's path and query string as logs show it: secret parameters' values redacted. */
export function loggableTarget(url: string): string {
  const u = new URL(url, 'http://x');
  return scrubSecrets(u.pathname + u.search);
}

/**
 * The process logger: JSON lines on stderr (fd 2), never stdout, so the CLI's
 * output and the MCP stdio protocol stay clean. `level` is config.logLevel.
 * Lines logged while serving a request carry its `req_id`; secrets are
 * redacted (see REDACT_PATHS and scrubSecrets; `secrets` are values to
 * remove wherever they appear, e.g. the configured API keys).
 * Lines are written asynchronously (sonic-boom, sync: false): a write to a
 * pipe no longer blocks the event loop for every access line under load, and
 * lines logged while a write is in flight go out together. pino flushes
 * synchronously on exit, so an exit or an uncaught error still leaves every
 * line; only a SIGKILL can lose the lines of the last write in flight.
 *
 * With `batch` (what `docgraph serve` asks for: an access line per request),
 * info and debug lines wait in memory until `batch.bytes` of them have
 * gathered or `batch.flushMs` has passed, and go out in one write; a warning
 * or an error is written at once, with whatever waited before it. Each
 * write hands the line to a thread of libuv's pool and its completion back
 * to the event loop: one write per request cost a server ~0.1 ms of CPU per
 * request and woke a thread each time (docs/benchmarks.md, "Load and MCP
 * overhead, session 11"). A SIGKILL can then lose up to `flushMs` of lines.
 */
export function createLogger(
  level: string,
  name = 'docgraph',
  opts: { secrets?: readonly (string | undefined)[]; destination?: pino.DestinationStream; batch?: LogBatching } = {},
): Logger {
  const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0);
  const batch = opts.destination === undefined ? opts.batch : undefined;
  const destination = opts.destination ?? pino.destination({ fd: 2, sync: false, ...(batch ? { minLength: batch.bytes, periodicFlush: batch.flushMs } : {}) });
  const urgent = batch ? (line: string): boolean => Number(LEVEL.exec(line)?.[1] ?? 0) >= pino.levels.values.warn! : undefined;
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      mixin: () => {
        const r = requests.getStore();
        return r ? { req_id: r.req_id } : {};
      },
      hooks: {
        streamWrite: (line) => {
          // the line reaches the buffer right after this returns; a warning or error is not left waiting there
          if (urgent?.(line)) queueMicrotask(() => (destination as pino.DestinationStream & { flush?: () => void }).flush?.());
          return scrubSecrets(line, secrets);
        },
      },
    },
    destination,
  );
}

/** How `createLogger` gathers lines before writing them (see there). */
export interface LogBatching {
  /** Write once this many bytes wait (less than 16 KiB). */
  bytes: number;
  /** Write what waits at least this often, ms. */
  flushMs: number;
}

/** The level field pino puts first on every line. */
const LEVEL = /^\{"level":(\d+)/;
