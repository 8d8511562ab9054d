import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isDocgraphError, type IndexUnavailableError } from '../../domain/errors.js';
import { wordKeys } from '../../domain/names.js';
import { documentWrite, storeContract } from '../store.contract.js';
import { MIGRATIONS } from './migrations.js';
import { configureConnection, SqliteStore } from './sqlite-store.js';
import { termScoreRows } from './term-scores.js';

const dir = mkdtempSync(join(tmpdir(), 'dg-sqlite-store-'));
let n = 0;
const freshPath = (): string => join(dir, `index-${++n}.db`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let lastPath = '';
storeContract('SqliteStore (file)', () => SqliteStore.open((lastPath = freshPath())), {
  measuresBytes: true,
  // another connection to the same file, as another process would open
  anotherHandle: () => SqliteStore.open(lastPath),
  countEntityRewrites: async () => countEntityRewrites(lastPath),
});
/** Counts the UPDATEs of entity rows in the index at `path` from now on, with a trigger in its file; returns a reader of the count. */
function countEntityRewrites(path: string): () => Promise<number> {
  const db = new Database(path);
  try {
    db.exec(`CREATE TABLE test_entity_rewrites (n INTEGER NOT NULL);
      INSERT INTO test_entity_rewrites VALUES (0);
      CREATE TRIGGER test_count_entity_rewrites AFTER UPDATE ON entities BEGIN UPDATE test_entity_rewrites SET n = n + 1; END;`);
  } finally {
    db.close();
  }
  return async () => {
    const reader = new Database(path, { readonly: true });
    try {
      return reader.prepare('SELECT n FROM test_entity_rewrites').pluck().get() as number;
    } finally {
      reader.close();
    }
  };
}
storeContract('SqliteStore (:memory:)', () => SqliteStore.open(':memory:'), { measuresBytes: false });

describe('SqliteStore: connection settings', () => {
  it('runs in WAL with foreign keys on and keeps temporary data (statement journals, sorts) in memory, not in files', () => {
    const db = new Database(freshPath());
    try {
      configureConnection(db);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('temp_store', { simple: true })).toBe(2); // MEMORY
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    } finally {
      db.close();
    }
  });
});

const LATEST = MIGRATIONS[MIGRATIONS.length - 1]!.version;

describe('SqliteStore: the in-memory vector index follows content writes only', () => {
  const unit = (v: number[]): Float32Array => {
    const n = Math.hypot(...v);
    return Float32Array.from(v, (x) => x / n);
  };

  it('reloads after another connection writes a document, vectors or the embedder, and not after a write to another table of the file', async () => {
    const path = freshPath();
    const writer = SqliteStore.open(path);
    const reader = SqliteStore.open(path);
    const other = new Database(path); // what the queue does: its own tables in the same file, e.g. a worker's heartbeat
    try {
      other.exec('CREATE TABLE heartbeat (worker TEXT PRIMARY KEY, seen INTEGER)');
      await writer.setEmbedder({ id: 'e1', provider: 'test', model: 'm', dimensions: 4 });
      const a = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'a', vector: [1, 0, 0, 0] }, { heading: 'B', text: 'b', vector: [0, 1, 0, 0] }] });
      await writer.upsertSource({ id: a.document.sourceId, kind: 'fs', location: '/docs/a', createdAt: '2025-01-01T00:00:00.000Z' });
      await writer.writeDocument(a);
      const top = async (v: number[]) => (await reader.vectorSearch(unit(v), 10)).map((h) => h.sectionId);
      expect((await top([1, 0, 0, 0]))[0]).toBe(a.sections[0]!.id);
      expect(reader.vectorReloads).toBe(1);

      for (let i = 0; i < 5; i++) {
        other.prepare('INSERT INTO heartbeat (worker, seen) VALUES (?, ?) ON CONFLICT(worker) DO UPDATE SET seen = excluded.seen').run('w1', i);
        expect((await top([1, 0, 0, 0]))[0]).toBe(a.sections[0]!.id);
      }
      expect(reader.vectorReloads).toBe(1);

      const b = documentWrite({ uri: 'b.md', sections: [{ heading: 'C', text: 'c', vector: [0, 0, 1, 0] }] });
      await writer.writeDocument(b);
      expect((await top([0, 0, 1, 0]))[0]).toBe(b.sections[0]!.id);
      expect(reader.vectorReloads).toBe(2);

      await writer.putVectors(new Map([[a.sections[1]!.id, unit([0, 0, 0, 1])]]));
      expect((await top([0, 0, 0, 1]))[0]).toBe(a.sections[1]!.id);
      expect(reader.vectorReloads).toBe(3);

      expect(await writer.deleteDocument(b.document.id)).toBe(true);
      expect(await top([0, 0, 1, 0])).not.toContain(b.sections[0]!.id);
      expect(reader.vectorReloads).toBe(4);

      await writer.setEmbedder({ id: 'e2', provider: 'test', model: 'm', dimensions: 4 });
      expect(await top([1, 0, 0, 0])).toEqual([]);
      expect(reader.vectorReloads).toBe(5);

      // the writer's own connection sees its own writes too
      await writer.writeDocument(documentWrite({ uri: 'c.md', sections: [{ heading: 'E', text: 'e', vector: [1, 1, 0, 0] }] }));
      expect(await writer.vectorSearch(unit([1, 1, 0, 0]), 1)).toHaveLength(1);
    } finally {
      other.close();
      await reader.close();
      await writer.close();
    }
  });
});

/** What lexicalSearch answers by definition: FTS5's OR query joined to the sections, best first, ties by section id. */
const byFts5 = (path: string, terms: string[], limit: number): { sectionId: string; docId: string; score: number }[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT s.id AS sectionId, s.doc_id AS docId, -bm25(sections_fts, 4, 1.5, 1) AS score FROM sections_fts JOIN sections s ON s.rowid = sections_fts.rowid
         WHERE sections_fts MATCH ? ORDER BY score DESC, s.id LIMIT ?`,
      )
      .all(terms.map((t) => `"${t}"`).join(' OR '), limit) as { sectionId: string; docId: string; score: number }[];
  } finally {
    db.close();
  }
};

describe('SqliteStore: lexical search from kept term scores', () => {
  it('answers as FTS5 ranks, ties at the cut broken by id, and follows another connection’s writes', async () => {
    const path = freshPath();
    const writer = SqliteStore.open(path);
    const reader = SqliteStore.open(path);
    try {
      // identical sections tie; the limit cuts through them
      const same = Array.from({ length: 12 }, (_, i) => ({ heading: `Part ${i}`, text: 'rollback the canary release' }));
      const a = documentWrite({ uri: 'a.md', sections: [...same, { heading: 'Canary', text: 'canary canary health' }, { heading: 'Other', text: 'health checks' }] });
      await writer.upsertSource({ id: a.document.sourceId, kind: 'fs', location: '/docs/a', createdAt: '2025-01-01T00:00:00.000Z' });
      await writer.writeDocument(a);
      const query = ['canary', 'health', 'rollback'];
      for (const limit of [1, 3, 5, 13, 100]) expect(await reader.lexicalSearch(query, limit)).toEqual(byFts5(path, query, limit));
      expect(await reader.lexicalSearch(query, 5)).toEqual(await reader.lexicalSearch(query, 5)); // kept scores answer the same

      // a write elsewhere changes every score (row count, mean length, idf): nothing kept may answer
      const before = await reader.lexicalSearch(query, 100);
      const b = documentWrite({ uri: 'b.md', sections: [{ heading: 'Health', text: 'health of the canary' }] });
      await writer.writeDocument(b);
      const after = await reader.lexicalSearch(query, 100);
      expect(after).toEqual(byFts5(path, query, 100));
      expect(after.map((h) => h.sectionId)).toContain(b.sections[0]!.id);
      expect(after.find((h) => h.sectionId === a.sections[0]!.id)!.score).not.toBe(before.find((h) => h.sectionId === a.sections[0]!.id)!.score);

      expect(await writer.deleteDocument(b.document.id)).toBe(true);
      expect(await reader.lexicalSearch(query, 100)).toEqual(byFts5(path, query, 100));
      expect((await reader.lexicalSearch(query, 100)).map((h) => h.sectionId)).not.toContain(b.sections[0]!.id);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});

describe('SqliteStore: the term-score cache bound changes speed, never rankings', () => {
  /** A small seeded generator (LCG), so every run writes and asks the same. */
  const prng = (seed: number) => () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  // a few words in most sections and many in a few: term lists from 1 row to most of the index
  const VOCAB = Array.from({ length: 60 }, (_, i) => `w${i}`);
  const word = (r: () => number): string => VOCAB[Math.floor(VOCAB.length * r() ** 3)]!;
  const text = (r: () => number, max: number): string => Array.from({ length: 1 + Math.floor(r() * max) }, () => word(r)).join(' ');

  it('answers every query the same with no term kept, with lists past the bound, and with all kept, as FTS5 ranks', async () => {
    const path = freshPath();
    const writer = SqliteStore.open(path);
    const tiny = 40; // rows: the common words' lists are longer
    const stores = {
      none: SqliteStore.open(path, { termScoreCacheMiB: 0 }),
      tiny: SqliteStore.open(path, { termScoreCacheMiB: (tiny * 16) / 2 ** 20 }),
      grown: SqliteStore.open(path),
    };
    try {
      const r = prng(3);
      for (let d = 0; d < 6; d++) {
        const doc = documentWrite({ uri: `d${d}.md`, sections: Array.from({ length: 50 }, () => ({ heading: text(r, 3), text: text(r, 40) })) });
        if (d === 0) await writer.upsertSource({ id: doc.document.sourceId, kind: 'fs', location: '/docs', createdAt: '2025-01-01T00:00:00.000Z' });
        await writer.writeDocument(doc);
      }
      expect(byFts5(path, ['w0'], 1000).length).toBeGreaterThan(4 * tiny);
      let pastTheBound = 0;
      for (let q = 0; q < 40; q++) {
        const query = [...new Set(Array.from({ length: 1 + Math.floor(r() * 5) }, () => word(r)))];
        if (query.some((t) => byFts5(path, [t], 1000).length > tiny)) pastTheBound++;
        for (const limit of [1, 10, 60]) {
          const expected = byFts5(path, query, limit);
          for (const [name, store] of Object.entries(stores)) {
            // twice: the second from whatever the first kept
            expect(await store.lexicalSearch(query, limit), `${name}: ${query.join(' ')} @${limit}`).toEqual(expected);
            expect(await store.lexicalSearch(query, limit), `${name} again: ${query.join(' ')} @${limit}`).toEqual(expected);
          }
        }
      }
      expect(pastTheBound).toBeGreaterThan(10);
      expect([stores.none.termScoreBound, stores.tiny.termScoreBound, stores.grown.termScoreBound]).toEqual([0, tiny, termScoreRows(300)]);
    } finally {
      for (const store of Object.values(stores)) await store.close();
      await writer.close();
    }
  });
});

describe('SqliteStore: above the approximate threshold (DOCGRAPH_ANN_MIN_ROWS)', () => {
  it('answers through the HNSW graph once built, and keeps the graph through the reload after a write', async () => {
    const was = process.env.DOCGRAPH_ANN_MIN_ROWS;
    process.env.DOCGRAPH_ANN_MIN_ROWS = '100';
    const path = freshPath();
    const store = SqliteStore.open(path);
    try {
      let seed = 5;
      const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
      const vector = () => {
        const v = Array.from({ length: 16 }, next);
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      };
      await store.setEmbedder({ id: 'e1', provider: 'test', model: 'm', dimensions: 16 });
      const all = new Map<string, number[]>();
      for (let d = 0; d < 4; d++) {
        const doc = documentWrite({ uri: `d${d}.md`, sections: Array.from({ length: 40 }, (_, i) => ({ heading: `S${i}`, text: `s${i}`, vector: vector() })) });
        if (d === 0) await store.upsertSource({ id: doc.document.sourceId, kind: 'fs', location: '/docs', createdAt: '2025-01-01T00:00:00.000Z' });
        await store.writeDocument(doc);
        doc.sections.forEach((s) => all.set(s.id, [...doc.vectors.get(s.id)!]));
      }
      const exact = (q: number[], k: number) =>
        [...all].map(([id, v]) => ({ id, score: v.reduce((a, x, i) => a + x * q[i]!, 0) })).sort((a, b) => b.score - a.score).slice(0, k).map((h) => h.id);
      const search = async (q: number[], k: number) => (await store.vectorSearch(Float32Array.from(q), k)).map((h) => h.sectionId);
      const ready = async () => {
        for (let i = 0; i < 500 && !store.vectorGraph?.approximate; i++) await new Promise((r) => setTimeout(r, 10));
        expect(store.vectorGraph).toMatchObject({ approximate: true, done: all.size, of: all.size });
      };
      const q = vector();
      expect(await search(q, 10)).toEqual(exact(q, 10)); // exact while the graph builds
      await ready();
      expect(await search(q, 10)).toEqual(exact(q, 10)); // 160 rows, 400 candidates asked: every row is re-scored
      // a write: the store reloads its rows, the new index takes the graph over and adds the new rows
      const added = documentWrite({ uri: 'new.md', sections: [{ heading: 'N', text: 'n', vector: vector() }] });
      await store.writeDocument(added);
      const own = [...added.vectors.get(added.sections[0]!.id)!];
      all.set(added.sections[0]!.id, own);
      expect((await search(own, 1))[0]).toBe(added.sections[0]!.id); // exact until the new row is in the graph
      // taken over, not rebuilt: right after the reload the graph holds every earlier row already
      expect(store.vectorGraph).toMatchObject({ approximate: false, done: all.size - 1, of: all.size });
      expect(store.vectorReloads).toBe(2);
      await ready();
      expect((await search(own, 1))[0]).toBe(added.sections[0]!.id);
      expect(await search(q, 10)).toEqual(exact(q, 10));
      // the graph built here was saved beside the file: another store on it (the next process) starts from it,
      // brought up to the row written since the save, instead of building it
      for (let i = 0; i < 500 && !existsSync(`${path}.hnsw`); i++) await new Promise((r) => setTimeout(r, 10)); // written in the background
      expect(existsSync(`${path}.hnsw`)).toBe(true);
      const later = SqliteStore.open(path);
      try {
        expect(await later.vectorSearch(Float32Array.from(q), 10).then((h) => h.map((x) => x.sectionId))).toEqual(exact(q, 10));
        for (let i = 0; i < 500 && !later.vectorGraph?.approximate; i++) await new Promise((r) => setTimeout(r, 10));
        expect(later.vectorGraph).toEqual({ approximate: true, done: all.size, of: all.size, from: 'file', restored: all.size - 1, inserted: 1 });
        expect((await later.vectorSearch(Float32Array.from(own), 1))[0]!.sectionId).toBe(added.sections[0]!.id);
        expect(await later.vectorSearch(Float32Array.from(q), 10).then((h) => h.map((x) => x.sectionId))).toEqual(exact(q, 10));
      } finally {
        await later.close();
      }
    } finally {
      if (was === undefined) delete process.env.DOCGRAPH_ANN_MIN_ROWS;
      else process.env.DOCGRAPH_ANN_MIN_ROWS = was;
      await store.close();
    }
  });
});

describe('SqliteStore: schema and files', () => {
  it('migration 7 names the sources already there after their folders, oldest first, unique', async () => {
    const path = freshPath();
    const db = new Database(path);
    for (const m of MIGRATIONS.filter((x) => x.version <= 6)) db.exec(m.sql);
    db.pragma('user_version = 6');
    const add = db.prepare('INSERT INTO sources (id, kind, location, created_at) VALUES (?, ?, ?, ?)');
    add.run('src_b', 'fs', '/srv/b/docs', '2025-01-02T00:00:00.000Z');
    add.run('src_a', 'fs', '/srv/a/docs', '2025-01-01T00:00:00.000Z');
    add.run('src_c', 'fs', '/srv/My Guide', '2025-01-03T00:00:00.000Z');
    add.run('src_d', 'fs', '/', '2025-01-04T00:00:00.000Z');
    db.close();
    const store = SqliteStore.open(path);
    try {
      expect((await store.sources()).map((x) => [x.id, x.name, x.version])).toEqual([
        ['src_a', 'docs', null],
        ['src_b', 'docs-2', null],
        ['src_c', 'My-Guide', null],
        ['src_d', 'docs-3', null],
      ]);
    } finally {
      await store.close();
    }
  });

  const open: SqliteStore[] = [];
  const track = (s: SqliteStore): SqliteStore => (open.push(s), s);
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('creates the folder, applies migrations once, and re-opens with the data intact', async () => {
    const path = join(dir, 'nested', 'deeper', 'index.db');
    const first = track(SqliteStore.open(path));
    expect(first.database.pragma('user_version', { simple: true })).toBe(LATEST);
    expect(first.database.pragma('journal_mode', { simple: true })).toBe('wal');
    await first.upsertSource({ id: 'src_a', kind: 'fs', location: '/a', createdAt: '2025-01-01T00:00:00.000Z' });
    const w = documentWrite({ sourceId: 'src_a', uri: 'a.md', sections: [{ heading: 'Keep', text: 'persisted text' }] });
    await first.writeDocument(w);
    await first.putBlob('k', Uint8Array.from([1, 2]));
    await first.close();

    // a second open runs no migration (it would fail on CREATE TABLE) and sees everything
    const again = track(SqliteStore.open(path));
    expect(again.database.pragma('user_version', { simple: true })).toBe(LATEST);
    expect(await again.getDocument(w.document.id)).toEqual(w.document);
    expect(await again.getBlob('k')).toEqual(Uint8Array.from([1, 2]));
    expect((await again.stats()).bytes).toBeGreaterThan(0);
    const tables = again.database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'documents'").all();
    expect(tables).toHaveLength(1);
  });

  it('refuses an index written by a newer docgraph, saying to upgrade', () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma(`user_version = ${LATEST + 1}`);
    db.close();
    let err: unknown;
    try {
      track(SqliteStore.open(path));
    } catch (e) {
      err = e;
    }
    expect(isDocgraphError(err) && err.code).toBe('STORE_FAILED');
    expect((err as Error).message).toMatch(/newer docgraph/);
    expect((err as Error).message).toMatch(/upgrade/);
  });

  it('reports a file it cannot open as INDEX_UNAVAILABLE (cannot-open) with the path', () => {
    let err: unknown;
    try {
      track(SqliteStore.open(join(dir)));
    } catch (e) {
      err = e;
    }
    expect(isDocgraphError(err) && err.code).toBe('INDEX_UNAVAILABLE');
    expect((err as IndexUnavailableError).reason).toBe('cannot-open');
    expect((err as Error).message).toContain(dir);
  });

  it('migration 3 gives each document with an edge to an entity the merged entity as what it said', async () => {
    const path = freshPath();
    const store = SqliteStore.open(path);
    await store.upsertSource({ id: 'src_a', kind: 'fs', location: '/a', createdAt: '2025-01-01T00:00:00.000Z' });
    const entity = { id: 'e_000000000000000000000001', type: 'ConfigParameter' as const, name: 'cache_size', aliases: [], attributes: {} };
    for (const [uri, type] of [['a.md', 'DEFINES'], ['b.md', 'MENTIONS']] as const) {
      const w = documentWrite({ sourceId: 'src_a', uri, sections: [{ heading: uri, text: 'cache_size' }] });
      const sid = w.sections[0]!.id;
      await store.writeDocument({ ...w, entities: [entity], edges: [{ src: sid, dst: entity.id, type, weight: 1, evidence: sid }] });
    }
    await store.close();
    // the index as schema 2 left it: merged entities, no facts
    const db = new Database(path);
    db.exec(`DROP TABLE entity_facts; DROP TABLE name_mentions; DROP TABLE relink_pending; DROP TABLE open_connections; DELETE FROM entity_aliases WHERE alias LIKE '~words:%';
      DROP INDEX sources_name_version; ALTER TABLE sources DROP COLUMN name; ALTER TABLE sources DROP COLUMN version; ALTER TABLE sources DROP COLUMN options;
      ALTER TABLE sources DROP COLUMN revision; ALTER TABLE sources DROP COLUMN refreshed_at; ALTER TABLE sections DROP COLUMN aliases;
      UPDATE entities SET attributes = '{"default":"64","unit":"megabytes"}'`);
    db.pragma('user_version = 2');
    db.close();
    const migrated = track(SqliteStore.open(path));
    const facts = migrated.database.prepare('SELECT doc_id, defines, attributes FROM entity_facts ORDER BY defines DESC').all() as { defines: number; attributes: string }[];
    expect(facts.map((f) => [f.defines, f.attributes])).toEqual([
      [1, '{"default":"64","unit":"megabytes"}'],
      [0, '{"default":"64","unit":"megabytes"}'],
    ]);
    // schema 4 files the word keys of the entities already there
    expect(wordKeys('cache_size')).toHaveLength(1);
    expect((await migrated.findEntities(wordKeys('cache_size'))).map((e) => e.id)).toEqual([entity.id]);
    const docs = await migrated.listDocuments();
    await migrated.deleteDocument(docs.find((d) => d.uri === 'a.md')!.id);
    expect((await migrated.getEntities([entity.id]))[0]?.attributes).toEqual({ default: '64', unit: 'megabytes' });
    await migrated.deleteDocument(docs.find((d) => d.uri === 'b.md')!.id);
    expect(await migrated.getEntities([entity.id])).toEqual([]);
  });

  it('reports 0 bytes for an in-memory store', async () => {
    const mem = track(SqliteStore.open(':memory:'));
    expect((await mem.stats()).bytes).toBe(0);
  });
});
