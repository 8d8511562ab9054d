/**
 * Embedder for any OpenAI-compatible `POST {baseUrl}/embeddings` endpoint:
 * OpenAI itself, Ollama, vLLM, LM Studio, Hugging Face TEI, or a proxy in
 * front of one of them. Uses Node's global `fetch`; no SDK.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ConfigError, EmbedderError } from '../domain/errors.js';
import { docsPath } from '../domain/docs-path.js';
import { parseRetryAfter } from '../domain/retry-after.js';
import { normalize, type EmbedPurpose, type Embedder, type EmbedderInfo } from './embedder.js';

const PROVIDER = 'openai';
const OPENAI_HOST = 'api.openai.com';
/** Longest error body text we quote back to the user. */
const MAX_QUOTED_CHARS = 300;
/** Server text looked at for quoting: redacted in full before it is cut to MAX_QUOTED_CHARS. */
const MAX_SCANNED_CHARS = 4096;
/** A run of this many characters of the API key anywhere in a message is redacted (servers echo key prefixes). */
const MIN_KEY_FRAGMENT = 8;
const REDACTED = '[redacted]';

export const openAIEmbedderOptionsSchema = z
  .object({
    /**
     * The URL up to and including `/v1`, e.g. `http://127.0.0.1:11434/v1` for Ollama. A query string
     * (`?api-version=…`) is kept on every request; its values never appear in errors.
     */
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL up to and including /v1' })
      .refine((u) => {
        const url = new URL(u);
        return url.username === '' && url.password === '';
      }, 'must not contain credentials; set embedder.apiKey instead')
      .default('https://api.openai.com/v1'),
    model: z.string().trim().min(1, 'must not be empty'),
    /** Sent as `Authorization: Bearer <apiKey>`. */
    apiKey: z.string().min(1, 'must not be empty').optional(),
    /** Requested vector size (sent only when set); otherwise learnt from the first response. */
    dimensions: z.int().positive().max(65_536).optional(),
    batchSize: z.int().positive().max(2048).default(64),
    /** Per HTTP request, including reading the body. */
    timeoutMs: z.int().positive().max(600_000).default(30_000),
    /** Retries after the first attempt, for 429, 5xx, timeouts and transient network errors. */
    maxRetries: z.int().min(0).max(20).default(4),
    /** First backoff delay; doubles per retry, with jitter. */
    retryBaseDelayMs: z.int().min(0).max(60_000).default(500),
    /** Upper bound on one wait, whether from backoff or from the server's `Retry-After`. */
    retryMaxDelayMs: z.int().min(0).max(600_000).default(30_000),
  })
  .strict();

/** Options as a caller writes them (defaults not yet applied). */
export type OpenAIEmbedderOptions = z.input<typeof openAIEmbedderOptionsSchema>;
/** Options with every default applied. */
export type ResolvedOpenAIEmbedderOptions = z.output<typeof openAIEmbedderOptionsSchema>;

/**
 * Validates raw configuration (e.g. the `embedder` block of the config file)
 * and applies defaults. When `apiKey` is absent, `OPENAI_API_KEY` from `env`
 * fills it; a `provider` key is ignored. Throws ConfigError whose message names each bad key, e.g.
 * "embedder.model is required". Never echoes the values it was given.
 */
export function parseOpenAIEmbedderOptions(
  input: unknown,
  opts: { path?: string; env?: NodeJS.ProcessEnv } = {},
): ResolvedOpenAIEmbedderOptions {
  const path = opts.path ?? 'embedder';
  const env = opts.env ?? process.env;
  let raw: unknown = input;
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    // `provider` selects this class in the composition root; it is not an option of ours.
    const { provider: _provider, ...rest } = input as Record<string, unknown>;
    raw = rest.apiKey === undefined && env.OPENAI_API_KEY ? { ...rest, apiKey: env.OPENAI_API_KEY } : rest;
  }
  // reportInput lets us tell "missing" from "wrong"; the input itself is never printed.
  const parsed = openAIEmbedderOptionsSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = [path, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return `${key} has unknown key(s): ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${key} is required`;
    if (issue.code === 'invalid_type') {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return `${key} must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
    }
    return `${key} ${issue.message}`;
  });
  throw new ConfigError(`invalid OpenAI-compatible embedder configuration: ${problems.join('; ')}`, {
    hint: `see the embedder section of ${docsPath('configuration.md')}`,
  });
}

/**
 * Embeds through an OpenAI-compatible HTTP API.
 *
 * - Texts are sent in batches of `batchSize`, one request at a time; vectors
 *   come back L2-normalised and in input order, whatever order the server used.
 * - 429, 408, 5xx, timeouts and transient network errors are retried up to
 *   `maxRetries` times with exponential backoff and jitter, honouring
 *   `Retry-After` up to `retryMaxDelayMs`. When retries run out the
 *   EmbedderError is `retryable: true`; configuration problems (401/403, 404,
 *   400, wrong dimensions, malformed responses) are `retryable: false`.
 * - The API key is sent only in the Authorization header. Neither it, nor
 *   any run of 8 or more of its characters (servers echo key prefixes), nor
 *   any query-string value of `baseUrl` appears in an error message or hint.
 * - A vector that is all zeros or holds NaN/Infinity is a provider error
 *   (non-retryable): it would match nothing, or everything, in search.
 */
export class OpenAIEmbedder implements Embedder {
  readonly batchSize: number;
  private readonly opts: ResolvedOpenAIEmbedderOptions;
  /** Where requests go: `baseUrl` with `/embeddings` appended to its path, query string kept. */
  private readonly url: string;
  /** `url` as errors show it: query-string values redacted. */
  private readonly shownUrl: string;
  private readonly secrets: Redactor;
  private learnedDimensions: number | undefined;
  private readonly closing = new AbortController();

  constructor(options: OpenAIEmbedderOptions) {
    this.opts = parseOpenAIEmbedderOptions(options, { env: {} });
    this.batchSize = this.opts.batchSize;
    const url = endpointUrl(this.opts.baseUrl);
    this.url = url.href;
    this.shownUrl = redactQuery(url).href;
    this.secrets = redactor([...(this.opts.apiKey !== undefined ? [this.opts.apiKey] : []), ...[...url.searchParams.values()]], this.opts.apiKey);
  }

  /** Validates raw config (see parseOpenAIEmbedderOptions) and builds the embedder. */
  static fromConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): OpenAIEmbedder {
    return new OpenAIEmbedder(parseOpenAIEmbedderOptions(input, { env }));
  }

  /**
   * `id` is `openai:<model>:<dimensions>` when `dimensions` is configured and
   * `openai:<model>` (the model's native size) when it is not, so it never
   * changes while the process runs. The base URL is deliberately not part of
   * it: the same model behind a proxy or another gateway is the same vector
   * space. `dimensions` is 0 until known: configure it, or call `probe()` or
   * `embed()` once.
   */
  info(): EmbedderInfo {
    const { model, dimensions } = this.opts;
    return {
      provider: PROVIDER,
      model,
      dimensions: dimensions ?? this.learnedDimensions ?? 0,
      id: dimensions === undefined ? `${PROVIDER}:${model}` : `${PROVIDER}:${model}:${dimensions}`,
    };
  }

  /** Makes sure `info().dimensions` is known, embedding one short text if it must. */
  async probe(): Promise<EmbedderInfo> {
    if (this.info().dimensions === 0) await this.embed(['docgraph'], 'query');
    return this.info();
  }

  async embed(texts: readonly string[], _purpose: EmbedPurpose, signal?: AbortSignal): Promise<Float32Array[]> {
    this.assertOpen();
    if (texts.length === 0) return [];
    this.assertKeyPresent();
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      out.push(...(await this.embedBatchWithRetry(texts.slice(start, start + this.batchSize), signal)));
    }
    return out;
  }

  /** Aborts requests in flight and rejects later calls. Idempotent. */
  async close(): Promise<void> {
    this.closing.abort();
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new EmbedderError(PROVIDER, 'the embedder has been closed');
  }

  private assertNotAbandoned(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new EmbedderError(PROVIDER, 'the caller stopped waiting for the embedding', { retryable: true });
  }

  private assertKeyPresent(): void {
    if (this.opts.apiKey !== undefined) return;
    if (new URL(this.opts.baseUrl).hostname !== OPENAI_HOST) return;
    throw new EmbedderError(PROVIDER, `no API key configured for ${this.secrets(this.opts.baseUrl)}`, {
      hint: 'set OPENAI_API_KEY or embedder.apiKey (or point embedder.baseUrl at a local server)',
    });
  }

  private async embedBatchWithRetry(batch: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const { maxRetries } = this.opts;
    for (let attempt = 0; ; attempt++) {
      const result = await this.requestOnce(batch, signal);
      if (result.ok) return result.vectors;
      const failure = result.failure;
      if (!failure.retryable || attempt >= maxRetries) {
        const suffix = failure.retryable && attempt > 0 ? ` (gave up after ${attempt + 1} attempts)` : '';
        // Every message passes the redactor on its way out, whatever built it.
        throw new EmbedderError(PROVIDER, this.secrets(failure.message + suffix), {
          hint: this.secrets(failure.hint),
          retryable: failure.retryable,
          cause: failure.cause,
        });
      }
      try {
        await sleep(this.retryDelay(attempt, failure.retryAfterMs), undefined, { signal: signal ? AbortSignal.any([this.closing.signal, signal]) : this.closing.signal });
      } catch {
        this.assertOpen();
        this.assertNotAbandoned(signal);
      }
    }
  }

  /** Exponential backoff with "equal jitter" (half fixed, half random), or the server's Retry-After; both capped. */
  private retryDelay(attempt: number, retryAfterMs: number | undefined): number {
    const { retryBaseDelayMs, retryMaxDelayMs } = this.opts;
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, retryMaxDelayMs);
    const ceiling = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async requestOnce(batch: readonly string[], abandon: AbortSignal | undefined): Promise<RequestResult> {
    const body: Record<string, unknown> = { model: this.opts.model, input: batch };
    if (this.opts.dimensions !== undefined) body.dimensions = this.opts.dimensions;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.opts.apiKey !== undefined) headers.authorization = `Bearer ${this.opts.apiKey}`;

    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      // the only place the unredacted URL is used
      const res = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.any([this.closing.signal, timeout, ...(abandon ? [abandon] : [])]),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (err) {
      this.assertOpen();
      this.assertNotAbandoned(abandon);
      return { ok: false, failure: this.networkFailure(err, timeout.aborted) };
    }
    if (status < 200 || status > 299) {
      return { ok: false, failure: this.httpFailure(status, text, retryAfter) };
    }
    return this.parseResponse(text, batch.length);
  }

  private networkFailure(err: unknown, timedOut: boolean): Failure {
    if (timedOut) {
      return {
        message: `no answer from ${this.shownUrl} within ${this.opts.timeoutMs} ms`,
        hint: 'the server may be overloaded or still loading the model; raise embedder.timeoutMs or lower embedder.batchSize',
        retryable: true,
        cause: err,
      };
    }
    const code = findErrorCode(err);
    const reason = code === undefined ? undefined : NETWORK_REASONS[code];
    return {
      message: `could not reach ${this.shownUrl}: ${reason?.text ?? code ?? (err instanceof Error ? err.message : String(err))}`,
      hint: reason?.hint ?? 'check embedder.baseUrl and the network between docgraph and the server',
      retryable: reason?.retryable ?? true,
      cause: err,
    };
  }

  private httpFailure(status: number, text: string, retryAfter: string | null): Failure {
    const serverError = this.serverErrorOf(text);
    const said = serverError.message === undefined ? '' : `: ${serverError.message}`;
    const where = `${this.shownUrl} answered HTTP ${status}`;
    if (status === 401 || status === 403) {
      return {
        message: `the endpoint rejected the API key (${where})`,
        hint: 'set OPENAI_API_KEY / embedder.apiKey to a key this server accepts',
        retryable: false,
      };
    }
    if (status === 404) {
      return {
        message: `${where}${said}`,
        hint: `check embedder.baseUrl (the URL up to and including /v1) and that the server serves model "${this.opts.model}"`,
        retryable: false,
      };
    }
    if (status === 429 && serverError.code === 'insufficient_quota') {
      return { message: `${where}${said}`, hint: 'the account is out of quota; check its plan and billing', retryable: false };
    }
    if (status === 408 || status === 429 || status >= 500) {
      return {
        message: `${where}${said}`,
        hint: status === 429 ? 'the server is rate limiting; lower embedder.batchSize or ingest concurrency' : 'the server failed; it may recover on its own',
        retryable: true,
        retryAfterMs: parseRetryAfter(retryAfter),
      };
    }
    if (status === 413) {
      return { message: `${where}${said}`, hint: 'lower embedder.batchSize', retryable: false };
    }
    return {
      message: `${where}${said}`,
      hint: 'check embedder.model and embedder.dimensions against what the server supports',
      retryable: false,
    };
  }

  private parseResponse(text: string, expected: number): RequestResult {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // no cause: JSON.parse's message quotes the body, which may hold what the redactor removes
      return this.badResponse(`${this.shownUrl} returned a body that is not JSON: ${this.quote(text)}`);
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue === undefined ? '' : ` (at ${['$', ...issue.path.map(String)].join('.')}: ${issue.message})`;
      return this.badResponse(`${this.shownUrl} returned JSON that is not an embeddings list${at}`);
    }
    const data = parsed.data.data;
    if (data.length !== expected) {
      return this.badResponse(`${this.shownUrl} returned ${data.length} embeddings for ${expected} inputs`);
    }
    const vectors = new Array<Float32Array | undefined>(expected);
    for (const item of data) {
      if (item.index >= expected || vectors[item.index] !== undefined) {
        return this.badResponse(`${this.shownUrl} returned an embedding with a duplicate or out-of-range index ${item.index}`);
      }
      const bad = unusable(item.embedding);
      if (bad !== undefined) return this.provider(`${this.shownUrl} returned ${bad} for input ${item.index}`, 'the model or server is broken (a failed GPU kernel, an overflow, a model loaded wrongly); check its logs, or try another model');
      // normalised in double precision first: tiny or huge values would not survive float32
      const inv = 1 / euclideanLength(item.embedding);
      vectors[item.index] = Float32Array.from(item.embedding, (x) => x * inv);
    }
    const length = vectors[0]!.length;
    if (vectors.some((v) => v!.length !== length)) {
      return this.badResponse(`${this.shownUrl} returned vectors of different lengths in one response`);
    }
    const mismatch = this.checkDimensions(length);
    if (mismatch !== undefined) return { ok: false, failure: mismatch };
    return { ok: true, vectors: vectors.map((v) => normalize(v!)) };
  }

  private checkDimensions(length: number): Failure | undefined {
    const configured = this.opts.dimensions;
    if (configured !== undefined && length !== configured) {
      return {
        message: `the model returned ${length}-dimensional vectors but embedder.dimensions is ${configured}`,
        hint: `set embedder.dimensions to ${length}, or remove it (not every server can shorten vectors)`,
        retryable: false,
      };
    }
    if (configured === undefined) {
      if (this.learnedDimensions === undefined) this.learnedDimensions = length;
      else if (this.learnedDimensions !== length) {
        return {
          message: `the model returned ${length}-dimensional vectors but earlier responses had ${this.learnedDimensions}`,
          hint: 'is a load balancer mixing servers with different models? set embedder.dimensions to pin the size',
          retryable: false,
        };
      }
    }
    return undefined;
  }

  private provider(message: string, hint: string): RequestResult {
    return { ok: false, failure: { message, hint, retryable: false } };
  }

  private badResponse(message: string, cause?: unknown): RequestResult {
    return {
      ok: false,
      failure: {
        message,
        hint: 'is embedder.baseUrl an OpenAI-compatible API (the URL up to and including /v1)?',
        retryable: false,
        cause,
      },
    };
  }

  /** The server's `{error:{message,code}}` (OpenAI) or `{error:"..."}` (Ollama, TEI) fields, key redacted. */
  private serverErrorOf(text: string): { message?: string; code?: string } {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return text.trim() === '' ? {} : { message: this.quote(text) };
    }
    const parsed = serverErrorSchema.safeParse(json);
    if (!parsed.success) return {};
    const error = parsed.data.error ?? parsed.data.message;
    if (typeof error === 'string') return { message: this.quote(error) };
    if (error === undefined) return {};
    return {
      ...(error.message === undefined ? {} : { message: this.quote(error.message) }),
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
    };
  }

  /** Shortens server text for an error message, after removing secrets should the server echo them. */
  private quote(text: string): string {
    const t = this.secrets(text.slice(0, MAX_SCANNED_CHARS).trim().replace(/\s+/g, ' '));
    return t.length > MAX_QUOTED_CHARS ? `${t.slice(0, MAX_QUOTED_CHARS)}…` : t;
  }
}

/** `baseUrl` with `/embeddings` appended to its path; the query string and fragment-free rest kept. */
export function endpointUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/embeddings`;
  url.hash = '';
  return url;
}

/** The URL with every query-string value replaced by [redacted] (the names stay: they say what was sent). */
function redactQuery(url: URL): URL {
  const shown = new URL(url.href);
  const names = [...shown.searchParams.keys()];
  if (names.length === 0) return shown;
  shown.search = names.map((n) => `${encodeURIComponent(n)}=${REDACTED}`).join('&');
  return shown;
}

/** Removes secrets from a text. */
export type Redactor = (text: string) => string;

/**
 * A redactor for `secrets` (each removed wherever it appears, raw or
 * percent-encoded) and for `key`, of which any run of MIN_KEY_FRAGMENT or
 * more characters is removed too: a server that echoes "sk-proj-abcd****"
 * must not print the start of the key.
 */
export function redactor(secrets: readonly string[], key?: string): Redactor {
  const whole = [...new Set(secrets.flatMap((x) => [x, encodeURIComponent(x)]).filter((x) => x.length > 0))].sort((a, b) => b.length - a.length);
  const grams = new Set<string>();
  if (key !== undefined) for (let i = 0; i + MIN_KEY_FRAGMENT <= key.length; i++) grams.add(key.slice(i, i + MIN_KEY_FRAGMENT));
  return (text) => {
    let t = text;
    for (const x of whole) t = t.split(x).join(REDACTED);
    if (grams.size === 0 || key === undefined) return t;
    let out = '';
    for (let i = 0; i < t.length; ) {
      if (!grams.has(t.slice(i, i + MIN_KEY_FRAGMENT))) {
        out += t[i];
        i++;
        continue;
      }
      // the longest run from i that is still a piece of the key
      let end = i + MIN_KEY_FRAGMENT;
      while (end < t.length && key.includes(t.slice(i, end + 1))) end++;
      out += REDACTED;
      i = end;
    }
    return out;
  };
}

/** Why an embedding cannot be used, or undefined when it can: it holds NaN or Infinity, or only zeros (it has no direction). */
function unusable(v: readonly number[]): string | undefined {
  if (!v.every(Number.isFinite)) return 'a vector that is not finite (Infinity or NaN)';
  if (v.every((x) => x === 0)) return 'an all-zero vector';
  return undefined;
}

/** Euclidean length without overflow or underflow (scaled by the largest magnitude, as hypot does). */
function euclideanLength(v: readonly number[]): number {
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  let sum = 0;
  for (const x of v) sum += (x / max) ** 2;
  return max * Math.sqrt(sum);
}

interface Failure {
  message: string;
  hint: string;
  retryable: boolean;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

type RequestResult = { ok: true; vectors: Float32Array[] } | { ok: false; failure: Failure };

const responseSchema = z.object({
  data: z.array(
    z.object({
      index: z.int().nonnegative(),
      // any number, Infinity included: a non-finite vector gets its own, clearer error after parsing
      embedding: z.array(z.custom<number>((x) => typeof x === 'number', 'expected a number')).min(1),
    }),
  ),
});

const serverErrorSchema = z.object({
  error: z
    .union([z.string(), z.object({ message: z.string().optional(), code: z.unknown().optional() })])
    .optional(),
  message: z.string().optional(),
});

const NETWORK_REASONS: Record<string, { text: string; hint: string; retryable: boolean }> = {
  ECONNREFUSED: {
    text: 'connection refused — is the server running?',
    hint: 'start the embedding server, or set embedder.baseUrl to where it listens',
    retryable: true,
  },
  ENOTFOUND: {
    text: 'host name not found (DNS)',
    hint: 'check the host name in embedder.baseUrl',
    retryable: false,
  },
  EAI_AGAIN: {
    text: 'DNS lookup failed temporarily',
    hint: 'check DNS on this machine and the host name in embedder.baseUrl',
    retryable: true,
  },
  ECONNRESET: { text: 'the connection was reset', hint: 'the server or a proxy dropped the connection', retryable: true },
  EPIPE: { text: 'the connection was closed while sending', hint: 'the server or a proxy dropped the connection', retryable: true },
  ETIMEDOUT: { text: 'connecting timed out', hint: 'check that embedder.baseUrl is reachable from here', retryable: true },
  EHOSTUNREACH: { text: 'host unreachable', hint: 'check embedder.baseUrl and the network', retryable: true },
  ENETUNREACH: { text: 'network unreachable', hint: 'check embedder.baseUrl and the network', retryable: true },
  UND_ERR_SOCKET: { text: 'the connection failed', hint: 'the server or a proxy dropped the connection', retryable: true },
  UND_ERR_CONNECT_TIMEOUT: {
    text: 'connecting timed out',
    hint: 'check that embedder.baseUrl is reachable from here',
    retryable: true,
  },
};

/** The first system error code along an error's `cause` chain (undici wraps them in "fetch failed"). */
function findErrorCode(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || err === null || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in NETWORK_REASONS) return code;
  if (err instanceof AggregateError) {
    for (const e of err.errors) {
      const c = findErrorCode(e, depth + 1);
      if (c !== undefined) return c;
    }
  }
  const nested = findErrorCode((err as { cause?: unknown }).cause, depth + 1);
  return nested ?? (typeof code === 'string' ? code : undefined);
}
