// Deduplication and supersession through the CLI: the same content queued
// twice is done once; a file changed while its job waits replaces that job.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestReport } from '../src/ingest/ingest.js';
import { doc, queueDocs, run, token, withQueue, withStore, workspace, writeDocs } from './helpers/docgraph.js';

const ws = workspace({ worker: { pollMs: 20 } });
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

/** `ingest docs --no-wait`: the first time through the CLI, then in process (the same App call, without a process start). */
let viaCli = true;
const queue = async (): Promise<IngestReport> => {
  if (!viaCli) return queueDocs(ws.dir);
  viaCli = false;
  const r = await run(ws.dir, ['ingest', 'docs', '--no-wait', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as IngestReport;
};

describe('dedupe and supersede', () => {
  it('queues the same content once, lets a change made while pending supersede the old job, and does each document once', async () => {
    const uris = writeDocs(ws.docs, 3);
    const first = await queue();
    expect(first.jobs).toMatchObject({ queued: 3, deduplicated: 0 });

    // the same content again: nothing new
    const second = await queue();
    expect(second.jobs).toMatchObject({ queued: 3, deduplicated: 3 });
    expect(second.jobs!.ids).toEqual(first.jobs!.ids);

    // one file changes while its job is still pending: a new job supersedes it
    const changed = join(ws.docs, uris[0]!);
    writeFileSync(changed, doc(0, 4, 2));
    const third = await queue();
    expect(third.jobs).toMatchObject({ queued: 3, deduplicated: 2 });
    const newJob = third.jobs!.ids.find((id) => !first.jobs!.ids.includes(id))!;
    const oldJob = first.jobs!.ids[third.jobs!.ids.indexOf(newJob)]!;
    await withQueue(ws.index, async (q) => {
      expect(await q.get(oldJob)).toMatchObject({ state: 'superseded', supersededBy: newJob, attempts: 0 });
      expect((await q.counts())).toMatchObject({ pending: 3, superseded: 1 });
    });

    const w = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/worker stopped: 3 completed, 0 skipped, 0 failed/);
    await withQueue(ws.index, async (q) => {
      expect(await q.counts()).toMatchObject({ pending: 0, running: 0, completed: 3, superseded: 1, dead: 0 });
      for (const id of third.jobs!.ids) expect(await q.get(id)).toMatchObject({ state: 'completed', attempts: 1 });
    });
    // the index holds the new content of the changed file
    const stored = await withStore(ws.index, async (s) => (await s.getDocumentSections((await s.getDocumentByUri(uris[0]!))!.id)).map((x) => x.text).join(' '));
    expect(stored).toContain('revision 2');
    expect(readFileSync(changed, 'utf8')).toContain('revision 2');
    expect(stored).toContain(token(0));

    // everything done: queuing again finds it all unchanged
    const fourth = await queue();
    expect(fourth).toMatchObject({ unchanged: 3, jobs: { queued: 0 } });
  });
});
