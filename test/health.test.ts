// Issue 14 item 4 on a real `docgraph serve`: /health is liveness (no dependency), /health/ready goes 503
// while the index file cannot be read (here: moved away, then back) and while the queue is stuck (jobs
// pending longer than health.maxPendingAgeMs with no worker), with a JSON body saying which check failed.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDocs, run, until, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

let ws: ReturnType<typeof workspace>;
let served: Served;
let stuckWs: ReturnType<typeof workspace>;
let stuck: Served;
let degraded: Served;

beforeAll(async () => {
  ws = workspace();
  writeFileSync(join(ws.docs, 'a.md'), '# Health\n\nA page.\n');
  expect((await run(ws.dir, ['ingest', 'docs'])).code).toBe(0);
  stuckWs = workspace({ health: { maxPendingAgeMs: 1000 } });
  writeFileSync(join(stuckWs.docs, 'a.md'), '# Stuck\n\nA page nobody indexes.\n');
  await queueDocs(stuckWs.dir); // queued, and no worker will run them
  // an embedder that is not the one that built the vectors, at an address nothing listens on: searches answer without vectors
  const noEmbedder = { DOCGRAPH_EMBEDDER: 'openai', DOCGRAPH_EMBEDDER_BASE_URL: 'http://127.0.0.1:9/v1', DOCGRAPH_EMBEDDER_MODEL: 'none', DOCGRAPH_EMBEDDER_API_KEY: 'unused-key-0123456789' };
  [served, stuck, degraded] = await Promise.all([serveIn(ws.dir), serveIn(stuckWs.dir, ['--no-worker']), serveIn(ws.dir, ['--no-worker'], noEmbedder)]);
}, 120_000);
afterAll(async () => {
  expect(await Promise.all([served?.stop(), stuck?.stop(), degraded?.stop()])).toEqual([0, 0, 0]);
});

async function readyGauge(): Promise<number | undefined> {
  const text = (await getJson(`${served.url}/metrics`)).body as string;
  const line = text.split('\n').find((l) => l.startsWith('docgraph_ready '));
  return line === undefined ? undefined : Number(line.slice('docgraph_ready '.length));
}

describe('/health and /health/ready', () => {
  it('are 200 on a healthy server, with the checks in the body', async () => {
    const live = await getJson(`${served.url}/health`);
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('ok');
    const ready = await getJson(`${served.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', index: { ok: true, reachable: true, migrated: true }, queue: { ok: true, stale_leases: 0 }, dlq: { size: 0 }, embedder: { provider: 'builtin', status: 'ok' } });
  });

  it('ready goes 503 while the index file cannot be read, and back; liveness stays 200', async () => {
    const away = `${ws.index}.away`;
    renameSync(ws.index, away);
    try {
      const r = await getJson(`${served.url}/health/ready`);
      expect(r.status).toBe(503);
      expect(r.body.status).toBe('not_ready');
      expect(r.body.index).toMatchObject({ ok: false, reachable: false, detail: expect.stringContaining('cannot read the index') });
      expect((await getJson(`${served.url}/health`)).status).toBe(200);
      // the alert rules (deploy/prometheus) see the same answer as a gauge
      expect(await readyGauge()).toBe(0);
    } finally {
      renameSync(away, ws.index);
    }
    const back = await getJson(`${served.url}/health/ready`);
    expect(back.status).toBe(200);
    expect(back.body.index.ok).toBe(true);
    expect(await readyGauge()).toBe(1);
  });

  it('reports the embedder degraded once a search ran without vectors, and stays ready (search still answers)', async () => {
    const search = await getJson(`${degraded.url}/v1/search?q=health`);
    expect(search.status).toBe(200);
    expect(search.body.degraded).toEqual(['vector']);
    const r = await getJson(`${degraded.url}/health/ready`);
    // the body says which check failed, should this ever be 503 (seen once under CI load)
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.embedder).toEqual({ provider: 'openai', status: 'degraded', degraded: ['vector'] });
  });

  it('ready goes 503 when the oldest pending job waits past health.maxPendingAgeMs', async () => {
    let last: Awaited<ReturnType<typeof getJson>> | undefined;
    await until(async () => {
      last = await getJson(`${stuck.url}/health/ready`);
      return last.status === 503;
    }, 'the stuck queue to make the server not ready');
    expect(last!.body.index.ok).toBe(true);
    expect(last!.body.queue).toMatchObject({ ok: false, pending: 1, detail: expect.stringMatching(/oldest pending job waits .*is a worker running/) });
    expect(last!.body.queue.oldest_pending_age_s).toBeGreaterThan(1);
  });
});
