// Issue 14 item 7, logs, on a real `docgraph serve`: JSON lines on stderr, one access line per request
// (method, route, status, duration_ms) with a req_id that every line logged while serving the request
// carries too and that the response's x-request-id repeats; and planted secrets (the admin key, the
// embedder's key, a docgraph-shaped key) never reach the log, whether they came in an Authorization
// header, a URL's query string, or an error text that quotes them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEmbeddings } from './helpers/fake-embeddings.js';
import { run, until, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

const ADMIN_KEY = 'planted-admin-5be1c9d07a3f';
const EMBED_KEY = 'sk-planted-7f3a9c2e41d8b6aa';
const DG_KEY = `dg_0123456789abcdef_${'P'.repeat(43)}`;

let fake: FakeEmbeddings;
let served: Served;

interface Line {
  level: number;
  msg: string;
  req_id?: string;
  [k: string]: unknown;
}

function lines(): Line[] {
  return served.child
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

beforeAll(async () => {
  fake = await FakeEmbeddings.start();
  const ws = workspace({
    logLevel: 'info',
    embedder: { provider: 'openai', model: 'fake', baseUrl: `${fake.baseUrl}?api-key=${EMBED_KEY}`, apiKey: EMBED_KEY, dimensions: 8, queryRetries: 0 },
  });
  writeFileSync(join(ws.docs, 'tls.md'), '# Rotate the TLS certificate\n\nRun `certctl rotate` to rotate it.\n');
  const ingest = await run(ws.dir, ['ingest', 'docs']);
  expect(ingest.code, ingest.stderr).toBe(0);
  served = await serveIn(ws.dir, ['--no-worker'], { DOCGRAPH_API_KEY: ADMIN_KEY, DOCGRAPH_SEARCH_THREADS: '1' });
}, 120_000);

afterAll(async () => {
  expect(await served?.stop()).toBe(0);
  await fake?.close();
});

describe('request logs', () => {
  it('log one access line per request with its req_id, and the same req_id on every line logged meanwhile', async () => {
    const ok = await getJson(`${served.url}/v1/search?q=rotate`, ADMIN_KEY);
    expect(ok.status).toBe(200);
    const reqId = ok.headers.get('x-request-id');
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);

    fake.outage = 'echo-key'; // the embedder answers 401 quoting the key it was sent
    const degraded = await getJson(`${served.url}/v1/search?q=certificate`, ADMIN_KEY, { headers: { 'x-request-id': 'proxy-id-42' } });
    expect(degraded.body.degraded).toEqual(['vector']);
    expect(degraded.headers.get('x-request-id')).toBe('proxy-id-42');
    fake.outage = undefined;

    // lines are written asynchronously: wait for both access lines
    await until(() => lines().filter((l) => l.msg === 'request' && (l.req_id === reqId || l.req_id === 'proxy-id-42')).length === 2, 'both access lines');
    const all = lines();
    const access = all.filter((l) => l.msg === 'request');
    expect(access.find((l) => l.req_id === reqId)).toMatchObject({ method: 'GET', route: '/v1/search', status: 200, duration_ms: expect.any(Number), path: '/v1/search?q=rotate' });
    const warned = all.filter((l) => l.req_id === 'proxy-id-42').map((l) => l.msg);
    expect(warned).toEqual(['query embedding failed: the search answered without vectors', 'request']);
  });

  it('redact keys in headers, URLs and error texts: no planted key appears anywhere in the log', async () => {
    // the admin key in the query string (a gateway style), and in a header as usual
    expect((await getJson(`${served.url}/v1/search?q=tls&api-key=${ADMIN_KEY}&token=${EMBED_KEY}`, ADMIN_KEY)).status).toBe(200);
    // a docgraph-shaped key nobody issued: refused
    expect((await getJson(`${served.url}/v1/status?access_token=${DG_KEY}`, DG_KEY)).status).toBe(401);
    // an unknown route with a key in its path
    expect((await getJson(`${served.url}/nothing/${ADMIN_KEY}`, ADMIN_KEY)).status).toBe(404);
    // an MCP request with the key
    const mcp = await fetch(`${served.url}/mcp?key=${ADMIN_KEY}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'logs-test', version: '1' } } }),
    });
    expect(mcp.status).toBe(200);
    await mcp.body?.cancel();

    // lines are written asynchronously: wait for the access lines of the four requests
    await until(() => lines().filter((l) => l.msg === 'request').length >= 6, 'the access lines of every request');
    const log = served.child.stderr();
    const access = lines().filter((l) => l.msg === 'request');
    // the lines were written (so the absence below means something) ...
    expect(access.map((l) => l.path)).toEqual(
      expect.arrayContaining([
        '/v1/search?q=tls&api-key=[redacted]&token=[redacted]',
        '/v1/status?access_token=[redacted]',
        '/mcp?key=[redacted]',
      ]),
    );
    expect(access.find((l) => l.route === 'unmatched')).toMatchObject({ status: 404, path: '/nothing/[redacted]' });
    expect(access.find((l) => l.route === '/mcp')).toMatchObject({ method: 'POST', status: 200, req_id: expect.any(String) });
    // ... and no planted key is in any of them
    for (const secret of [ADMIN_KEY, EMBED_KEY, DG_KEY]) expect(log).not.toContain(secret);
    // the embedder did see its key in its URL, so the fake's echo above did quote it
    expect(fake.urls.some((u) => u.includes(EMBED_KEY))).toBe(true);
  });
});
