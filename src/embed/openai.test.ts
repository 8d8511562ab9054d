import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EmbedderError } from '../domain/errors.js';
import { embedderContract } from './embedder.contract.js';
import { OpenAIEmbedder, parseOpenAIEmbedderOptions, type OpenAIEmbedderOptions } from './openai.js';

const MODEL = 'fake-embed';

/** Deterministic and deliberately not unit length: the text's SHA-256 stretched to `dims` numbers in [-3, 3). */
function fakeEmbedding(text: string, dims: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < dims; block++) {
    const bytes = createHash('sha256').update(`${block}#${text}`).digest();
    for (let i = 0; i + 1 < bytes.length && out.length < dims; i += 2) out.push((bytes.readInt16BE(i) / 32768) * 3);
  }
  return out;
}

function unit(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

interface Received {
  /** The request target: path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown };
}

/** A scripted answer that replaces the normal one for one request. */
type Step = (req: Received, res: ServerResponse) => void;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const answer =
  (status: number, body: unknown, headers: Record<string, string> = {}): Step =>
  (_req, res) =>
    typeof body === 'string' ? (res.writeHead(status, headers), res.end(body)) : sendJson(res, status, body, headers);

/** Never answers; the client's timeout (or the server's close) ends it. */
const hang: Step = () => undefined;

/**
 * Speaks the OpenAI embeddings API on 127.0.0.1: `POST /v1/embeddings` with
 * `{model, input, dimensions?, encoding_format?}` answers
 * `{object:'list', data:[{object:'embedding', index, embedding}], model, usage}`.
 */
class FakeEmbeddingServer {
  readonly requests: Received[] = [];
  /** Size when the request has no `dimensions` (or the server ignores it). */
  nativeDimensions = 16;
  honourDimensions = true;
  /** Return `data` in a shuffled order, as the API allows. */
  shuffle = false;
  private steps: Step[] = [];

  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.handle(req.method, req.url, req.headers, Buffer.concat(chunks).toString('utf8'), res));
  });
  /** The URL up to and including /v1. */
  baseUrl = '';

  static async start(): Promise<FakeEmbeddingServer> {
    const self = new FakeEmbeddingServer();
    await new Promise<void>((resolve) => self.server.listen(0, '127.0.0.1', resolve));
    self.baseUrl = `http://127.0.0.1:${(self.server.address() as AddressInfo).port}/v1`;
    return self;
  }

  script(...steps: Step[]): void {
    this.steps.push(...steps);
  }

  reset(): void {
    this.requests.length = 0;
    this.steps = [];
    this.nativeDimensions = 16;
    this.honourDimensions = true;
    this.shuffle = false;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    // Azure-style gateways take the key or an api-version in the query string
    if (method !== 'POST' || new URL(url ?? '/', 'http://x').pathname !== '/v1/embeddings') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
      return;
    }
    let body: Received['body'];
    try {
      body = JSON.parse(raw) as Received['body'];
    } catch {
      sendJson(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error' } });
      return;
    }
    const received = { url: url ?? '', headers, body };
    this.requests.push(received);
    const step = this.steps.shift();
    if (step !== undefined) return step(received, res);

    if (body.model !== MODEL) {
      sendJson(res, 404, {
        error: { message: `The model \`${String(body.model)}\` does not exist`, type: 'invalid_request_error', code: 'model_not_found' },
      });
      return;
    }
    const input = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(input) || !input.every((t) => typeof t === 'string')) {
      sendJson(res, 400, { error: { message: "'$.input' is invalid.", type: 'invalid_request_error' } });
      return;
    }
    const dims =
      this.honourDimensions && typeof body.dimensions === 'number' ? body.dimensions : this.nativeDimensions;
    const data = input.map((text: string, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, dims) }));
    if (this.shuffle) data.reverse().push(data.shift()!);
    sendJson(res, 200, { object: 'list', data, model: MODEL, usage: { prompt_tokens: 1, total_tokens: 1 } });
  }
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function failure(p: Promise<unknown>): Promise<EmbedderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EmbedderError);
  return err as EmbedderError;
}

let server: FakeEmbeddingServer;
const open: OpenAIEmbedder[] = [];

beforeAll(async () => {
  server = await FakeEmbeddingServer.start();
});

afterAll(async () => {
  await server.close();
});

afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  server.reset();
});

function make(options: Partial<OpenAIEmbedderOptions> = {}): OpenAIEmbedder {
  const e = new OpenAIEmbedder({ baseUrl: server.baseUrl, model: MODEL, retryBaseDelayMs: 1, ...options });
  open.push(e);
  return e;
}

embedderContract('OpenAIEmbedder (dimensions configured)', () => make({ dimensions: 24, batchSize: 7 }));
embedderContract('OpenAIEmbedder (dimensions learnt from the server)', () => make({ batchSize: 5 }));

describe('OpenAIEmbedder against a local OpenAI-compatible server', () => {
  it('sends ceil(N / batchSize) requests and keeps input order when the server shuffles data', async () => {
    server.shuffle = true;
    const texts = Array.from({ length: 10 }, (_, i) => `text number ${i}`);
    const vectors = await make({ batchSize: 4 }).embed(texts, 'document');

    expect(server.requests.map((r) => (r.body.input as string[]).length)).toEqual([4, 4, 2]);
    expect(server.requests.flatMap((r) => r.body.input as string[])).toEqual(texts);
    vectors.forEach((v, i) => {
      const expected = unit(fakeEmbedding(texts[i]!, 16));
      expect(Array.from(v).map((x) => Number(x.toFixed(5)))).toEqual(expected.map((x) => Number(x.toFixed(5))));
    });
  });

  it('returns L2-normalised vectors although the server does not normalise', async () => {
    const [v] = await make().embed(['not unit length on the wire'], 'query');
    const wire = fakeEmbedding('not unit length on the wire', 16);
    expect(Math.hypot(...wire)).toBeGreaterThan(1.5);
    expect(Math.hypot(...v!)).toBeCloseTo(1, 5);
  });

  it('sends the API key as a bearer token, and no Authorization header without one', async () => {
    await make({ apiKey: 'sk-test-123' }).embed(['a'], 'document');
    await make().embed(['b'], 'document');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test-123');
    expect(server.requests[1]!.headers.authorization).toBeUndefined();
  });

  it('sends the model, and dimensions only when configured', async () => {
    const learnt = make();
    expect(learnt.info()).toEqual({ provider: 'openai', model: MODEL, dimensions: 0, id: `openai:${MODEL}` });
    await learnt.embed(['a'], 'document');
    expect(learnt.info().dimensions).toBe(16);

    const fixed = make({ dimensions: 8 });
    expect(fixed.info()).toEqual({ provider: 'openai', model: MODEL, dimensions: 8, id: `openai:${MODEL}:8` });
    const [v] = await fixed.embed(['a'], 'document');
    expect(v).toHaveLength(8);

    expect(server.requests[0]!.body).toEqual({ model: MODEL, input: ['a'] });
    expect(server.requests[1]!.body).toEqual({ model: MODEL, input: ['a'], dimensions: 8 });
  });

  it('probe() learns the dimensions with one request', async () => {
    const e = make();
    expect((await e.probe()).dimensions).toBe(16);
    await e.probe();
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 429 with Retry-After, then succeeds', async () => {
    server.script(answer(429, { error: { message: 'Rate limit reached', type: 'requests' } }, { 'retry-after': '0' }));
    const vectors = await make().embed(['a', 'b'], 'document');
    expect(vectors).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('caps a long Retry-After at retryMaxDelayMs', async () => {
    server.script(answer(429, { error: { message: 'slow down' } }, { 'retry-after': '3600' }));
    await make({ retryMaxDelayMs: 5 }).embed(['a'], 'document');
    expect(server.requests).toHaveLength(2);
  });

  it('retries 500 twice, then succeeds', async () => {
    server.script(answer(500, { error: { message: 'boom' } }), answer(502, 'Bad Gateway'));
    const vectors = await make().embed(['a'], 'document');
    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries with a retryable error', async () => {
    const unavailable = answer(503, { error: { message: 'model is loading' } });
    server.script(unavailable, unavailable, unavailable, unavailable);
    const err = await failure(make({ maxRetries: 2 }).embed(['a'], 'document'));
    expect(server.requests).toHaveLength(3);
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('EMBEDDER_UNAVAILABLE');
    expect(err.message).toContain('HTTP 503: model is loading');
    expect(err.message).toContain('gave up after 3 attempts');
  });

  it('does not retry a 429 that says the quota is used up', async () => {
    server.script(answer(429, { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } }));
    const err = await failure(make().embed(['a'], 'document'));
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('turns 401 into a clear, non-retryable error that never shows the key', async () => {
    const key = 'sk-secret-do-not-print';
    server.script(answer(401, { error: { message: `Incorrect API key provided: ${key}`, code: 'invalid_api_key' } }));
    const err = await failure(make({ apiKey: key }).embed(['a'], 'document'));
    expect(server.requests).toHaveLength(1);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('the endpoint rejected the API key');
    expect(err.hint).toContain('OPENAI_API_KEY');
    expect(`${err.message} ${err.hint} ${String(err.stack)}`).not.toContain(key);
  });

  it('redacts the key from any server message it quotes', async () => {
    const key = 'sk-echoed-back';
    server.script(answer(400, { error: { message: `bad request from ${key}` } }));
    const err = await failure(make({ apiKey: key }).embed(['a'], 'document'));
    expect(err.message).toContain('bad request from [redacted]');
    expect(err.message).not.toContain(key);
  });

  it('keeps a query string of embedder.baseUrl and appends /embeddings to the path', async () => {
    const vectors = await make({ baseUrl: `${server.baseUrl}?api-version=2024-02-01&api-key=qs-secret-value` }).embed(['a'], 'document');
    expect(vectors).toHaveLength(1);
    expect(server.requests[0]!.url).toBe('/v1/embeddings?api-version=2024-02-01&api-key=qs-secret-value');
    const slash = await make({ baseUrl: `${server.baseUrl}/?api-key=qs-secret-value` }).embed(['b'], 'document');
    expect(slash).toHaveLength(1);
    expect(server.requests[1]!.url).toBe('/v1/embeddings?api-key=qs-secret-value');
  });

  it('never prints a query-string value of embedder.baseUrl in an error', async () => {
    const secret = 'qs-secret-value';
    server.script(answer(400, { error: { message: `no deployment for api-key=${secret}` } }));
    const http = await failure(make({ baseUrl: `${server.baseUrl}?api-key=${secret}` }).embed(['a'], 'document'));
    expect(http.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings\?api-key=\[redacted\] answered HTTP 400/);
    const port = await closedPort();
    const refused = await failure(make({ baseUrl: `http://127.0.0.1:${port}/v1?api-key=${secret}`, maxRetries: 0 }).embed(['a'], 'document'));
    expect(refused.message).toContain(`http://127.0.0.1:${port}/v1/embeddings?api-key=[redacted]`);
    for (const err of [http, refused]) expect(`${err.message} ${err.hint} ${String(err.stack)} ${JSON.stringify(err)}`).not.toContain(secret);
  });

  it('redacts a prefix of the key that a server echoes back (any 8 characters or more of it)', async () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const prefix = key.slice(0, 12);
    server.script(answer(401, { error: { message: `Incorrect API key provided: ${prefix}************6789` } }));
    server.script(answer(400, { error: { message: `key ${key.slice(10, 22)} is not enabled for this model` } }));
    const rejected = await failure(make({ apiKey: key }).embed(['a'], 'document'));
    const bad = await failure(make({ apiKey: key }).embed(['a'], 'document'));
    expect(bad.message).toContain('key [redacted] is not enabled');
    for (const err of [rejected, bad]) {
      const all = `${err.message} ${err.hint} ${String(err.stack)}`;
      expect(all).not.toContain(prefix);
      for (let i = 0; i + 8 <= key.length; i++) expect(all).not.toContain(key.slice(i, i + 8));
    }
  });

  it('redacts the key from a body that is not JSON', async () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    server.script(answer(200, `<html>proxy error for ${key.slice(0, 12)}</html>`));
    const err = await failure(make({ apiKey: key }).embed(['a'], 'document'));
    expect(err.message).toContain('not JSON');
    expect(`${err.message} ${String(err.stack)} ${String((err.cause as Error | undefined)?.message)}`).not.toContain(key.slice(0, 12));
  });

  it('rejects an all-zero vector as a provider error', async () => {
    server.script(answer(200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0, 0, 0, 0] }], model: MODEL }));
    const err = await failure(make().embed(['a'], 'document'));
    expect(err.code).toBe('EMBEDDER_UNAVAILABLE');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/returned an all-zero vector for input 0/);
  });

  it('rejects NaN and Infinity in a vector as a provider error', async () => {
    // JSON has no NaN or Infinity, but 1e999 parses as Infinity, and some servers write NaN (Python's json.dumps)
    server.script(answer(200, '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,1e999,0.2]}]}'));
    const inf = await failure(make().embed(['a'], 'document'));
    expect(inf.message).toMatch(/returned a vector that is not finite \(Infinity or NaN\) for input 0/);
    server.script(answer(200, '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,NaN,0.2]}]}'));
    const nan = await failure(make().embed(['a'], 'document'));
    expect(nan.retryable).toBe(false);
    expect(nan.message).toMatch(/not JSON/);
    // finite numbers whose squares overflow, or underflow, still have a direction
    server.script(answer(200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [3e200, 4e200] }] }));
    server.script(answer(200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [3e-200, 4e-200] }] }));
    for (let i = 0; i < 2; i++) {
      const [v] = await make().embed(['a'], 'document');
      expect([...v!].map((x) => Math.round(x * 1000) / 1000)).toEqual([0.6, 0.8]);
    }
  });

  it('turns 404 for an unknown model into an error quoting the server', async () => {
    const err = await failure(make({ model: 'no-such-model' }).embed(['a'], 'document'));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('HTTP 404: The model `no-such-model` does not exist');
    expect(err.hint).toContain('embedder.baseUrl');
  });

  it('turns 404 for a wrong base URL into an error naming the URL', async () => {
    const err = await failure(make({ baseUrl: server.baseUrl.replace(/\/v1$/, '') }).embed(['a'], 'document'));
    expect(err.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/embeddings answered HTTP 404: 404 page not found$/);
    expect(err.hint).toContain('up to and including /v1');
  });

  it('rejects vectors whose length differs from embedder.dimensions', async () => {
    server.honourDimensions = false;
    server.nativeDimensions = 768;
    const err = await failure(make({ dimensions: 384 }).embed(['a'], 'document'));
    expect(err.message).toBe('the model returned 768-dimensional vectors but embedder.dimensions is 384');
    expect(err.retryable).toBe(false);
  });

  it('rejects a body that is not JSON', async () => {
    server.script(answer(200, '<html>proxy login</html>', { 'content-type': 'text/html' }));
    const err = await failure(make().embed(['a'], 'document'));
    expect(err.message).toContain('not JSON: <html>proxy login</html>');
    expect(err.retryable).toBe(false);
  });

  it('rejects JSON of the wrong shape', async () => {
    server.script(answer(200, { data: [{ index: 0, embedding: 'AAAA' }] }));
    const err = await failure(make().embed(['a'], 'document'));
    expect(err.message).toContain('not an embeddings list (at $.data.0.embedding');
  });

  it('rejects a response with fewer embeddings than inputs', async () => {
    server.script(answer(200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1, 2] }] }));
    const err = await failure(make().embed(['a', 'b'], 'document'));
    expect(err.message).toContain('returned 1 embeddings for 2 inputs');
  });

  it('rejects duplicate indexes', async () => {
    const item = { object: 'embedding', index: 1, embedding: [1, 2] };
    server.script(answer(200, { object: 'list', data: [item, item] }));
    const err = await failure(make().embed(['a', 'b'], 'document'));
    expect(err.message).toContain('duplicate or out-of-range index 1');
  });

  it('says "connection refused" when nothing listens, and retries it', async () => {
    const port = await closedPort();
    const e = make({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 });
    const err = await failure(e.embed(['a'], 'document'));
    expect(err.message).toBe(
      `could not reach http://127.0.0.1:${port}/v1/embeddings: connection refused — is the server running? (gave up after 2 attempts)`,
    );
    expect(err.hint).toContain('embedder.baseUrl');
    expect(err.retryable).toBe(true);
    expect(err.stack).toBeDefined();
  });

  it('times out a server that never answers, as a retryable error', async () => {
    server.script(hang);
    const err = await failure(make({ timeoutMs: 200, maxRetries: 0 }).embed(['a'], 'document'));
    expect(err.message).toMatch(/no answer from .*\/v1\/embeddings within 200 ms/);
    expect(err.retryable).toBe(true);
  });

  it('retries after a timeout and then succeeds', async () => {
    server.script(hang);
    const vectors = await make({ timeoutMs: 200, maxRetries: 1 }).embed(['a'], 'document');
    expect(vectors).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('close() aborts a request in flight and later calls fail', async () => {
    server.script(hang);
    const e = make({ timeoutMs: 30_000 });
    const pending = failure(e.embed(['a'], 'document'));
    await expect.poll(() => server.requests.length).toBe(1);
    await e.close();
    expect((await pending).message).toContain('closed');
    expect((await failure(e.embed(['b'], 'document'))).message).toContain('closed');
    await e.close();
  });

  it('refuses to call api.openai.com without an API key, before sending anything', async () => {
    const e = new OpenAIEmbedder({ model: 'text-embedding-3-small' });
    open.push(e);
    const err = await failure(e.embed(['a'], 'document'));
    expect(err.message).toContain('no API key configured for https://api.openai.com/v1');
    expect(err.hint).toContain('OPENAI_API_KEY');
    expect(err.retryable).toBe(false);
  });

  it('returns [] for no texts without calling the server', async () => {
    expect(await make().embed([], 'document')).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});

describe('parseOpenAIEmbedderOptions', () => {
  it('names each missing or bad key', () => {
    expect(() => parseOpenAIEmbedderOptions({}, { env: {} })).toThrow('embedder.model is required');
    expect(() => parseOpenAIEmbedderOptions({ model: 'm', batchSize: 0 }, { env: {} })).toThrow(/embedder\.batchSize /);
    expect(() => parseOpenAIEmbedderOptions({ model: 'm', batchSize: 1.5 }, { env: {} })).toThrow(
      'embedder.batchSize must be an integer',
    );
    expect(() => parseOpenAIEmbedderOptions({ model: 'm', baseUrl: 'ftp://x/v1' }, { env: {} })).toThrow(
      'embedder.baseUrl must be an http(s) URL',
    );
    expect(() => parseOpenAIEmbedderOptions({ model: 'm', dims: 3 }, { env: {} })).toThrow('unknown key(s): dims');
    expect(() => parseOpenAIEmbedderOptions({ model: 'm' }, { env: {} })).not.toThrow();
  });

  it('throws ConfigError and never echoes values', () => {
    let caught: unknown;
    try {
      parseOpenAIEmbedderOptions({ model: 'm', apiKey: 42, baseUrl: 'http://user:hunter2@host/v1' }, { env: {} });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('embedder.apiKey must be a string');
    expect(message).toContain('embedder.baseUrl must not contain credentials');
    expect(message).not.toContain('hunter2');
  });

  it('applies defaults, takes OPENAI_API_KEY from the environment and ignores `provider`', () => {
    const opts = parseOpenAIEmbedderOptions({ provider: 'openai', model: 'm' }, { env: { OPENAI_API_KEY: 'sk-env' } });
    expect(opts).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      model: 'm',
      apiKey: 'sk-env',
      batchSize: 64,
      timeoutMs: 30_000,
      maxRetries: 4,
    });
    expect(parseOpenAIEmbedderOptions({ model: 'm', apiKey: 'sk-own' }, { env: { OPENAI_API_KEY: 'sk-env' } }).apiKey).toBe(
      'sk-own',
    );
  });

  it('OpenAIEmbedder.fromConfig builds a working embedder from raw config', async () => {
    const e = OpenAIEmbedder.fromConfig({ provider: 'openai', baseUrl: server.baseUrl, model: MODEL }, {});
    open.push(e);
    expect(await e.embed(['a'], 'document')).toHaveLength(1);
  });
});
