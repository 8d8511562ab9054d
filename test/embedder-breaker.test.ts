// Issue 14 item 7 on a real `docgraph serve` and a local server standing in for the OpenAI embeddings API:
// with the embedder hanging, searches answer lexical + graph with degraded: ["vector"] after
// embedder.queryTimeoutMs; after embedder.breakerFailures failures the breaker opens and searches skip the
// embedder (it sees no more requests); /health/ready, /metrics and `docgraph status` show the breaker; once
// the embedder is back, the test call after embedder.breakerHalfOpenMs closes it and vectors return.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEmbeddings } from './helpers/fake-embeddings.js';
import { run, until, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

let fake: FakeEmbeddings;
let ws: ReturnType<typeof workspace>;
let served: Served;

const HALF_OPEN_MS = 5000;

beforeAll(async () => {
  fake = await FakeEmbeddings.start();
  ws = workspace({
    embedder: { provider: 'openai', model: 'fake', baseUrl: fake.baseUrl, apiKey: 'sk-test-0123456789abcdef', dimensions: 8, queryTimeoutMs: 1000, queryRetries: 0, breakerFailures: 2, breakerHalfOpenMs: HALF_OPEN_MS },
  });
  writeFileSync(join(ws.docs, 'tls.md'), '# Rotate the TLS certificate\n\nRun `certctl rotate` to rotate the TLS certificate of the gateway.\n');
  writeFileSync(join(ws.docs, 'logs.md'), '# Log levels\n\nSet `log_level` to debug for verbose logs.\n');
  const ingest = await run(ws.dir, ['ingest', 'docs']);
  expect(ingest.code, ingest.stderr).toBe(0);
  // one search thread: the breaker a test drives is the one every search goes through
  served = await serveIn(ws.dir, ['--no-worker'], { DOCGRAPH_SEARCH_THREADS: '1' });
}, 120_000);

afterAll(async () => {
  expect(await served?.stop()).toBe(0);
  await fake?.close();
});

const search = (q: string) => getJson(`${served.url}/v1/search?q=${encodeURIComponent(q)}`);

describe('the embedder breaker', () => {
  it('searches with vectors while the embedder answers', async () => {
    const r = await search('rotate certificate');
    expect(r.status).toBe(200);
    expect(r.body.degraded).toEqual([]);
    expect(r.body.hits[0].uri).toBe('tls.md');
    expect((await getJson(`${served.url}/health/ready`)).body.embedder).toMatchObject({ status: 'ok', breaker: { state: 'closed' } });
  });

  it('degrades instead of failing while the embedder hangs, opens after breakerFailures, then skips the embedder', async () => {
    fake.outage = 'hang';
    for (let i = 0; i < 2; i++) {
      const r = await search(`rotate certificate ${i}`);
      expect(r.status).toBe(200);
      expect(r.body.degraded).toEqual(['vector']);
      expect(r.body.hits[0].uri).toBe('tls.md'); // lexical + graph still answer
    }
    const ready = await getJson(`${served.url}/health/ready`);
    expect(ready.status).toBe(200); // degraded, not unready
    expect(ready.body.embedder).toMatchObject({ provider: 'openai', status: 'degraded', breaker: { state: 'open', last_error: expect.stringContaining('1000 ms') } });
    expect(Date.parse(ready.body.embedder.breaker.retry_at)).toBeGreaterThan(Date.parse(ready.body.embedder.breaker.since));

    const seen = fake.requests;
    const r = await search('log level debug');
    expect(r.body.degraded).toEqual(['vector']);
    expect(r.body.hits[0].uri).toBe('logs.md');
    expect(fake.requests).toBe(seen); // the open breaker did not call the embedder

    const metrics = (await getJson(`${served.url}/metrics`)).body as string;
    expect(metrics).toMatch(/^docgraph_embedder_breaker_state\{state="open"\} 1$/m);
    expect(metrics).toMatch(/^docgraph_embedder_breaker_state\{state="closed"\} 0$/m);
    expect(metrics).toMatch(/^docgraph_embedder_calls_total\{outcome="timeout"\} 2$/m);
    expect(metrics).toMatch(/^docgraph_embedder_calls_total\{outcome="rejected"\} [1-9]/m);
    expect(metrics).toMatch(/^docgraph_embedder_calls_total\{outcome="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^docgraph_embedder_call_duration_seconds_count\{outcome="timeout"\} 2$/m);
  });

  it('closes again once the embedder answers the test call after breakerHalfOpenMs', async () => {
    fake.outage = undefined;
    let last: Awaited<ReturnType<typeof search>> | undefined;
    await until(async () => {
      last = await search('rotate certificate');
      return last.body.degraded.length === 0;
    }, 'a search with vectors again', HALF_OPEN_MS + 20_000);
    expect((await getJson(`${served.url}/health/ready`)).body.embedder).toMatchObject({ status: 'ok', breaker: { state: 'closed' } });
  });

  it('docgraph status checks the embedder and shows its breaker', async () => {
    fake.outage = 'error';
    const down = await run(ws.dir, ['status', '--json']);
    expect(down.code, down.stderr).toBe(0);
    const s = JSON.parse(down.stdout);
    expect(s.embedder_probe).toEqual({ ok: false, error: expect.stringContaining('HTTP 500') });
    expect(s.embedder_breaker).toMatchObject({ state: 'closed' }); // one failure of breakerFailures: 2
    fake.outage = undefined;
    const up = await run(ws.dir, ['status']);
    expect(up.stdout).toMatch(/^embedder check ok/m);
    expect(up.stdout).toMatch(/^breaker +closed since /m);
  });
});
