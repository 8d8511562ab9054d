/**
 * The IndexIntegrity port on SQLite (`docgraph verify`): every section
 * has its lexical row and a vector of the current embedder, edges and
 * entities hang off something that exists. Read-only except the `remove*`
 * functions, which drop rows nothing owns (re-queuing a document cannot).
 */
import type Database from 'better-sqlite3';
import type { DocumentProblems, IndexIntegrity, IntegrityReport } from '../integrity.js';
import { GENERATION_BUMP } from './generation.js';
import { integrityCheck } from './open-marker.js';

/** Checks the whole index; `dimensions` is the current embedder's (undefined: no embedder, every section lacks a vector). */
export function checkIntegrity(db: Database.Database, dimensions: number | undefined): IntegrityReport {
  return db.transaction(() => {
    const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
    const fts = new Set(db.prepare('SELECT rowid FROM sections_fts').pluck().all() as number[]);
    const byDoc = new Map<string, DocumentProblems>();
    const docs = db.prepare('SELECT id, uri, source_id FROM documents').all() as { id: string; uri: string; source_id: string }[];
    const docOf = new Map(docs.map((d) => [d.id, d]));
    const problem = (docId: string): DocumentProblems | undefined => {
      const d = docOf.get(docId);
      if (!d) return undefined;
      let p = byDoc.get(docId);
      if (!p) byDoc.set(docId, (p = { docId, uri: d.uri, sourceId: d.source_id, missingLexical: 0, missingVectors: 0, orphanEdges: 0 }));
      return p;
    };
    let sectionRows = 0;
    for (const s of db.prepare('SELECT rowid, doc_id FROM sections').iterate() as Iterable<{ rowid: number; doc_id: string }>) {
      sectionRows++;
      if (!fts.delete(s.rowid)) problem(s.doc_id)!.missingLexical++;
    }
    const bytes = (dimensions ?? 0) * 4;
    const noVector = db
      .prepare(
        `SELECT s.doc_id, COUNT(*) AS n FROM sections s LEFT JOIN section_vectors v ON v.section_rowid = s.rowid
         WHERE v.section_rowid IS NULL OR length(v.vec) <> ? GROUP BY s.doc_id`,
      )
      .all(bytes) as { doc_id: string; n: number }[];
    for (const r of noVector) problem(r.doc_id)!.missingVectors += r.n;
    const exists = (col: string): string =>
      `(EXISTS (SELECT 1 FROM sections WHERE id = e.${col}) OR EXISTS (SELECT 1 FROM entities WHERE id = e.${col}) OR EXISTS (SELECT 1 FROM documents WHERE id = e.${col}))`;
    const orphanEdges = db
      .prepare(
        `SELECT e.doc_id, COUNT(*) AS n FROM edges e
         WHERE EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id)
           AND (NOT ${exists('src')} OR (NOT ${exists('dst')} AND NOT (e.type = 'LINKS_TO' AND substr(e.dst, 1, 2) = 'd_')))
         GROUP BY e.doc_id`,
      )
      .all() as { doc_id: string; n: number }[];
    for (const r of orphanEdges) problem(r.doc_id)!.orphanEdges += r.n;
    return {
      documents: docs.length,
      sections: sectionRows,
      entities: count('SELECT COUNT(*) FROM entities'),
      problems: [...byDoc.values()].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)),
      orphanEntities: count(ORPHAN_ENTITIES.replace('SELECT id', 'SELECT COUNT(*)')),
      orphanLexicalRows: fts.size,
      docklessEdges: count('SELECT COUNT(*) FROM edges e WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id)'),
    };
  }).deferred();
}

const ORPHAN_ENTITIES = 'SELECT id FROM entities e WHERE NOT EXISTS (SELECT 1 FROM edges WHERE src = e.id) AND NOT EXISTS (SELECT 1 FROM edges WHERE dst = e.id)';

/** Drops entities no edge refers to, lexical rows without a section, and edges without a document. Returns how many of each. */
export function removeUnowned(db: Database.Database): { entities: number; lexicalRows: number; edges: number } {
  return db.transaction(() => {
    const sections = new Set(db.prepare('SELECT rowid FROM sections').pluck().all() as number[]);
    const del = db.prepare('DELETE FROM sections_fts WHERE rowid = ?');
    let lexicalRows = 0;
    for (const r of db.prepare('SELECT rowid FROM sections_fts').pluck().all() as number[]) {
      if (!sections.has(r)) lexicalRows += del.run(r).changes;
    }
    const edges = db.prepare('DELETE FROM edges WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = edges.doc_id)').run().changes;
    const ids = db.prepare(ORPHAN_ENTITIES).pluck().all() as string[];
    const delEntity = db.prepare('DELETE FROM entities WHERE id = ?');
    const delAlias = db.prepare('DELETE FROM entity_aliases WHERE entity_id = ?');
    for (const id of ids) {
      delAlias.run(id);
      delEntity.run(id);
    }
    if (ids.length + lexicalRows + edges > 0) db.prepare(GENERATION_BUMP).run();
    return { entities: ids.length, lexicalRows, edges };
  }).immediate();
}

/** The IndexIntegrity port over one connection to the index file at `location`. */
export function sqliteIntegrity(db: Database.Database, location: string): IndexIntegrity {
  return {
    location,
    storageCheck: 'PRAGMA integrity_check',
    storageProblems: async (max = 100) => integrityCheck(db, max),
    check: async (dimensions) => checkIntegrity(db, dimensions),
    removeUnowned: async () => removeUnowned(db),
  };
}
