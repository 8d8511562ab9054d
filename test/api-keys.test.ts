// Issue 14 item 2: `docgraph keys` through the CLI, and the keys enforced by a real `docgraph serve` on
// REST and on MCP over HTTP: 401 without or with a wrong or revoked key, 403 without the scope, the
// admin key of DOCGRAPH_API_KEY, and a loopback server without --require-key open to requests without one.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers/docgraph.js';
import { freshSchema, schemaUrl } from './helpers/postgres.js';
import { getJson, indexedWorkspace, serveIn, type Served, type Workspace } from './helpers/serve.js';

const ENV_KEY = 'env-admin-key-0123456789';
let ws: Workspace;
let locked: Served;
let open: Served;
const keys: Record<'read' | 'ingest' | 'admin', { id: string; key: string }> = {} as never;

async function createKey(dir: string, args: string[], extra: string[] = []): Promise<{ id: string; key: string; scopes: string[] }> {
  const r = await run(dir, [...extra, 'keys', 'create', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: string; key: string; scopes: string[] };
}

beforeAll(async () => {
  ws = await indexedWorkspace();
  for (const scope of ['read', 'ingest', 'admin'] as const) keys[scope] = await createKey(ws.dir, ['--scope', scope, '--name', scope]);
  [locked, open] = await Promise.all([serveIn(ws.dir, ['--require-key'], { DOCGRAPH_API_KEY: ENV_KEY }), serveIn(ws.dir)]);
}, 120_000);
afterAll(async () => {
  expect(await Promise.all([locked?.stop(), open?.stop()])).toEqual([0, 0]);
});

describe('docgraph keys (CLI)', () => {
  it('create --json prints the key once, with id and scopes; list never shows it', async () => {
    expect(keys.read.key).toMatch(/^dg_[0-9a-f]{16}_/);
    const list = await run(ws.dir, ['keys', 'list', '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { id: string; name: string; scopes: string[]; created_at: string; revoked_at: null }[];
    expect(listed.map((k) => [k.name, k.scopes])).toEqual([['read', ['read']], ['ingest', ['ingest']], ['admin', ['admin']]]);
    expect(listed[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(list.stdout).not.toContain(keys.read.key.slice(-43));
    const plain = await run(ws.dir, ['keys', 'list']);
    expect(plain.stdout).toContain(keys.read.id);
  });

  it('refuses a bad scope and an unknown id with a clear message and no stack', async () => {
    const bad = await run(ws.dir, ['keys', 'create', '--scope', 'write']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown scope "write"[\s\S]*allowed: read, ingest, admin/);
    expect(bad.stderr).not.toMatch(/\s+at \S+/);
    const missing = await run(ws.dir, ['keys', 'revoke', 'feedfacefeedface']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no API key feedfacefeedface');
    const help = await run(ws.dir, ['keys', '--help']);
    expect(help.stdout).toMatch(/Scopes: read[\s\S]*Examples:/);
  });

  it('works on a PostgreSQL store too', async () => {
    const fresh = await freshSchema('dgkeyscli');
    try {
      const store = ['--store', schemaUrl(fresh.url, fresh.schema)];
      const k = await createKey(ws.dir, ['--scope', 'read', '--scope', 'ingest'], store);
      expect(k.scopes).toEqual(['read', 'ingest']);
      const listed = JSON.parse((await run(ws.dir, [...store, 'keys', 'list', '--json'])).stdout) as { id: string }[];
      expect(listed.map((x) => x.id)).toEqual([k.id]);
      expect((await run(ws.dir, [...store, 'keys', 'revoke', k.id])).code).toBe(0);
      const after = JSON.parse((await run(ws.dir, [...store, 'keys', 'list', '--json'])).stdout) as { revoked_at: string | null }[];
      expect(after[0]!.revoked_at).toEqual(expect.any(String));
    } finally {
      await fresh.drop();
    }
  });
});

describe('keys on docgraph serve --require-key', () => {
  const search = (url: string, key?: string) => getJson(`${url}/v1/search?q=certificate`, key);

  it('401 without a key, with a malformed one, with an unknown one', async () => {
    const none = await search(locked.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="docgraph"');
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    expect((await getJson(`${locked.url}/v1/search?q=x`, undefined, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await search(locked.url, keys.read.key.slice(0, -2) + 'zz')).status).toBe(401);
  });

  it('a read key reads, and is refused (403) what needs ingest or admin', async () => {
    expect((await search(locked.url, keys.read.key)).status).toBe(200);
    const jobs = await getJson(`${locked.url}/v1/jobs`, keys.read.key);
    expect(jobs.status).toBe(403);
    expect(jobs.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/do not include ingest/) });
    expect((await getJson(`${locked.url}/v1/dlq`, keys.read.key, { method: 'DELETE' })).status).toBe(403);
  });

  it('an ingest key sees jobs but cannot purge the DLQ or read the docs; admin keys can do all', async () => {
    expect((await getJson(`${locked.url}/v1/jobs`, keys.ingest.key)).status).toBe(200);
    expect((await getJson(`${locked.url}/v1/dlq`, keys.ingest.key, { method: 'DELETE' })).status).toBe(403);
    expect((await search(locked.url, keys.ingest.key)).status).toBe(403);
    const outside = await getJson(`${locked.url}/v1/ingest`, keys.ingest.key, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: ws.dir }) });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details.field).toBe('path');
    for (const key of [keys.admin.key, ENV_KEY]) {
      expect((await getJson(`${locked.url}/v1/dlq`, key, { method: 'DELETE' })).body).toEqual({ deleted: 0 });
      expect((await search(locked.url, key)).status).toBe(200);
    }
  });

  it('guards MCP over HTTP and /metrics the same way', async () => {
    const rpc = await fetch(`${locked.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(rpc.status).toBe(401);
    expect(((await rpc.json()) as { jsonrpc: string }).jsonrpc).toBe('2.0');
    const asIngest = await fetch(`${locked.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${keys.ingest.key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(asIngest.status).toBe(403);
    const client = new Client({ name: 'keys-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${locked.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${keys.read.key}` } } }));
    try {
      const r = await client.callTool({ name: 'index_status', arguments: {} });
      expect(r.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    expect((await getJson(`${locked.url}/metrics`)).status).toBe(401);
    expect((await getJson(`${locked.url}/metrics`, keys.read.key)).status).toBe(200);
    expect((await getJson(`${locked.url}/health`)).status).toBe(200);
  });

  it('a revoked key is refused from the next request on', async () => {
    const k = await createKey(ws.dir, ['--scope', 'read']);
    expect((await search(locked.url, k.key)).status).toBe(200);
    expect((await run(ws.dir, ['keys', 'revoke', k.id])).code).toBe(0);
    expect((await search(locked.url, k.key)).status).toBe(401);
  });
});

describe('a loopback server without --require-key', () => {
  it('is open to requests without a key, and still checks a key that is sent', async () => {
    expect((await getJson(`${open.url}/v1/search?q=certificate`)).status).toBe(200);
    expect((await getJson(`${open.url}/v1/jobs`)).status).toBe(200);
    expect((await getJson(`${open.url}/v1/search?q=certificate`, 'dg_0000000000000000_' + 'a'.repeat(43))).status).toBe(401);
    expect((await getJson(`${open.url}/v1/jobs`, keys.read.key)).status).toBe(403);
  });
});
