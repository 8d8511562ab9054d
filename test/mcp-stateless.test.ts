// MCP over HTTP without sessions (server.mcpStateless / DOCGRAPH_MCP_STATELESS): every POST stands
// alone, so a request may go to any replica. Two real `docgraph serve` processes on one index: a
// client initializes on one and calls tools on the other; the SDK client works unchanged; a GET or
// DELETE is refused with 405, saying why.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, startServe, type ServeProcess } from './helpers/mcp.js';

const ACCEPT = 'application/json, text/event-stream';
let index: string;
let a: ServeProcess;
let b: ServeProcess;

beforeAll(async () => {
  index = await buildIndex();
  [a, b] = await Promise.all([startServe(index, { DOCGRAPH_MCP_STATELESS: 'true' }, ['--no-worker']), startServe(index, { DOCGRAPH_MCP_STATELESS: 'true' }, ['--no-worker'])]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  rmSync(dirname(index), { recursive: true, force: true });
});

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url + '/mcp', { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify(body) });
}

describe('MCP without sessions', () => {
  it('answers each POST on its own, on any replica, as JSON and without a session id', async () => {
    const init = await post(a.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    expect(init.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await init.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe('docgraph');

    // the next request goes to the other replica, which has never seen this client
    const res = await post(b.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_docs', arguments: { query: 'certificate', limit: 3 } } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: CallToolResult };
    expect(body.result.isError ?? false).toBe(false);
    expect((body.result.structuredContent as { hits: { uri: string }[] }).hits.length).toBeGreaterThan(0);
  });

  it('works with the SDK client unchanged', async () => {
    const client = new Client({ name: 'docgraph-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(a.url + '/mcp')));
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('search_docs');
      const r = (await client.callTool({ name: 'search_docs', arguments: { query: 'certificate', limit: 2 } })) as CallToolResult;
      expect(r.isError ?? false).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('refuses GET and DELETE with 405, saying why', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(a.url + '/mcp', { method, headers: { accept: ACCEPT } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/without sessions/);
    }
  });
});
