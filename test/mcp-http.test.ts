import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, call, checkResourcesAndPrompts, checkToolsContract, pageThroughSearch, serverEnv, startServe, type ServeProcess } from './helpers/mcp.js';
import { CLI_JS } from './helpers/cli.js';

const API_KEY = 'test-key-0123456789abcdef';
const SMALL_BUDGET = 1000;

async function connect(url: string, headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url + '/mcp'), { requestInit: { headers } });
  const client = new Client({ name: 'docgraph-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

const ACCEPT = 'application/json, text/event-stream';
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url + '/mcp', { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** SSE events of a body: id and data of each. */
function sseEvents(body: string): { id?: string; data: string }[] {
  return body
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const lines = chunk.split('\n');
      const id = lines.find((l) => l.startsWith('id:'))?.slice(3).trim();
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      return { ...(id ? { id } : {}), data };
    });
}

/** A raw HTTP request, for headers fetch will not let us set (Host). */
function rawGet(url: string, path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A POST that declares a body of `declared` bytes but sends only its headers:
 * the server must refuse it from Content-Length alone (413), before reading
 * anything. Own connection, so the early close cannot disturb fetch's pool.
 */
function postDeclaringLength(url: string, path: string, declared: number): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: ACCEPT, 'content-length': declared } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.flushHeaders();
  });
}

describe('docgraph serve (Streamable HTTP)', () => {
  let index: string;
  let open: ServeProcess;
  let locked: ServeProcess;

  beforeAll(async () => {
    index = await buildIndex();
    [open, locked] = await Promise.all([startServe(index), startServe(index, { DOCGRAPH_API_KEY: API_KEY, DOCGRAPH_TOKEN_BUDGET: String(SMALL_BUDGET) })]);
  });
  afterAll(async () => {
    const codes = await Promise.all([open?.stop(), locked?.stop()]);
    expect(codes).toEqual([0, 0]);
  });

  it('binds 127.0.0.1 by default and answers /health', async () => {
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(open.url + '/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('lists the tools and answers each with good and bad arguments', async () => {
    const { client } = await connect(open.url);
    try {
      await checkToolsContract(client);
      await checkResourcesAndPrompts(client);
    } finally {
      await client.close();
    }
  });

  it('keeps two concurrent sessions apart, and a closed session is gone', async () => {
    const a = await connect(open.url);
    const b = await connect(open.url);
    expect(a.transport.sessionId).toBeTruthy();
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const [ra, rb] = await Promise.all([
      Promise.all([call(a.client, 'search_docs', { query: 'certificate' }), call(a.client, 'get_document', { uri: 'guides/tls.md' })]),
      Promise.all([call(b.client, 'search_docs', { query: 'upgrade cluster' }), call(b.client, 'get_document', { uri: 'reference/config.md' })]),
    ]);
    expect((ra[1].structuredContent as { uri: string }).uri).toBe('guides/tls.md');
    expect((rb[1].structuredContent as { uri: string }).uri).toBe('reference/config.md');
    expect((ra[0].structuredContent as { query: string }).query).toBe('certificate');
    expect((rb[0].structuredContent as { query: string }).query).toBe('upgrade cluster');

    const closedId = a.transport.sessionId!;
    await a.transport.terminateSession();
    await a.client.close();
    const stale = await post(open.url, { jsonrpc: '2.0', id: 9, method: 'tools/list' }, { 'mcp-session-id': closedId, 'mcp-protocol-version': '2025-11-25' });
    expect(stale.status).toBe(404);
    const still = await call(b.client, 'index_status', {});
    expect(still.isError).toBeFalsy();
    await b.client.close();
  });

  it('refuses a browser Origin of another site and a foreign Host (DNS rebinding)', async () => {
    const evil = await post(open.url, initialize, { origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: { message: string } }).error.message).toMatch(/Origin/);
    const local = await post(open.url, initialize, { origin: 'http://localhost:5173' });
    expect(local.status).toBe(200);
    await local.body?.cancel();
    expect(await rawGet(open.url, '/health', { host: 'attacker.example:80' })).toBe(403);
    expect(await rawGet(open.url, '/health', { host: `localhost:${new URL(open.url).port}` })).toBe(200);
  });

  it('answers bad requests with 4xx and a JSON-RPC error', async () => {
    expect((await post(open.url, '{not json')).status).toBe(400);
    expect((await post(open.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status).toBe(400); // no session
    expect((await post(open.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' })).status).toBe(404);
    expect((await fetch(open.url + '/mcp', { method: 'PUT' })).status).toBe(405);
    expect((await fetch(open.url + '/mcp', { headers: { accept: 'text/event-stream' } })).status).toBe(400);
    const wrongAccept = await fetch(open.url + '/mcp', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/html' }, body: JSON.stringify(initialize) });
    expect(wrongAccept.status).toBe(406);
    expect(await postDeclaringLength(open.url, '/mcp', 2 * 1024 * 1024)).toBe(413);
    expect((await fetch(open.url + '/nope')).status).toBe(404);
  });

  it('replays a response after Last-Event-ID (resumability)', async () => {
    const init = await post(open.url, initialize);
    const session = init.headers.get('mcp-session-id')!;
    await init.text();
    const h = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    expect((await post(open.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, h)).status).toBe(202);
    const res = await post(open.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_docs', arguments: { query: 'certificate', limit: 1 } } }, h);
    const events = sseEvents(await res.text());
    const priming = events.find((e) => e.data === '');
    const answer = events.find((e) => e.data.includes('"id":2'));
    expect(priming?.id).toBeTruthy();
    expect(answer?.id).toBeTruthy();

    const ac = new AbortController();
    const resumed = await fetch(open.url + '/mcp', { headers: { ...h, accept: 'text/event-stream', 'last-event-id': priming!.id! }, signal: ac.signal });
    expect(resumed.status).toBe(200);
    const reader = resumed.body!.getReader();
    let replay = '';
    for (let i = 0; i < 20 && !replay.includes('"id":2'); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      replay += new TextDecoder().decode(value);
    }
    ac.abort();
    const again = sseEvents(replay).find((e) => e.data.includes('"id":2'));
    expect(again?.id).toBe(answer!.id);
    expect(JSON.parse(again!.data)).toEqual(JSON.parse(answer!.data));
  });

  it('requires the bearer token when one is configured', async () => {
    const none = await post(locked.url, initialize);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="docgraph"');
    const wrong = await post(locked.url, initialize, { authorization: 'Bearer wrong-key-0123456789' });
    expect(wrong.status).toBe(401);
    await expect(connect(locked.url)).rejects.toThrow();
    expect((await fetch(locked.url + '/health')).status).toBe(200);

    const { client } = await connect(locked.url, { authorization: `Bearer ${API_KEY}` });
    try {
      const paged = await pageThroughSearch(client, 'certificate rotation upgrade', SMALL_BUDGET);
      expect(paged.sawPartial).toBe(true);
      expect(paged.pages).toBeGreaterThan(2);
      expect(new Set(paged.ids).size).toBe(paged.ids.length);
    } finally {
      await client.close();
    }
  });

  it('refuses to bind a non-loopback address without an API key', async () => {
    const child = spawn('node', [CLI_JS, '--index', index, 'serve', '--host', '0.0.0.0', '--port', '0'], { env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/refusing to serve on 0\.0\.0\.0 without an API key.*DOCGRAPH_API_KEY/s);
  });
});
