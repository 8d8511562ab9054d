// Issue 14 item 3 on a real `docgraph serve`: the rate limit answers 429 with Retry-After, per API key
// and per client address, on REST and on MCP; a body over 1 MiB is 413 from its Content-Length alone; a
// request target over 8 KiB is 414. /health is never limited.
import { request as httpRequest } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, until, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

const PER_MINUTE = 3;
let ws: ReturnType<typeof workspace>;
let served: Served;
let unlimited: Served;
let hasty: Served;
let keyA: string;
let keyB: string;

async function createKey(): Promise<string> {
  const r = await run(ws.dir, ['keys', 'create', '--scope', 'admin', '--json']);
  return (JSON.parse(r.stdout) as { key: string }).key;
}

/** A POST that declares `declared` bytes and sends only its headers: refused from Content-Length alone. */
function postDeclaring(url: string, path: string, declared: number): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': declared } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy();
      });
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.flushHeaders();
  });
}

beforeAll(async () => {
  ws = workspace();
  writeFileSync(join(ws.docs, 'a.md'), '# Limits\n\nA page.\n');
  expect((await run(ws.dir, ['ingest', 'docs'])).code).toBe(0);
  [keyA, keyB] = [await createKey(), await createKey()];
  [served, unlimited, hasty] = await Promise.all([
    serveIn(ws.dir, [], { DOCGRAPH_RATE_LIMIT: String(PER_MINUTE) }),
    serveIn(ws.dir),
    serveIn(ws.dir, ['--no-worker'], { DOCGRAPH_REQUEST_TIMEOUT_MS: '1' }),
  ]);
}, 120_000);
afterAll(async () => {
  expect(await Promise.all([served?.stop(), unlimited?.stop(), hasty?.stop()])).toEqual([0, 0, 0]);
});

describe('rate limit (DOCGRAPH_RATE_LIMIT)', () => {
  it('answers 429 with Retry-After past the limit, counting each key apart', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= PER_MINUTE; i++) statuses.push((await getJson(`${served.url}/v1/status`, keyA)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await getJson(`${served.url}/v1/status`, keyA);
    expect(limited.status).toBe(429);
    const after = Number(limited.headers.get('retry-after'));
    expect(after).toBeGreaterThanOrEqual(1);
    expect(after).toBeLessThanOrEqual(60);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_s: after, limit_per_minute: PER_MINUTE } });
    // another key has its own budget
    expect((await getJson(`${served.url}/v1/status`, keyB)).status).toBe(200);
    // liveness and readiness are never limited
    expect((await getJson(`${served.url}/health`)).status).toBe(200);
  });

  it('limits requests without a key by client address, on MCP too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= PER_MINUTE; i++) statuses.push((await getJson(`${served.url}/v1/sources`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const rpc = await fetch(`${served.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(rpc.status).toBe(429);
    expect(rpc.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await rpc.json()) as { jsonrpc: string }).jsonrpc).toBe('2.0');
  });

  it('is off by default', async () => {
    for (let i = 0; i < PER_MINUTE * 3; i++) expect((await getJson(`${unlimited.url}/v1/status`)).status).toBe(200);
  });
});

describe('request size limits', () => {
  it('413 for a body over 1 MiB, from its Content-Length', async () => {
    const r = await postDeclaring(unlimited.url, '/v1/ingest', 2 * 1024 * 1024);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await postDeclaring(unlimited.url, '/mcp', 2 * 1024 * 1024)).status).toBe(413);
  });

  it('414 for a request target over 8 KiB', async () => {
    const r = await getJson(`${unlimited.url}/v1/search?q=${'a'.repeat(9000)}`);
    expect(r.status).toBe(414);
    expect(r.body.error.code).toBe('URI_TOO_LONG');
    expect((await getJson(`${unlimited.url}/v1/search?q=${'a'.repeat(1500)}`)).status).toBe(200);
  });
});

describe('request timeout (server.requestTimeoutMs)', () => {
  it('answers 503 with Retry-After past it, and the work still completes', async () => {
    for (let i = 0; i < 20; i++) writeFileSync(join(ws.docs, `late-${i}.md`), `# Late ${i}\n\nA page queued after the answer.\n`);
    const r = await getJson(`${hasty.url}/v1/ingest`, undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: ws.docs }) });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(r.body.error).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/server.requestTimeoutMs.*may still complete/) });
    await until(async () => {
      const jobs = await getJson(`${unlimited.url}/v1/jobs?limit=100`);
      return (jobs.body.jobs as { uri: string }[]).filter((j) => j.uri.startsWith('late-')).length === 20;
    }, 'the timed-out ingest to queue its jobs');
  });
});
