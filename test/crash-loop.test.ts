// The crash loop: a few hundred documents are queued, then a worker process
// is killed with SIGKILL at random moments (at least 20 times) while it works
// through them. Leases make that safe: every document ends up indexed exactly
// once, verify reports no drift, and no job is lost, stuck or dead.
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { integrityOf, jobCounts, queueDocs, run, start, withQueue, withStore, workspace, writeDocs } from './helpers/docgraph.js';

const DOCS = 300;
const SECTIONS = 8;
const KILLS = 22;
/** Kill cycles run in this many lanes at once (worker start-up dominates a cycle). */
const LANES = 2;
// Short leases so killed workers' jobs come back quickly; enough attempts that
// no job can run out of them however often the kills land on it.
const ws = workspace({
  queue: { leaseMs: 1000, heartbeatMs: 300, reaperIntervalMs: 200, maxAttempts: 100, backoffBaseMs: 20, backoffMaxMs: 200 },
  worker: { pollMs: 20, graceMs: 500 },
});
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

/** A random whole number in [lo, hi]. */
const between = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));

describe('crash loop: SIGKILL a worker at random moments while it ingests', () => {
  it(`indexes ${DOCS} documents exactly once through ${KILLS} kills, with 0% drift and no job lost or stuck`, { timeout: 180_000 }, async () => {
    const uris = writeDocs(ws.docs, DOCS, SECTIONS);
    const queued = await queueDocs(ws.dir);
    expect(queued.jobs!.ids).toHaveLength(DOCS);

    // lanes, each starting a worker and killing it, over and over: the
    // workers also race each other for jobs on the one file
    let killedMidWork = 0;
    let kills = 0;
    const lane = async (): Promise<void> => {
      for (let k = 0; k < KILLS / LANES; k++) {
        // info logs show when the worker has claimed a job; the kill lands 0-200 ms later
        const w = start(ws.dir, ['worker'], { DOCGRAPH_LOG_LEVEL: 'info' });
        await w.waitFor(/job claimed|worker stopped/);
        await sleep(between(0, 200));
        if ((await jobCounts(ws.index)).running > 0) killedMidWork++;
        w.signal('SIGKILL');
        expect(await w.exited).toBe(-1); // killed by the signal, not exited
        kills++;
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    expect(kills).toBe(KILLS);
    expect(killedMidWork).toBeGreaterThanOrEqual(10);

    // a last worker drains the queue, including the jobs the killed ones held
    const last = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(last.code, last.stderr).toBe(0);

    const counts = await jobCounts(ws.index);
    expect(counts).toMatchObject({ pending: 0, running: 0, dead: 0, superseded: 0, completed: DOCS });
    // one completed job per document, and the kills did land mid-job: some attempts expired
    const completed = await withQueue(ws.index, async (q) => {
      const jobs = await q.list({ states: ['completed'], limit: 10_000 });
      return Promise.all(jobs.map(async (j) => ({ uri: j.uri, outcomes: (await q.get(j.id))!.history.map((h) => h.outcome) })));
    });
    expect(completed.map((j) => j.uri).sort()).toEqual([...uris].sort()); // each uri once
    expect(completed.flatMap((j) => j.outcomes).filter((o) => o === 'expired').length).toBeGreaterThan(0);
    // each document once, with all its sections, each section once with its vector and lexical row
    const stats = await withStore(ws.index, (s) => s.stats());
    expect(stats).toMatchObject({ documents: DOCS, sections: DOCS * SECTIONS, vectors: DOCS * SECTIONS });
    expect(new Set((await withStore(ws.index, (s) => s.listDocuments())).map((d) => d.uri)).size).toBe(DOCS);
    expect(await integrityOf(ws.index)).toMatchObject({ documents: DOCS, sections: DOCS * SECTIONS, problems: [], orphanLexicalRows: 0, orphanEntities: 0, docklessEdges: 0 });

    const verify = await run(ws.dir, ['verify', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { drift_percent: number; documents: number; queued: number };
    expect(report).toMatchObject({ drift_percent: 0, documents: DOCS, queued: 0 });
  });
});
