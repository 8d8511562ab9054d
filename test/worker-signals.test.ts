// `docgraph worker` and real signals. The embedder is an OpenAI-compatible
// server on 127.0.0.1 that holds the request of one page, so the test knows
// that job is mid-flight when it signals the worker.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEmbeddings } from './helpers/fake-embeddings.js';
import { doc, jobCounts, queueDocs, run, start, until, withQueue, workspace } from './helpers/docgraph.js';

let server: FakeEmbeddings;
const dirs: string[] = [];

beforeAll(async () => {
  server = await FakeEmbeddings.start();
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A workspace with the slow page (a-slow.md, claimed first) and two others, all queued. */
async function queued(): Promise<{ dir: string; index: string; slowJob: string }> {
  const ws = workspace({
    embedder: { provider: 'openai', baseUrl: server.baseUrl, model: 'fake-embed', dimensions: 8, timeoutMs: 120_000 },
    queue: { leaseMs: 2000, heartbeatMs: 500, reaperIntervalMs: 300, backoffBaseMs: 20, backoffMaxMs: 100 },
    worker: { pollMs: 20 },
  });
  dirs.push(ws.dir);
  writeFileSync(join(ws.docs, 'a-slow.md'), `# Slow page\n\nThis page's embedding request is held: ${server.marker}.\n`);
  writeFileSync(join(ws.docs, 'b.md'), doc(1));
  writeFileSync(join(ws.docs, 'c.md'), doc(2));
  const ids = (await queueDocs(ws.dir)).jobs!.ids;
  return { dir: ws.dir, index: ws.index, slowJob: ids[0]! };
}

async function job(index: string, id: string): Promise<{ state: string; attempts: number }> {
  const j = (await withQueue(index, (q) => q.get(id)))!;
  return { state: j.state, attempts: j.attempts };
}

/** How each finished attempt of a job ended, oldest first. */
async function outcomes(index: string, id: string): Promise<string[]> {
  const j = (await withQueue(index, (q) => q.get(id)))!;
  return j.history.flatMap((h) => (h.outcome === null ? [] : [h.outcome]));
}

describe('docgraph worker and signals', () => {
  it('SIGTERM mid-job: stops claiming, finishes the job within the grace period, exits 0 with nothing leased', async () => {
    const ws = await queued();
    server.holding = true;
    server.markedRequests = 0;
    const w = start(ws.dir, ['worker'], { DOCGRAPH_WORKER_GRACE_MS: '60000' });
    await until(() => server.heldCount > 0, 'the slow page to be mid-embedding');
    w.signal('SIGTERM');
    await w.waitFor(/stopping on SIGTERM/);
    server.release(); // the job can finish now
    expect(await w.exited).toBe(0);
    expect(await job(ws.index, ws.slowJob)).toMatchObject({ state: 'completed', attempts: 1 });
    expect((await jobCounts(ws.index)).running).toBe(0);
    // it stopped claiming: the other two were left for another worker
    expect((await jobCounts(ws.index)).pending).toBe(2);
    expect(w.stderr()).toMatch(/worker stopped: 1 completed, 0 skipped, 0 failed, 0 handed back/);
  });

  it('SIGTERM mid-job past the grace period: hands the job back (attempt not counted), exits 0; the next worker finishes it', async () => {
    const ws = await queued();
    server.holding = true;
    const w = start(ws.dir, ['worker'], { DOCGRAPH_WORKER_GRACE_MS: '300' });
    await until(() => server.heldCount > 0, 'the slow page to be mid-embedding');
    w.signal('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.stderr()).toMatch(/1 handed back/);
    expect(await job(ws.index, ws.slowJob)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await outcomes(ws.index, ws.slowJob)).toEqual(['released']);
    expect((await jobCounts(ws.index)).running).toBe(0);

    server.release();
    const again = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(again.code, again.stderr).toBe(0);
    expect(await job(ws.index, ws.slowJob)).toMatchObject({ state: 'completed', attempts: 1 });
    expect(await outcomes(ws.index, ws.slowJob)).toEqual(['released', 'completed']);
    expect(await jobCounts(ws.index)).toMatchObject({ pending: 0, running: 0, completed: 3 });
  });

  it('a second signal exits at once; the lease brings the job back to the next worker', async () => {
    const ws = await queued();
    server.holding = true;
    const w = start(ws.dir, ['worker'], { DOCGRAPH_WORKER_GRACE_MS: '600000' });
    await until(() => server.heldCount > 0, 'the slow page to be mid-embedding');
    w.signal('SIGTERM');
    await w.waitFor(/stopping on SIGTERM/);
    w.signal('SIGTERM');
    expect(await w.exited).toBe(143);
    expect(w.stderr()).toMatch(/exiting at once/);
    expect((await job(ws.index, ws.slowJob)).state).toBe('running'); // still leased by the dead worker
    // an operator sees the stale lease (held longer than --older-than, or expired)
    const clean = await run(ws.dir, ['jobs', 'clean', '--older-than', '0s', '--dry-run']);
    expect(clean.stdout).toMatch(new RegExp(`^${ws.slowJob} +running +ingest-document .* a-slow\\.md`, 'm'));
    expect((await job(ws.index, ws.slowJob)).state).toBe('running'); // a dry run changes nothing

    server.release();
    const again = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(again.code, again.stderr).toBe(0);
    expect(await job(ws.index, ws.slowJob)).toMatchObject({ state: 'completed', attempts: 2 });
    expect(await outcomes(ws.index, ws.slowJob)).toEqual(['expired', 'completed']);
    expect(await jobCounts(ws.index)).toMatchObject({ pending: 0, running: 0, completed: 3 });
    const verify = await run(ws.dir, ['verify']);
    expect(verify.stdout).toMatch(/^0\.00% drift/);
  });
});
