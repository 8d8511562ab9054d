// Issue 14 item 8: `docgraph backup` / `restore` and the drill an operator runs. Real CLI child processes on
// real SQLite files; the PostgreSQL drill uses the real pg_dump and pg_restore against the test server.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { jobCounts, repo, run, start, token, until, workspace, writeDocs } from './helpers/docgraph.js';
import { freshDatabase } from './helpers/postgres.js';
import { serveIn } from './helpers/serve.js';

const exec = promisify(execFile);
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

function ws(prefix: string): ReturnType<typeof workspace> {
  const w = workspace({}, prefix);
  cleanup.push(w.dir);
  return w;
}

interface Hit {
  sectionId: string;
  score: number;
}
const hits = (stdout: string): Hit[] => (JSON.parse(stdout) as { hits: Hit[] }).hits;

describe('docgraph backup and restore (SQLite)', () => {
  it('drill: a backup taken during an ingest restores elsewhere, finishes its queued jobs, verifies clean and answers as the source does', async () => {
    const source = ws('dg-backup-src-');
    // enough that the ingest is still running when its tenth document is seen written (checked below: the copy has jobs left)
    const docs = 100;
    writeDocs(source.docs, docs);
    const ingest = start(source.dir, ['ingest', 'docs']);
    // mid-ingest: some documents written, the index file there. The ingest is then frozen (SIGSTOP) while the backup
    // runs, so "during an ingest" does not depend on how fast this machine is; it may be frozen inside a write
    // transaction, which the backup's snapshot must neither wait for nor see.
    await until(async () => existsSync(source.index) && (await jobCounts(source.index)).completed >= 10, 'the ingest to write ten documents', 180_000);
    ingest.signal('SIGSTOP');

    const snap = join(source.dir, 'snap.db');
    const b = await run(source.dir, ['backup', 'snap.db', '--json']).finally(() => ingest.signal('SIGCONT'));
    expect(b.code, b.stderr).toBe(0);
    const report = JSON.parse(b.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ path: snap, source: source.index, bytes: expect.any(Number), pages: expect.any(Number), duration_ms: expect.any(Number), snapshot_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(report.bytes as number).toBeGreaterThan(0);

    // The deterministic comparison: the snapshot's content depends on when the backup ran, so instead of comparing
    // it with some other index "at the same point", the restored copy finishes the jobs it holds (as an operator's
    // first worker would) and is then compared with the source once the source's own ingest has finished: both must
    // hold exactly the same documents and answer every query alike. That the backup was really taken mid-ingest is
    // checked, not assumed: the copy still had jobs to do.
    const target = ws('dg-backup-dst-');
    const r = await run(target.dir, ['restore', snap, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const restored = JSON.parse(r.stdout) as Record<string, number | string | boolean>;
    expect(restored).toMatchObject({ path: target.index, from: snap, replaced: false });
    expect((restored.pending_jobs as number) > 0, `the backup should have been taken mid-ingest: ${r.stdout}`).toBe(true);

    const worker = await run(target.dir, ['worker', '--exit-when-idle']);
    expect(worker.code, worker.stderr).toBe(0);
    expect(await ingest.exited, ingest.stderr()).toBe(0);

    for (const dir of [source.dir, target.dir]) {
      const v = await run(dir, ['verify', '--json']);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(JSON.parse(v.stdout)).toMatchObject({ drift_percent: 0, wrong: 0, drift: [], orphan_lexical_rows: 0, dockless_edges: 0 });
    }
    const [ea, eb] = await Promise.all([run(source.dir, ['export']), run(target.dir, ['export'])]);
    expect(ea.code, ea.stderr).toBe(0);
    expect(eb.stdout.split('\n').length).toBeGreaterThan(300);
    expect(eb.stdout).toBe(ea.stdout);
    for (const query of [token(3), token(docs - 1), 'how does the widget server handle request number 42', 'widgetd --port 8002']) {
      const [sa, sb] = await Promise.all([run(source.dir, ['search', query, '--json']), run(target.dir, ['search', query, '--json'])]);
      expect(sa.code, sa.stderr).toBe(0);
      expect(hits(sa.stdout).length, query).toBeGreaterThan(0);
      expect(hits(sb.stdout).map((h) => h.sectionId), query).toEqual(hits(sa.stdout).map((h) => h.sectionId));
      hits(sb.stdout).forEach((h, i) => expect(h.score, query).toBeCloseTo(hits(sa.stdout)[i]!.score, 9));
    }
  }, 300_000);

  it('refuses what it must, with a clear message and no stack trace', async () => {
    const w = ws('dg-backup-refuse-');
    writeDocs(w.docs, 3);
    expect((await run(w.dir, ['ingest', 'docs'])).code).toBe(0);

    const noIndex = ws('dg-backup-none-');
    const none = await run(noIndex.dir, ['backup', 'b.db']);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no index at/);

    const missing = await run(w.dir, ['backup', 'no/such/folder/b.db']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the folder .*no\/such\/folder does not exist/);

    expect((await run(w.dir, ['backup', 'b.db'])).code).toBe(0);
    const again = await run(w.dir, ['backup', 'b.db']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/b\.db already exists/);
    expect(again.stderr).toMatch(/--force/);
    const forced = await run(w.dir, ['backup', 'b.db', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^backed up .*index\.db to .*b\.db: /);

    const notIndex = join(w.dir, 'notes.txt');
    writeFileSync(notIndex, 'not a database\n'.repeat(100));
    const bad = await run(w.dir, ['restore', notIndex, '--index', join(w.dir, 'r.db')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/notes\.txt is not a docgraph index/);
    expect(existsSync(join(w.dir, 'r.db'))).toBe(false);

    // an index held by a running server is never replaced, --force or not; once the server is gone it is
    const target = ws('dg-backup-held-');
    const first = await run(target.dir, ['restore', join(w.dir, 'b.db')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^restored .*b\.db to .*index\.db: /);
    const server = await serveIn(target.dir, ['--no-worker']);
    try {
      const held = await run(target.dir, ['restore', join(w.dir, 'b.db'), '--force']);
      expect(held.code).toBe(2);
      expect(held.stderr).toContain(`pid ${server.child.child.pid}`);
      expect(held.stderr).toMatch(/open in a running process/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const exists = await run(target.dir, ['restore', join(w.dir, 'b.db')]);
    expect(exists.code).toBe(2);
    expect(exists.stderr).toMatch(/already exists/);
    const replaced = await run(target.dir, ['restore', join(w.dir, 'b.db'), '--force', '--json']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)).toMatchObject({ replaced: true });
    const v = await run(target.dir, ['verify', '--json']);
    expect(v.code, v.stdout).toBe(0);

    for (const out of [none, missing, again, bad]) expect(out.stderr).not.toMatch(/\n\s+at /);
  }, 180_000);
});

describe('PostgreSQL: pg_dump and pg_restore (docs/operations.md)', () => {
  it('backup points at pg_dump (exit 2); a pg_dump -n of the schema restored into a new database exports byte for byte alike', async () => {
    const w = ws('dg-backup-pg-');
    const db = await freshDatabase('dgbackup');
    const copy = await freshDatabase('dgrestore');
    const dumpDir = mkdtempSync(join(tmpdir(), 'dg-pgdump-'));
    cleanup.push(dumpDir);
    try {
      const schema = 'docs_index';
      const store = { DOCGRAPH_STORE: `${db.url}?schema=${schema}` };
      const restoredStore = { DOCGRAPH_STORE: `${copy.url}?schema=${schema}` };

      const refused = await run(w.dir, ['backup', 'b.db'], store);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/lives in PostgreSQL/);
      expect(refused.stderr).toMatch(/pg_dump --format=custom --schema=docs_index/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(w.dir, 'b.db'))).toBe(false);

      const ingest = await run(w.dir, ['ingest', join(repo, 'examples', 'sample-docs')], store);
      expect(ingest.code, ingest.stderr).toBe(0);

      const dump = join(dumpDir, 'docgraph.dump');
      // the commands docs/operations.md gives
      await exec('pg_dump', ['--format=custom', `--schema=${schema}`, `--file=${dump}`, db.url]);
      await exec('pg_restore', [`--dbname=${copy.url}`, dump]);

      const [ea, eb] = await Promise.all([run(w.dir, ['export'], store), run(w.dir, ['export'], restoredStore)]);
      expect(ea.code, ea.stderr).toBe(0);
      expect(eb.code, eb.stderr).toBe(0);
      expect(ea.stdout.length).toBeGreaterThan(10_000);
      expect(eb.stdout).toBe(ea.stdout);
      const v = await run(w.dir, ['verify', '--json'], restoredStore);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(JSON.parse(v.stdout)).toMatchObject({ drift_percent: 0 });
    } finally {
      await copy.drop();
      await db.drop();
    }
  }, 180_000);
});
