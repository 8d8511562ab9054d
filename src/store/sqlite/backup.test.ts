import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupSqliteIndex, checkBackupFile, restoreSqliteIndex } from './backup.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
let index: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dg-backup-unit-'));
  index = join(dir, 'index.db');
  // a real index (schema, WAL), filled through kv with 4 KiB rows: about 1,000 pages
  const store = SqliteStore.open(index);
  const fill = store.database.prepare("INSERT INTO kv (key, value) VALUES ('fill:' || ?, randomblob(4000))");
  store.database.transaction(() => {
    for (let i = 0; i < 1000; i++) fill.run(i);
  })();
  await store.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT COUNT(*) FROM kv WHERE key LIKE 'fill:%'").pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('backupSqliteIndex', () => {
  it('copies the snapshot of its start while another connection commits between its steps, without starting over', async () => {
    const writer = new Database(index);
    const add = writer.prepare("INSERT INTO kv (key, value) VALUES ('fill:' || ?, randomblob(4000))");
    let steps = 0;
    let next = 1000;
    const r = await backupSqliteIndex(index, join(dir, 'copy.db'), {
      progress: (p) => {
        steps++;
        // commits of another connection in the middle of the copy (as an ingest in another process makes)
        if (p.remainingPages > 0) for (let i = 0; i < 50; i++) add.run(next++);
      },
    });
    writer.close();
    expect(next).toBeGreaterThan(1000);
    expect(rows(join(dir, 'copy.db'))).toBe(1000);
    expect(rows(index)).toBe(next);
    // a restarted backup would take more steps than the snapshot's pages call for
    expect(steps).toBeLessThanOrEqual(Math.ceil(r.pages / 1024) + 2);
    expect(r).toMatchObject({ path: join(dir, 'copy.db'), source: index, schemaVersion: expect.any(Number) });
    expect(checkBackupFile(r.path).schemaVersion).toBe(r.schemaVersion);
  });

  it('neither waits for nor sees a write transaction that is open in another connection', async () => {
    const writer = new Database(index);
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare("INSERT INTO kv (key, value) VALUES ('fill:uncommitted', x'00')").run();
    try {
      await backupSqliteIndex(index, join(dir, 'copy.db'));
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    expect(rows(join(dir, 'copy.db'))).toBe(1000);
  });

  it('leaves nothing behind when the target exists (no --force) and no temp files after a backup', async () => {
    writeFileSync(join(dir, 'taken.db'), 'x');
    await expect(backupSqliteIndex(index, join(dir, 'taken.db'))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('already exists') });
    await backupSqliteIndex(index, join(dir, 'copy.db'));
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('checkBackupFile and restoreSqliteIndex', () => {
  it('refuse a file of a newer docgraph, and a damaged one', async () => {
    const copy = join(dir, 'copy.db');
    await backupSqliteIndex(index, copy);
    const db = new Database(copy);
    db.pragma('user_version = 999');
    db.close();
    expect(() => checkBackupFile(copy)).toThrow(/written by a newer docgraph \(schema 999/);

    const damaged = join(dir, 'damaged.db');
    await backupSqliteIndex(index, damaged);
    const bytes = new Uint8Array(await import('node:fs').then((fs) => fs.readFileSync(damaged)));
    bytes.fill(0x41, 4096 * 3, 4096 * 40); // pages of the kv table's b-tree
    writeFileSync(damaged, bytes);
    expect(() => restoreSqliteIndex(damaged, join(dir, 'restored.db'))).toThrow(/is not a docgraph index/);
  });

  it("replaces an index atomically, dropping the old index's WAL", async () => {
    const copy = join(dir, 'copy.db');
    await backupSqliteIndex(index, copy);
    // the target has committed pages in its WAL: a connection of this process (restore looks for other
    // processes) keeps them there; applied to the restored file they would corrupt it
    const target = join(dir, 'target.db');
    const old = new Database(target);
    old.pragma('journal_mode = WAL');
    old.pragma('wal_autocheckpoint = 0');
    old.exec("CREATE TABLE t (v); INSERT INTO t VALUES (randomblob(100000));");
    expect(existsSync(target + '-wal')).toBe(true);
    try {
      const r = restoreSqliteIndex(copy, target, { force: true });
      expect(r.replaced).toBe(true);
      expect(rows(target)).toBe(1000);
      expect(checkBackupFile(target).schemaVersion).toBe(r.schemaVersion);
    } finally {
      old.close();
    }
  });
});
