// Issue 13's "done when": `DOCGRAPH_STORE=postgres://.../<db> docgraph ingest <dir>` then `docgraph export`
// is byte-identical to the export of a SQLite index of the same folder. Real CLI processes, a fresh
// database on the test server (.ci/run starts it), dropped after; the job queue runs on PostgreSQL too.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, run, workspace } from './helpers/docgraph.js';
import { freshDatabase } from './helpers/postgres.js';

const sample = join(repo, 'examples', 'sample-docs');

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase('dgexport');
});
afterAll(async () => {
  await db?.drop();
});

interface Hit {
  sectionId: string;
  score: number;
}

describe('PostgreSQL store end to end (CLI)', () => {
  it('ingests examples/sample-docs into a byte-identical export, searches alike, and verifies clean', async () => {
    const pg = { DOCGRAPH_STORE: db.url };
    const sqlite = workspace({}, 'dg-pg-export-');
    const pgDir = workspace({}, 'dg-pg-export-');

    const [a, b] = await Promise.all([run(sqlite.dir, ['ingest', sample]), run(pgDir.dir, ['ingest', sample], pg)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);

    const [ea, eb] = await Promise.all([run(sqlite.dir, ['export']), run(pgDir.dir, ['export'], pg)]);
    expect(ea.code, ea.stderr).toBe(0);
    expect(eb.code, eb.stderr).toBe(0);
    expect(ea.stdout.length).toBeGreaterThan(10_000);
    expect(eb.stdout).toBe(ea.stdout);

    // ranking: the same hits in the same order, scores equal to rounding (lexical BM25 with FTS5's formula)
    for (const query of ['rotate the TLS certificate', 'worker_connections', 'how do I configure the cache size']) {
      const [sa, sb] = await Promise.all([run(sqlite.dir, ['search', query, '--json']), run(pgDir.dir, ['search', query, '--json'], pg)]);
      expect(sa.code, sa.stderr).toBe(0);
      expect(sb.code, sb.stderr).toBe(0);
      const hits = (s: string): Hit[] => (JSON.parse(s) as { hits: Hit[] }).hits;
      expect(hits(sb.stdout).map((h) => h.sectionId), query).toEqual(hits(sa.stdout).map((h) => h.sectionId));
      hits(sb.stdout).forEach((h, i) => expect(h.score, query).toBeCloseTo(hits(sa.stdout)[i]!.score, 9));
    }

    // a second ingest of the same folder changes nothing, and verify finds no drift
    const again = await run(pgDir.dir, ['ingest', sample, '--json'], pg);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ indexed: 0 });
    const verify = await run(pgDir.dir, ['verify', '--json'], pg);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ drift_percent: 0, wrong: 0, orphan_lexical_rows: 0, drift: [] });
    expect((await run(pgDir.dir, ['export'], pg)).stdout).toBe(ea.stdout);
    const status = await run(pgDir.dir, ['status', '--json'], pg);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ index: db.url, documents: expect.any(Number), queue: { counts: { pending: 0, running: 0, dead: 0 } } });
  }, 120_000);
});
