/**
 * Regression (issue 10, "RSS stays flat"): under sustained load `docgraph
 * serve` grew without end. Every tool result was kept in the resumability
 * log until its byte cap pushed it out, so the log sat at its cap (32 MiB of
 * JSON, ~60 MB of heap as objects) and V8 grew the heap to about three times
 * that: 156 → 264 MiB over 30 s at 100 calls/s, 152 → 527 MiB over 150 s at
 * 300/s. A stream sent to its end is never resumed, so a session now keeps
 * only the events of streams that broke and of the last stream it sent.
 *
 * A real `docgraph serve` child, real HTTP on loopback, the SDK's client. No
 * memory or timing is measured: /health reports what the log holds, and that
 * must not grow with the number of calls.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, startServe, type ServeProcess } from '../helpers/mcp.js';

interface EventStoreStats {
  events: number;
  bytes: number;
}

async function eventStore(url: string): Promise<EventStoreStats> {
  const res = await fetch(url + '/health', { signal: AbortSignal.timeout(30_000) });
  return ((await res.json()) as { event_store: EventStoreStats }).event_store;
}

/** search_docs, called again when the server sheds it (503: a loaded machine makes a queued call wait too long). */
async function search(client: Client, query: string): Promise<CallToolResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.callTool({ name: 'search_docs', arguments: { query, limit: 10 } })) as CallToolResult;
    } catch (e) {
      if (!(e instanceof StreamableHTTPError && e.code === 503) || attempt >= 50) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('the MCP resumability log under many calls', () => {
  let server: ServeProcess;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await startServe(await buildIndex());
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await server?.stop();
  });

  it('holds a bounded number of events per session, whatever the number of calls', async () => {
    for (let s = 0; s < 3; s++) {
      const client = new Client({ name: 'docgraph-event-store-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url + '/mcp')));
      clients.push(client);
    }
    const queries = ['certificate', 'rotate the TLS certificate', 'worker_connections', 'install', 'timeout'];
    const after: EventStoreStats[] = [];
    for (const rounds of [5, 40]) {
      for (let i = 0; i < rounds; i++) {
        // the sessions' calls run at once, as a loaded server sees them
        const results = await Promise.all(clients.map((c, s) => search(c, queries[(i + s) % queries.length]!)));
        for (const r of results) expect(r.isError).not.toBe(true);
      }
      after.push(await eventStore(server.url));
    }
    // each session keeps the priming event and the response of its last completed stream (2 events), and
    // of the stream before it until the server has seen the last one end: the client can have its answer,
    // and ask /health, a moment before that (before the fix: 2 per call, 276 after these 135 calls, up
    // to 500 per session and 32 MiB)
    for (const a of after) expect(a.events).toBeLessThanOrEqual(4 * clients.length);
  }, 120_000);
});
