// REST under /v1 (issue 14 item 1): the same operations as the MCP tools, over real HTTP to a real
// `docgraph serve`; the answers match MCP's structured content field for field, validate against the
// operations' own output schemas (which the OpenAPI document is generated from), and errors have one shape.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST_ROUTES } from '../src/http/rest.js';
import { repo, run, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

let ws: ReturnType<typeof workspace>;
let served: Served;
let busy: Served;
let busyWs: ReturnType<typeof workspace>;

const route = (path: string, method = 'GET') => REST_ROUTES.find((r) => r.path === path && r.method === method)!;

beforeAll(async () => {
  ws = workspace();
  cpSync(join(repo, 'examples', 'sample-docs'), ws.docs, { recursive: true });
  expect((await run(ws.dir, ['ingest', 'docs'])).code).toBe(0);
  served = await serveIn(ws.dir);
  // a queue that is full at two jobs, with no worker to drain it
  busyWs = workspace({ queue: { maxSize: 4, highWater: 0.5, lowWater: 0.25, pauseTimeoutMs: 0 } });
  mkdirSync(join(busyWs.dir, 'seed'));
  writeFileSync(join(busyWs.dir, 'seed', 'a.md'), '# Seed\n\nThe first page.\n');
  expect((await run(busyWs.dir, ['ingest', 'seed'])).code).toBe(0);
  for (let i = 0; i < 6; i++) writeFileSync(join(busyWs.docs, `p${i}.md`), `# Page ${i}\n\nText ${i}.\n`);
  busy = await serveIn(busyWs.dir, ['--no-worker']);
}, 120_000);
afterAll(async () => {
  expect(await Promise.all([served?.stop(), busy?.stop()])).toEqual([0, 0]);
});

describe('REST /v1', () => {
  it('searches: the hits search_docs gives over MCP, field for field', async () => {
    const r = await getJson(`${served.url}/v1/search?q=${encodeURIComponent('rotate the TLS certificate')}&limit=3`);
    expect(r.status).toBe(200);
    expect(route('/v1/search').op.output.safeParse(r.body).success).toBe(true);
    expect(r.body.hits.length).toBeGreaterThan(0);
    expect(Object.keys(r.body.hits[0])).toEqual(expect.arrayContaining(['id', 'ref', 'uri', 'anchor', 'heading_path', 'snippet', 'confidence']));

    const client = new Client({ name: 'rest-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
    try {
      const mcp = await client.callTool({ name: 'search_docs', arguments: { query: 'rotate the TLS certificate', limit: 3 } });
      expect(r.body).toEqual(mcp.structuredContent);
    } finally {
      await client.close();
    }
  });

  it('takes a slot of the load-shedding limiter for each read, as MCP tool calls do', async () => {
    const admitted = async (): Promise<number> => (await getJson(`${served.url}/health`)).body.load.admitted_total as number;
    const before = await admitted();
    expect((await getJson(`${served.url}/v1/search?q=certificate`)).status).toBe(200);
    expect((await getJson(`${served.url}/v1/status`)).status).toBe(200);
    expect(await admitted()).toBe(before + 2);
  });

  it('pages by cursor, and refuses a cursor of another search', async () => {
    const first = await getJson(`${served.url}/v1/search?q=server&limit=2`);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await getJson(`${served.url}/v1/search?q=server&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.hits[0].rank).toBe(3);
    const wrong = await getJson(`${served.url}/v1/search?q=other&limit=2&cursor=${first.body.next_cursor}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'cursor' } });
  });

  it('takes the mode and filters of the CLI', async () => {
    const lexical = await getJson(`${served.url}/v1/search?q=certificate&mode=lexical&uri_prefix=guides/`);
    expect(lexical.status).toBe(200);
    expect(lexical.body.hits.every((h: { uri: string }) => h.uri.startsWith('guides/'))).toBe(true);
    const bad = await getJson(`${served.url}/v1/search?q=certificate&mode=telepathy`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('mode');
  });

  it('reads sections, documents, entities, errors, procedures, the graph, sources and status, each as its schema says', async () => {
    const hit = (await getJson(`${served.url}/v1/search?q=certificate&limit=1`)).body.hits[0];
    const calls: [string, string][] = [
      ['/v1/sections/{ref}', `/v1/sections/${hit.id}?with_context=parent,children`],
      ['/v1/sections/{ref}', `/v1/sections/${encodeURIComponent(hit.ref)}`],
      ['/v1/documents/{uri}', `/v1/documents/${hit.uri}`],
      ['/v1/sources', '/v1/sources'],
      ['/v1/status', '/v1/status'],
      ['/v1/traverse', `/v1/traverse?from=${hit.id}&relations=PARENT_OF,MENTIONS&depth=2`],
      ['/v1/entities/{name}', '/v1/entities/EADDRINUSE?type=ErrorCode'],
      ['/v1/entities/{name}', '/v1/entities/deploy.max_parallel'],
      ['/v1/errors', `/v1/errors?q=${encodeURIComponent('listen EADDRINUSE: address already in use')}&limit=3`],
      ['/v1/procedures', `/v1/procedures?task=${encodeURIComponent('rotate the TLS certificate')}`],
    ];
    for (const [path, url] of calls) {
      const r = await getJson(served.url + url);
      expect(r.status, url).toBe(200);
      const parsed = route(path).op.output.safeParse(r.body);
      expect(parsed.success, `${url}: ${JSON.stringify(parsed.error?.issues[0])}`).toBe(true);
    }
    // where vector search runs, as `status --json` says it (a SQLite index: in memory)
    expect((await getJson(`${served.url}/v1/status`)).body).toMatchObject({ vector_search: 'memory', configured_embedder: 'builtin' });
    expect((await getJson(`${served.url}/v1/entities/EADDRINUSE`)).body.entity).toMatchObject({ type: 'ErrorCode', name: 'EADDRINUSE' });
    expect((await getJson(`${served.url}/v1/procedures?task=${encodeURIComponent('rotate the TLS certificate')}`)).body.steps.length).toBeGreaterThan(1);
    const section = await getJson(`${served.url}/v1/sections/${encodeURIComponent(hit.ref)}`);
    expect(section.body.id).toBe(hit.id);
    const doc = await getJson(`${served.url}/v1/documents/${hit.uri}`);
    expect(doc.body.uri).toBe(hit.uri);
    expect(doc.body.indexed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('answers one error shape with the right status', async () => {
    const missing = await getJson(`${served.url}/v1/sections/s_000000000000000000000000`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), details: expect.any(Object) } });
    const noQuery = await getJson(`${served.url}/v1/search`);
    expect(noQuery.status).toBe(400);
    expect(noQuery.body.error).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'q' } });
    const tooMany = await getJson(`${served.url}/v1/search?q=x&limit=500`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details.field).toBe('limit');
    const nowhere = await getJson(`${served.url}/v1/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error.code).toBe('NOT_FOUND');
    expect(JSON.stringify([missing.body, noQuery.body, nowhere.body])).not.toMatch(/\s+at \S+ \(/); // no stack trace
  });

  it('queues an ingest of a source and shows its jobs; refuses a folder that is not a source', async () => {
    writeFileSync(join(ws.docs, 'added.md'), '# Added page\n\nA page about zebra crossings.\n');
    const r = await getJson(`${served.url}/v1/ingest`, undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: ws.docs }) });
    expect(r.status).toBe(202);
    expect(r.body.job_ids).toHaveLength(1);
    const job = await getJson(`${served.url}/v1/jobs/${r.body.job_ids[0]}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: r.body.job_ids[0], uri: 'added.md' });
    expect(job.body.created_at).toMatch(/Z$/);
    expect((await getJson(`${served.url}/v1/jobs?state=pending,running,completed&limit=5`)).status).toBe(200);
    expect((await getJson(`${served.url}/v1/dlq`)).body).toEqual({ jobs: [] });
    // the anonymous loopback caller is an admin, who may name any folder: a non-folder is still refused
    const notAFolder = await getJson(`${served.url}/v1/ingest`, undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: join(ws.dir, 'nope') }) });
    expect(notAFolder.status).toBe(400);
    const notJson = await getJson(`${served.url}/v1/ingest`, undefined, { method: 'POST', body: 'path=/etc' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.details.field).toBe('body');
  });

  it('answers 503 with Retry-After while the queue is above its high-water mark', async () => {
    const post = () => getJson(`${busy.url}/v1/ingest`, undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: busyWs.docs }) });
    const first = await post();
    const second = await post();
    for (const r of [first, second]) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('30');
      expect(r.body.error).toMatchObject({ code: 'QUEUE_FULL', details: { retryable: true, retry_after_s: 30 } });
    }
  });
});

describe('OpenAPI and the reference', () => {
  it('/openapi.json is OpenAPI 3.1 with every route, its parameters and its response schema', async () => {
    const r = await getJson(`${served.url}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    for (const rt of REST_ROUTES) {
      const op = r.body.paths[rt.path]?.[rt.method.toLowerCase()];
      expect(op, `${rt.method} ${rt.path}`).toBeDefined();
      expect(op.responses[String(rt.status ?? 200)].content['application/json'].schema.type).toBe('object');
      expect(op.responses['401'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    }
    const search = r.body.paths['/v1/search'].get;
    expect(search.parameters.map((p: { name: string }) => p.name)).toEqual(['q', 'limit', 'mode', 'source', 'version', 'uri_prefix', 'tag', 'cursor']);
    expect(search.parameters.find((p: { name: string }) => p.name === 'q').required).toBe(true);
    expect(search.responses['200'].content['application/json'].schema.properties.hits.type).toBe('array');
    expect(r.body.paths['/v1/ingest'].post.requestBody.content['application/json'].schema.required).toEqual(['path']);
  });

  it('/docs is Swagger UI from bundled files, no CDN', async () => {
    const page = await fetch(`${served.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) {
      const res = await fetch(served.url + asset);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(10);
    }
    expect(html).toContain('swagger-ui-bundle.js');
    expect(await (await fetch(`${served.url}/docs/init.js`)).text()).toContain('/openapi.json');
    expect((await fetch(`${served.url}/docs/assets/package.json`)).status).toBe(404);
  });
});
