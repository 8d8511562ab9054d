/**
 * Regression (issue 10, item 4): `docgraph serve` had no load shedding. Under
 * more search_docs calls than it could answer, every request queued without
 * bound until clients timed out, and /health waited behind them. Now MCP
 * requests that do work pass a bounded queue with a deadline and are answered
 * 503 + Retry-After (a JSON-RPC error) when it is full or their wait runs out,
 * before the MCP transport sees them; /health never waits.
 *
 * Real `docgraph serve` children with tiny limits, real HTTP on loopback, the
 * real SDK client. No timing is asserted: the limits make shedding certain
 * for a burst, whatever the machine's speed.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, startServe, type ServeProcess } from '../helpers/mcp.js';

const BURST = 40;
const WORDS = 'tls certificate rotate worker_connections install configure error timeout server client read file stream buffer'.split(' ');
/** Long queries (many terms) make each call do more work, so a burst's calls overlap on any machine. */
const QUERIES = Array.from({ length: 6 }, (_, q) => Array.from({ length: 120 }, (_, i) => WORDS[(i * (q + 1)) % WORDS.length]).join(' '));

interface Session {
  client: Client;
  headers: Record<string, string>;
}

async function openSession(url: string): Promise<Session> {
  const transport = new StreamableHTTPClientTransport(new URL(url + '/mcp'));
  const client = new Client({ name: 'docgraph-load-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': transport.sessionId!,
      'mcp-protocol-version': transport.protocolVersion!,
    },
  };
}

interface Answer {
  id: number;
  status: number;
  retryAfter: string | null;
  body: string;
}

/** POSTs one search_docs tools/call as raw HTTP and reads the whole answer. */
async function search(url: string, session: Session, id: number): Promise<Answer> {
  const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'search_docs', arguments: { query: QUERIES[id % QUERIES.length] } } };
  const res = await fetch(url + '/mcp', { method: 'POST', headers: session.headers, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { id, status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

/** The JSON-RPC message answering `id` in an SSE body. */
function sseResult(body: string, id: number): { result?: { isError?: boolean; structuredContent?: { hits?: unknown[] } }; error?: unknown } | undefined {
  for (const line of body.split('\n')) {
    const data = line.startsWith('data:') ? line.slice(5).trim() : '';
    if (data === '') continue; // the priming event of a resumable stream has no data
    const msg = JSON.parse(data) as { id?: unknown; result?: { isError?: boolean }; error?: unknown };
    if (msg.id === id) return msg;
  }
  return undefined;
}

interface Health {
  status: string;
  load: { running: number; queued: number; shed_queue_full_total: number; shed_deadline_total: number; admitted_total: number; max_concurrent: number; max_queue: number };
}

async function health(url: string): Promise<{ status: number; json: Health }> {
  const res = await fetch(url + '/health', { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, json: (await res.json()) as Health };
}

/** Fires the burst and, while it runs, /health requests; returns both. */
async function burstWithHealth(url: string, session: Session): Promise<{ answers: Answer[]; healthStatuses: number[] }> {
  // Warm up both sides first (JIT), and open a keep-alive connection for each request of the burst:
  // Node's server takes on about one new connection per turn of its event loop, so a burst over new
  // connections would reach the limiter one request at a time (waiting unseen in the accept backlog).
  for (let i = 0; i < 3; i++) expectServed(await search(url, session, i));
  await Promise.all(Array.from({ length: BURST }, () => health(url)));
  const answers = Promise.all(Array.from({ length: BURST }, (_, i) => search(url, session, 100 + i)));
  const healthStatuses: number[] = [];
  let done = false;
  void answers.finally(() => (done = true));
  // at least 3 probes, the later ones while the burst is still being answered when it lasts that long
  for (let i = 0; i < 20 && (i < 3 || !done); i++) healthStatuses.push((await health(url)).status);
  return { answers: await answers, healthStatuses };
}

function expectShed(a: Answer, reason: string | RegExp): void {
  expect(a.retryAfter, `answer ${a.id}: Retry-After`).toMatch(/^[1-9]\d*$/);
  const json = JSON.parse(a.body) as { jsonrpc: string; id: unknown; error: { code: number; message: string; data: { reason: string; retry_after_s: number } } };
  expect(json).toMatchObject({ jsonrpc: '2.0', id: a.id, error: { code: -32003, data: { retry_after_s: Number(a.retryAfter) } } });
  expect(json.error.data.reason).toMatch(reason);
  expect(json.error.message).toMatch(/server busy/);
}

function expectServed(a: Answer): void {
  const msg = sseResult(a.body, a.id);
  expect(msg, `answer ${a.id} carries its result`).toBeDefined();
  expect(msg!.error).toBeUndefined();
  expect(msg!.result?.isError).not.toBe(true);
  expect(Array.isArray(msg!.result?.structuredContent?.hits)).toBe(true);
}

describe('load shedding in docgraph serve', () => {
  let index: string;
  let full: ServeProcess;
  let late: ServeProcess;

  beforeAll(async () => {
    index = await buildIndex();
    [full, late] = await Promise.all([
      // one slot, one queue place, a deadline that never comes into play: the burst overflows the queue
      startServe(index, { DOCGRAPH_MAX_CONCURRENT: '1', DOCGRAPH_MAX_QUEUE: '1', DOCGRAPH_QUEUE_DEADLINE_MS: '60000' }),
      // one slot, a queue that never fills, a 1 ms deadline: whoever has to wait, waits too long
      startServe(index, { DOCGRAPH_MAX_CONCURRENT: '1', DOCGRAPH_MAX_QUEUE: '1000', DOCGRAPH_QUEUE_DEADLINE_MS: '1' }),
    ]);
  }, 120_000);
  afterAll(async () => {
    const codes = await Promise.all([full?.stop(), late?.stop()]);
    expect(codes).toEqual([0, 0]);
  });

  it('answers a burst over the queue with some 503 + Retry-After and serves the rest; /health answers meanwhile', async () => {
    const session = await openSession(full.url);
    const { answers, healthStatuses } = await burstWithHealth(full.url, session);
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].sort()).toEqual([200, 503]);
    // mostly queue_full; on a slow machine the burst may also be long enough to count as a standing queue (deadline)
    for (const a of answers) {
      if (a.status === 503) expectShed(a, /^(queue_full|deadline)$/);
      else expectServed(a);
    }
    expect(healthStatuses.every((s) => s === 200)).toBe(true);
    const after = await health(full.url);
    expect(after.json.load).toMatchObject({ max_concurrent: 1, max_queue: 1, running: 0, queued: 0 });
    expect(after.json.load.shed_queue_full_total).toBeGreaterThan(0);
    expect(after.json.load.shed_queue_full_total + after.json.load.shed_deadline_total).toBe(answers.filter((a) => a.status === 503).length);
    // the session is still usable after the burst
    const r = await session.client.callTool({ name: 'search_docs', arguments: { query: 'tls' } });
    expect(r.isError).not.toBe(true);
    await session.client.close();
  }, 120_000);

  it('answers a request still queued at its deadline with 503 + Retry-After', async () => {
    const session = await openSession(late.url);
    const { answers, healthStatuses } = await burstWithHealth(late.url, session);
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    for (const a of answers) {
      if (a.status === 503) expectShed(a, /^deadline$/);
      else expectServed(a);
    }
    expect(healthStatuses.every((s) => s === 200)).toBe(true);
    const after = await health(late.url);
    expect(after.json.load.shed_deadline_total).toBe(shed.length);
    expect(after.json.load.shed_queue_full_total).toBe(0);
    await session.client.close();
  }, 120_000);

  it('gives SDK clients a 503 StreamableHTTPError for a shed call, and nothing else', async () => {
    const sessions = await Promise.all([openSession(full.url), openSession(full.url), openSession(full.url)]);
    await Promise.all(Array.from({ length: BURST }, () => health(full.url))); // keep-alive connections for the burst (see burstWithHealth)
    const calls = Array.from({ length: BURST }, (_, i) => sessions[i % sessions.length]!.client.callTool({ name: 'search_docs', arguments: { query: QUERIES[i % QUERIES.length]! } }));
    const settled = await Promise.allSettled(calls);
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
    expect(rejected.length).toBeGreaterThan(0);
    for (const e of rejected) {
      expect(e).toBeInstanceOf(StreamableHTTPError);
      expect((e as StreamableHTTPError).code).toBe(503);
    }
    for (const s of settled) if (s.status === 'fulfilled') expect(s.value.isError).not.toBe(true);
    await Promise.all(sessions.map((s) => s.client.close()));
  }, 120_000);
});
