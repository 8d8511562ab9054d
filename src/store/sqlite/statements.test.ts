import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatementCache } from './statements.js';

describe('StatementCache', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')");
  });
  afterEach(() => db.close());

  it('hands back the same prepared statement for the same SQL', () => {
    const cache = new StatementCache(db);
    const a = cache.prepare('SELECT a FROM t ORDER BY a');
    expect(cache.prepare('SELECT a FROM t ORDER BY a')).toBe(a);
    expect(cache.prepare('SELECT b FROM t ORDER BY a')).not.toBe(a);
    expect(cache.size).toBe(2);
  });

  it('returns a reused reader with pluck off, whatever the last caller set', () => {
    const cache = new StatementCache(db);
    expect(cache.prepare('SELECT a FROM t ORDER BY a').pluck().all()).toEqual([1, 2, 3]);
    expect(cache.prepare('SELECT a FROM t ORDER BY a').all()).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    // writers have no mode to reset, and run again as they are
    cache.prepare('INSERT INTO t VALUES (?, ?)').run(4, 'w');
    cache.prepare('INSERT INTO t VALUES (?, ?)').run(5, 'v');
    expect(cache.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(5);
  });

  it('gives a fresh statement while the kept one is still being iterated', () => {
    const cache = new StatementCache(db);
    const sql = 'SELECT a FROM t ORDER BY a';
    const outer = cache.prepare(sql);
    const seen: number[] = [];
    for (const row of outer.iterate() as Iterable<{ a: number }>) {
      // a nested read of the same SQL, as an async generator's consumer may do
      seen.push(row.a, (cache.prepare(sql).pluck().all() as number[]).length);
    }
    expect(seen).toEqual([1, 3, 2, 3, 3, 3]);
    expect(cache.prepare(sql)).toBe(outer); // the fresh ones were not kept
  });

  it('keeps at most `capacity` statements, dropping the least recently used', () => {
    const cache = new StatementCache(db, 2);
    const first = cache.prepare('SELECT 1');
    cache.prepare('SELECT 2');
    expect(cache.prepare('SELECT 1')).toBe(first); // now the most recent
    cache.prepare('SELECT 3'); // evicts SELECT 2
    expect(cache.size).toBe(2);
    expect(cache.prepare('SELECT 1')).toBe(first);
    const second = cache.prepare('SELECT 2');
    expect(cache.prepare('SELECT 2')).toBe(second);
  });
});
