// Issue 14 item 6: `docgraph serve` with OTEL_EXPORTER_OTLP_ENDPOINT exports OpenTelemetry spans over
// OTLP/HTTP (JSON) to a receiver this test runs on loopback: one per HTTP request and MCP tool call, a `search` span under
// it with one child per search stage (timed on the search thread, made on the main one), and one per
// ingest job attempt of the server's worker.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDocs, until, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP trace receiver: POST /v1/traces with a JSON ExportTraceServiceRequest. */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly contentTypes: string[] = [];
  url = '';
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      this.contentTypes.push(req.headers['content-type'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) this.spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const receiver = new OtlpReceiver();
let served: Served;

beforeAll(async () => {
  await receiver.start();
  const ws = workspace();
  writeFileSync(join(ws.docs, 'tls.md'), '# Rotate the TLS certificate\n\nRun `certctl rotate` to rotate the TLS certificate.\n');
  writeFileSync(join(ws.docs, 'logs.md'), '# Log levels\n\nSet `log_level` to debug.\n');
  await queueDocs(ws.dir); // the server's worker runs these jobs
  served = await serveIn(ws.dir, [], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' });
}, 120_000);

afterAll(async () => {
  if (served?.child.child.exitCode === null) await served.stop();
  await receiver.close();
});

const attr = (s: OtlpSpan, key: string): unknown => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v && Object.values(v)[0];
};

describe('OpenTelemetry traces', () => {
  it('exports spans for a request, its search and stages, and ingest jobs, with parent/child links', async () => {
    await until(async () => (await getJson(`${served.url}/v1/search?q=certificate`)).body.hits?.length > 0, 'the queued documents to be indexed');
    const r = await getJson(`${served.url}/v1/search?q=rotate%20certificate`);
    expect(r.status).toBe(200);
    const client = new Client({ name: 'tracing-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
    try {
      await client.callTool({ name: 'search_docs', arguments: { query: 'log level' } });
    } finally {
      await client.close();
    }
    expect(await served.stop()).toBe(0); // shutting down flushes the batch of spans

    const byName = (name: string) => receiver.spans.filter((s) => s.name === name);
    const requests = byName('GET /v1/search');
    expect(requests.length).toBeGreaterThan(0);
    const req = requests.find((s) => String(attr(s, 'url.path')) === '/v1/search' && receiver.spans.some((c) => c.parentSpanId === s.spanId))!;
    expect(req.kind).toBe(2); // SPAN_KIND_SERVER
    expect(attr(req, 'http.route')).toBe('/v1/search');
    expect(Number(attr(req, 'http.response.status_code'))).toBe(200);

    const search = receiver.spans.find((s) => s.name === 'search' && s.parentSpanId === req.spanId);
    expect(search, 'a search span under the request span').toBeDefined();
    expect(search!.traceId).toBe(req.traceId);
    const stages = receiver.spans.filter((s) => s.parentSpanId === search!.spanId).map((s) => s.name);
    expect(new Set(stages)).toEqual(new Set(['search.plan', 'search.lexical', 'search.vector', 'search.entity', 'search.fusion', 'search.expansion']));

    // an MCP tool call: its span under the POST /mcp request, its search under it
    const tool = byName('mcp.tool search_docs')[0]!;
    expect(tool).toBeDefined();
    expect(attr(tool, 'mcp.tool.outcome')).toBe('ok');
    expect(receiver.spans.find((s) => s.spanId === tool.parentSpanId)?.name).toBe('POST /mcp');
    expect(receiver.spans.some((s) => s.name === 'search' && s.parentSpanId === tool.spanId)).toBe(true);

    const jobs = byName('ingest.job');
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(jobs.map((j) => attr(j, 'docgraph.job.uri'))).toEqual(expect.arrayContaining(['tls.md', 'logs.md']));
    expect(receiver.contentTypes.every((t) => t.startsWith('application/json'))).toBe(true);
  });
});
