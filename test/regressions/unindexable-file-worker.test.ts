import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { run, workspace } from '../helpers/docgraph.js';

// A binary file through `ingest --no-wait` + `worker` landed in the DLQ with a raw JSON log line and a stack
// trace, and `dlq retry --all` requeued it although it could never succeed (issue 12 #9).
const ws = workspace({}, 'dg-unindexable-');
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

it('the worker reports the file as skipped in one line, and dlq retry keeps it until the file changes', async () => {
  writeFileSync(join(ws.docs, 'a.md'), '# A\n\nGood text.\n');
  const binary = Buffer.concat([Buffer.from('\u0000\u0001'), randomBytes(2000)]);
  writeFileSync(join(ws.docs, 'b.md'), binary);
  expect((await run(ws.dir, ['ingest', 'docs', '--no-wait'])).code).toBe(0);

  const w = await run(ws.dir, ['worker', '--exit-when-idle']);
  expect(w.code, w.stderr).toBe(0);
  expect(w.stderr).toMatch(/^ {2}skipped b\.md looks like a binary file/m);
  expect(w.stderr).toMatch(/1 completed, 1 skipped, 0 failed/);
  expect(w.stderr).not.toMatch(/\{"level"|^\s+at /m); // no JSON log line, no stack trace

  const kept = await run(ws.dir, ['dlq', 'retry', '--all']);
  expect(kept.code, kept.stderr).toBe(0);
  expect(kept.stdout).toMatch(/^requeued 0 jobs$/m);
  expect(kept.stdout).toMatch(/kept b\.md \(job \d+\): it still cannot be indexed and has not changed/);

  writeFileSync(join(ws.docs, 'b.md'), '# B\n\nNow it is text.\n');
  const requeued = await run(ws.dir, ['dlq', 'retry', '--all']);
  expect(requeued.stdout).toMatch(/^requeued 1 job/m);
  expect(requeued.stdout).not.toMatch(/kept/);
});
