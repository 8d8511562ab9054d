// Issue 14 item 5 on a real `docgraph serve`: after a REST search, an MCP tool call and an ingest through
// POST /v1/ingest, /metrics (Prometheus text) counts them; and every metric docs/operations.md lists is
// exposed, so the operator's page cannot name a metric that does not exist.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, run, until } from './helpers/docgraph.js';
import { getJson, servedWorkspace, type Served, type Workspace } from './helpers/serve.js';

let ws: Workspace;
let served: Served;

const metrics = async (): Promise<string> => (await getJson(`${served.url}/metrics`)).body as string;
/** The value of one sample, e.g. `docgraph_ingest_jobs_total{outcome="completed"}`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

beforeAll(async () => {
  ({ ws, served } = await servedWorkspace());
}, 120_000);
afterAll(async () => {
  expect(await served?.stop()).toBe(0);
});

describe('/metrics', () => {
  it('counts HTTP requests, searches, MCP tool calls and ingest jobs, and shows the queue', async () => {
    expect((await getJson(`${served.url}/v1/search?q=certificate`)).status).toBe(200);
    expect((await getJson(`${served.url}/v1/sections/nope`)).status).toBe(404);
    const client = new Client({ name: 'metrics-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${served.url}/mcp`)));
    try {
      await client.callTool({ name: 'search_docs', arguments: { query: 'certificate' } });
      await client.callTool({ name: 'get_section', arguments: { ref: 's_000000000000000000000000' } });
    } finally {
      await client.close();
    }
    writeFileSync(join(ws.docs, 'b.md'), '# Keys\n\nRotate the keys too.\n');
    const queued = await getJson(`${served.url}/v1/ingest`, undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: ws.docs }) });
    expect(queued.status).toBe(202);
    await until(async () => (await getJson(`${served.url}/v1/jobs/${queued.body.job_ids[0]}`)).body.state === 'completed', 'the ingest job to complete');

    const text = await metrics();
    expect(sample(text, 'docgraph_http_requests_total', { method: 'GET', route: '/v1/search', status: '200' })).toBe(1);
    expect(sample(text, 'docgraph_http_requests_total', { method: 'GET', route: '/v1/sections/:ref{.+}', status: '404' })).toBe(1);
    expect(sample(text, 'docgraph_http_requests_total', { method: 'POST', route: '/v1/ingest', status: '202' })).toBe(1);
    expect(sample(text, 'docgraph_http_request_duration_seconds_count', { route: '/v1/search' })).toBe(1);
    expect(sample(text, 'docgraph_search_duration_seconds_count', { outcome: 'ok' })).toBe(2); // REST and MCP
    expect(sample(text, 'docgraph_mcp_tool_calls_total', { tool: 'search_docs', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'docgraph_mcp_tool_calls_total', { tool: 'get_section', outcome: 'error' })).toBe(1);
    expect(sample(text, 'docgraph_mcp_tool_response_bytes_count', { tool: 'search_docs' })).toBe(1);
    expect(sample(text, 'docgraph_ingest_jobs_total', { outcome: 'completed' })).toBe(1);
    expect(sample(text, 'docgraph_queue_jobs', { state: 'completed' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'docgraph_queue_jobs', { state: 'pending' })).toBe(0);
    expect(sample(text, 'docgraph_dlq_size')).toBe(0);
    expect(sample(text, 'docgraph_queue_oldest_pending_age_seconds')).toBe(0);
    expect(sample(text, 'docgraph_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'docgraph_ready')).toBe(1);
    // search latency per stage: each of the two searches timed every stage (on the search threads)
    for (const stage of ['plan', 'lexical', 'vector', 'entity', 'fusion', 'expansion']) expect(sample(text, 'docgraph_search_stage_duration_seconds_count', { stage }), stage).toBe(2);
    const unmatched = await getJson(`${served.url}/v1/no/such/route/${Math.random()}`);
    expect(unmatched.status).toBe(404);
    expect(sample(await metrics(), 'docgraph_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
  });

  it('shows the drift the last `docgraph verify` of the index found, whichever process ran it', async () => {
    expect(sample(await metrics(), 'docgraph_verify_last_run_timestamp_seconds')).toBe(0);
    const clean = await run(ws.dir, ['verify']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    let text = await metrics();
    expect(sample(text, 'docgraph_verify_last_run_timestamp_seconds')).toBeGreaterThan(0);
    expect(sample(text, 'docgraph_verify_drift_ratio')).toBe(0);
    // a file changed behind the index's back (no watch): the next verify finds it, and /metrics says so
    writeFileSync(join(ws.docs, 'a.md'), '# Certificates\n\nRotate the certificate monthly now.\n');
    expect((await run(ws.dir, ['verify'])).code).toBe(1);
    text = await metrics();
    expect(sample(text, 'docgraph_verify_drift_ratio')).toBeGreaterThan(0);
    expect(sample(text, 'docgraph_verify_drift_ratio')).toBeLessThanOrEqual(1);
  });

  it('exposes every metric docs/operations.md lists, and each is prefixed docgraph_', async () => {
    const doc = readFileSync(join(repo, 'docs', 'operations.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `(docgraph_[a-z_]+)` \|/gm)].map((m) => m[1]!);
    expect(documented.length).toBeGreaterThanOrEqual(15);
    const text = await metrics();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    for (const name of documented) expect(exposed.has(name), name).toBe(true);
    for (const name of exposed) expect(name.startsWith('docgraph_'), name).toBe(true);
    const ours = [...exposed].filter((n) => !/^docgraph_(process|nodejs)_/.test(n));
    for (const name of ours) expect(documented, `${name} is exposed but not documented`).toContain(name);
  });
});
