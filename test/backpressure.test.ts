// Backpressure with real processes: a producer (`ingest --no-wait`) pauses at
// the queue's high-water mark, `status` shows it, and it resumes once a worker
// has brought the queue down to the low-water mark.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { jobCounts, run, start, until, withStore, workspace, writeDocs } from './helpers/docgraph.js';

const MAX = 10;
const ws = workspace({ queue: { maxSize: MAX, highWater: 0.5, lowWater: 0.2 }, worker: { pollMs: 20 } });
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

describe('backpressure', () => {
  it('pauses a producer above the high-water mark and resumes it below the low-water mark', async () => {
    writeDocs(ws.docs, 30);
    const producer = start(ws.dir, ['ingest', 'docs', '--no-wait']);
    await producer.waitFor(/waiting for workers to bring it down to 2/);
    const paused = await jobCounts(ws.index);
    expect(paused.pending).toBeGreaterThanOrEqual(5);
    expect(paused.pending).toBeLessThanOrEqual(MAX);
    const status = await run(ws.dir, ['status', '--json']);
    const bp = (JSON.parse(status.stdout) as { queue: { backpressure: { paused: boolean; depth: number; high_water: number; low_water: number; max_size: number } } }).queue.backpressure;
    expect(bp).toMatchObject({ paused: true, high_water: 5, low_water: 2, max_size: MAX });
    expect(producer.child.exitCode).toBeNull(); // still waiting

    // a worker drains the queue; the producer resumes and finishes queuing
    const worker = start(ws.dir, ['worker']);
    let maxDepth = 0;
    await until(async () => {
      const c = await jobCounts(ws.index);
      maxDepth = Math.max(maxDepth, c.pending! + c.running!);
      return producer.child.exitCode !== null;
    }, 'the producer to finish');
    expect(await producer.exited).toBe(0);
    expect(producer.stderr()).toMatch(/queuing again/);
    expect(maxDepth).toBeLessThanOrEqual(MAX);
    await until(async () => (await jobCounts(ws.index)).completed === 30, 'all 30 jobs to complete');
    worker.signal('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect((await withStore(ws.index, (s) => s.stats())).documents).toBe(30);
  });
});
