// One client must not be able to make `docgraph serve` hold unbounded memory:
// a resource read returns at most server.tokenBudget tokens (a long document
// comes in pages, docgraph://doc/{uri}?page=N, each naming the next), and the
// events kept for stream resumption are capped in bytes across all sessions
// (server.eventStoreMaxBytes), which /health reports. A real `docgraph
// serve`, a multi-megabyte document, many sessions of the real MCP client.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/docgraph.js';
import { startServe, type ServeProcess } from '../helpers/mcp.js';

const BUDGET = 4000;
const MAX_EVENT_BYTES = 256 * 1024;
let serve: ServeProcess;

/** A Markdown document of about `bytes` bytes: many sections of prose. */
function bigDoc(bytes: number): string {
  const parts = ['# Big manual\n\nThe whole product in one page.\n'];
  let size = parts[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const s = `\n## Setting number ${i}\n\n` + `The option opt_${i} controls how the widget server handles request batches of size ${i}. `.repeat(20) + '\n';
    parts.push(s);
    size += s.length;
  }
  return parts.join('');
}

async function session(url: string): Promise<Client> {
  const client = new Client({ name: 'budget-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url + '/mcp')));
  return client;
}

type Contents = { uri: string; text: string; _meta?: { page: number; pages: number; next_uri?: string } };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-mcp-budget-'));
  const docs = join(dir, 'docs');
  mkdirSync(docs);
  writeFileSync(join(docs, 'big.md'), bigDoc(3 * 1024 * 1024));
  writeFileSync(join(docs, 'small.md'), '# Small\n\nA short page.\n');
  const index = join(dir, 'index.db');
  const r = await run(dir, ['--index', index, 'ingest', 'docs']);
  expect(r.code, r.stderr).toBe(0);
  serve = await startServe(index, { DOCGRAPH_TOKEN_BUDGET: String(BUDGET), DOCGRAPH_EVENT_STORE_MAX_BYTES: String(MAX_EVENT_BYTES) });
}, 180_000);
afterAll(async () => {
  await serve?.stop();
});

describe('resource reads and the event store are bounded', () => {
  it('reads a long document in pages within the token budget, each naming the next', async () => {
    const client = await session(serve.url);
    try {
      const first = (await client.readResource({ uri: 'docgraph://doc/big.md' })).contents[0] as Contents;
      expect(Math.ceil(first.text.length / 4)).toBeLessThanOrEqual(BUDGET);
      expect(first.text.startsWith('# Big manual')).toBe(true);
      expect(first._meta?.page).toBe(1);
      const pages = first._meta!.pages;
      expect(pages).toBeGreaterThan(100);
      expect(first._meta?.next_uri).toBe('docgraph://doc/big.md?page=2');
      expect(first.text).toContain('Read docgraph://doc/big.md?page=2 for the next page');
      const second = (await client.readResource({ uri: first._meta!.next_uri! })).contents[0] as Contents;
      expect(second.uri).toBe('docgraph://doc/big.md?page=2');
      expect(second._meta?.page).toBe(2);
      expect(Math.ceil(second.text.length / 4)).toBeLessThanOrEqual(BUDGET);
      const last = (await client.readResource({ uri: `docgraph://doc/big.md?page=${pages}` })).contents[0] as Contents;
      expect(last._meta?.next_uri).toBeUndefined();
      expect(last.text).toContain('the last page');
      await expect(client.readResource({ uri: `docgraph://doc/big.md?page=${pages + 1}` })).rejects.toMatchObject({ code: -32602 });
      await expect(client.readResource({ uri: 'docgraph://doc/big.md?page=0' })).rejects.toMatchObject({ code: -32602 });
      // a short document is one read, as before
      const small = (await client.readResource({ uri: 'docgraph://doc/small.md' })).contents[0] as Contents;
      expect(small.text).toContain('A short page.');
      expect(small._meta).toBeUndefined();
    } finally {
      await client.close();
    }
  }, 120_000);

  it('keeps the events of many sessions under server.eventStoreMaxBytes', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => session(serve.url)));
    try {
      for (const [i, c] of clients.entries()) {
        for (let p = 1; p <= 4; p++) await c.readResource({ uri: `docgraph://doc/big.md?page=${i * 4 + p}` });
      }
      // 80 reads of ~16 KB each went out: far more than the cap
      const health = (await (await fetch(serve.url + '/health')).json()) as { event_store: { bytes: number; events: number; max_bytes: number } };
      expect(health.event_store.max_bytes).toBe(MAX_EVENT_BYTES);
      expect(health.event_store.bytes).toBeGreaterThan(MAX_EVENT_BYTES / 2);
      expect(health.event_store.bytes).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 120_000);
});
