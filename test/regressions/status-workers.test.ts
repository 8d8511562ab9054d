import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { run, workspace, writeDocs } from '../helpers/docgraph.js';

// `status` listed workers that exited long ago as if alive, and said nothing when jobs were pending with no
// live worker (issue 12 #10).
const ws = workspace({ queue: { leaseMs: 1000 } }, 'dg-status-workers-');
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

interface Status {
  queue: { counts: { pending: number }; workers: { worker: string; alive: boolean }[]; warnings: string[] };
}

it('says a worker that exited is gone, and warns when jobs wait with no live worker', async () => {
  writeDocs(ws.docs, 3);
  expect((await run(ws.dir, ['ingest', 'docs', '--no-wait'])).code).toBe(0);
  const waiting = JSON.parse((await run(ws.dir, ['status', '--json'])).stdout) as Status;
  expect(waiting.queue.counts.pending).toBe(3);
  expect(waiting.queue.warnings).toEqual([expect.stringMatching(/^3 jobs are pending and no worker is running: start `docgraph worker`/)]);
  const text = await run(ws.dir, ['status']);
  expect(text.stdout).toMatch(/^warning +3 jobs are pending and no worker is running/m);

  expect((await run(ws.dir, ['worker', '--exit-when-idle'])).code).toBe(0);
  await new Promise((r) => setTimeout(r, 1500)); // past one lease
  const after = JSON.parse((await run(ws.dir, ['status', '--json'])).stdout) as Status;
  expect(after.queue.workers.length).toBeGreaterThan(0);
  expect(after.queue.workers.every((w) => !w.alive)).toBe(true);
  expect(after.queue.warnings).toEqual([]); // nothing pending
  expect((await run(ws.dir, ['status'])).stdout).toMatch(/workers +\S+ \(gone, seen/);
});
