// Failures end in the dead letter queue with their history, and come back
// from it: a retryable failure (an I/O error) after maxAttempts, a bad file
// at once (parse errors are permanent). Real CLI processes on one index.
import { readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestReport } from '../src/ingest/ingest.js';
import { doc, jobCounts, queueDocs, run, withQueue, withStore, workspace } from './helpers/docgraph.js';

const ws = workspace({ queue: { maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 50, leaseMs: 5000 }, worker: { pollMs: 20 } });
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

const indexed = (uri: string): Promise<boolean> => withStore(ws.index, async (s) => (await s.getDocumentByUri(uri)) !== undefined);

describe('dead letter queue', () => {
  it('a job that keeps failing ends in the DLQ after maxAttempts with its history; dlq retry brings it back and it succeeds once the cause is fixed', async () => {
    writeFileSync(join(ws.docs, 'good.md'), doc(1));
    const flaky = join(ws.docs, 'flaky.md');
    writeFileSync(flaky, doc(2));
    const original = readFileSync(flaky);
    expect((await queueDocs(ws.dir)).jobs!.ids).toHaveLength(2);

    // before a worker reads it, the file becomes a symlink loop: every read fails with ELOOP (an I/O error: retryable)
    unlinkSync(flaky);
    symlinkSync('flaky.md', flaky);
    const w = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/1 completed, 0 skipped, 3 failed/);

    const dead = await withQueue(ws.index, (q) => q.dlq.list());
    expect(dead).toEqual([expect.objectContaining({ uri: 'flaky.md', deadReason: 'max-attempts', attempts: 3 })]);
    const details = (await withQueue(ws.index, (q) => q.dlq.show(dead[0]!.id)))!;
    expect(details.history.map((h) => h.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(details.history.every((h) => h.error?.code === 'ELOOP' && h.error.retryable)).toBe(true);
    expect(details.lastError).toMatchObject({ code: 'ELOOP' });
    const human = await run(ws.dir, ['dlq', 'show', dead[0]!.id]);
    expect(human.stdout).toMatch(/state +dead \(max-attempts\)/);
    expect(human.stdout).toMatch(/#3 .* → failed: .*ELOOP/);
    expect(await indexed('good.md')).toBe(true);
    expect(await indexed('flaky.md')).toBe(false);

    // fixed: the same content is back; retrying the dead job indexes it
    unlinkSync(flaky);
    writeFileSync(flaky, original);
    const retry = await run(ws.dir, ['dlq', 'retry', dead[0]!.id]);
    expect(retry.stdout).toBe(`requeued job ${dead[0]!.id}\n`);
    expect(await jobCounts(ws.index)).toMatchObject({ dead: 0, pending: 1 });
    const w2 = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(w2.code, w2.stderr).toBe(0);
    expect(await indexed('flaky.md')).toBe(true);
    const after = (await withQueue(ws.index, (q) => q.get(dead[0]!.id)))!;
    expect(after).toMatchObject({ state: 'completed', attempts: 1 });
    expect(after.history.map((h) => h.outcome)).toEqual(['failed', 'failed', 'failed', 'completed']);
    expect((await jobCounts(ws.index)).dead).toBe(0);
  });

  it('a file that cannot be parsed goes to the DLQ at once (permanent), and the ingest report lists it as skipped', async () => {
    writeFileSync(join(ws.docs, 'binary.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02, 0xff, 0x00, 0x10]));
    const r = await run(ws.dir, ['ingest', 'docs', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as IngestReport;
    expect(report.skipped).toEqual([expect.objectContaining({ uri: 'binary.md', reason: 'binary' })]);
    expect(report).toMatchObject({ indexed: 0, unchanged: 2 });
    const dead = await withQueue(ws.index, (q) => q.dlq.list());
    expect(dead).toEqual([expect.objectContaining({ uri: 'binary.md', deadReason: 'permanent-error', attempts: 1, lastError: expect.objectContaining({ code: 'UNSUPPORTED_FILE' }) })]);
    // ingesting again does not queue the same bad content again, and still reports it
    const again = JSON.parse((await run(ws.dir, ['ingest', 'docs', '--json'])).stdout) as IngestReport;
    expect(again.skipped.map((s) => s.uri)).toEqual(['binary.md']);
    expect(again.jobs).toMatchObject({ queued: 1, deduplicated: 1 });
    expect((await jobCounts(ws.index)).dead).toBe(1);

    const purge = await run(ws.dir, ['dlq', 'purge']);
    expect(purge.code).toBe(2); // not a terminal: needs --yes
    expect(purge.stderr).toMatch(/--yes/);
    expect((await run(ws.dir, ['dlq', 'purge', '--yes'])).stdout).toBe('deleted 1 dead job\n');
    expect((await jobCounts(ws.index)).dead).toBe(0);
  });
});
