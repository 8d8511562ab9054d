// The query guard around the real OpenAI-compatible embedder, against a local server that answers,
// fails or hangs on demand: the timeout aborts the request in flight, the breaker opens after
// breakerFailures and then refuses without a request, and a successful test call closes it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbedderError } from '../domain/errors.js';
import { GuardedEmbedder, worseBreaker, type EmbedderCall } from './guarded.js';
import { OpenAIEmbedder } from './openai.js';

let mode: 'ok' | 'fail' | 'hang' = 'ok';
let requests = 0;
let aborted = 0;
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    req.resume();
    req.on('end', () => {
      if (mode === 'hang') {
        res.on('close', () => aborted++);
        return;
      }
      if (mode === 'fail') {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ index: 0, embedding: [1, 2, 3, 4] }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function guarded(halfOpenMs: number, calls: EmbedderCall[]): GuardedEmbedder {
  const inner = new OpenAIEmbedder({ baseUrl, model: 'm', maxRetries: 0, timeoutMs: 60_000 });
  return new GuardedEmbedder(inner, { timeoutMs: 1000, retries: 0, breakerFailures: 2, halfOpenMs }, (c) => calls.push(c));
}

describe('GuardedEmbedder', () => {
  it('times out a hanging query embedding (the request is aborted), opens after breakerFailures, then refuses without calling', async () => {
    const calls: EmbedderCall[] = [];
    const e = guarded(60_000, calls);
    expect((await e.embed(['q'], 'query'))[0]).toHaveLength(4);
    mode = 'hang';
    for (let i = 0; i < 2; i++) await expect(e.embed(['q'], 'query')).rejects.toThrow(/no query embedding within 1000 ms/);
    // the requests in flight were ended, not left hanging (the server sees the close shortly after)
    for (let i = 0; i < 100 && aborted < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(aborted).toBe(2);
    expect(e.breakerState()).toMatchObject({ state: 'open', last_error: 'no answer within 1000 ms' });
    const before = requests;
    const refused = await e.embed(['q'], 'query').catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(EmbedderError);
    expect((refused as EmbedderError).message).toMatch(/circuit breaker is open/);
    expect(requests).toBe(before);
    expect(calls.map((c) => c.outcome)).toEqual(['ok', 'timeout', 'timeout', 'rejected']);
    await e.close();
    mode = 'ok';
  });

  it('lets one test call through after halfOpenMs and closes on its success', async () => {
    const calls: EmbedderCall[] = [];
    const e = guarded(100, calls);
    mode = 'fail';
    for (let i = 0; i < 2; i++) await expect(e.embed(['q'], 'query')).rejects.toThrow(/HTTP 503/);
    expect(e.breakerState().state).toBe('open');
    mode = 'ok';
    await new Promise((r) => setTimeout(r, 150));
    expect((await e.embed(['q'], 'query'))[0]).toHaveLength(4);
    expect(e.breakerState()).toEqual({ state: 'closed', since: expect.any(String) });
    await e.close();
  });

  it('passes document embeddings through, outside the breaker', async () => {
    const e = guarded(60_000, []);
    mode = 'fail';
    for (let i = 0; i < 3; i++) await expect(e.embed(['d'], 'document')).rejects.toThrow(/HTTP 503/);
    expect(e.breakerState().state).toBe('closed');
    mode = 'ok';
    await e.close();
  });

  it('reports the worst of several breakers', () => {
    const at = new Date(0).toISOString();
    expect(worseBreaker({ state: 'closed', since: at }, { state: 'open', since: at })?.state).toBe('open');
    expect(worseBreaker({ state: 'half_open', since: at }, { state: 'closed', since: at })?.state).toBe('half_open');
    expect(worseBreaker(undefined, undefined)).toBeUndefined();
  });
});
