/**
 * The IndexIntegrity port on PostgreSQL (`docgraph verify`): the same checks
 * as on SQLite (store/sqlite/integrity.ts) over this schema, in one
 * REPEATABLE READ snapshot. Foreign keys with ON DELETE CASCADE keep lexical
 * rows and vectors from outliving their section, but verify still counts.
 * A vector without its pgvector embedding (where the index has them) counts
 * as a missing vector: `verify --repair` rewrites its document.
 */
import type { DocumentProblems, IndexIntegrity, IntegrityReport } from '../integrity.js';
import type { PgDatabase, Queryable } from './database.js';

const ORPHAN_ENTITIES = 'FROM entities e WHERE NOT EXISTS (SELECT 1 FROM edges WHERE src = e.id) AND NOT EXISTS (SELECT 1 FROM edges WHERE dst = e.id)';

async function count(c: Queryable, sql: string): Promise<number> {
  return Number((await c.query<{ n: number }>(sql)).rows[0]!.n);
}

export async function checkIntegrity(db: PgDatabase, dimensions: number | undefined): Promise<IntegrityReport> {
  return db.tx(async (c) => {
    await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const docs = (await c.query<{ id: string; uri: string; source_id: string }>('SELECT id, uri, source_id FROM documents')).rows;
    const docOf = new Map(docs.map((d) => [d.id, d]));
    const byDoc = new Map<string, DocumentProblems>();
    const problem = (docId: string): DocumentProblems => {
      let p = byDoc.get(docId);
      if (!p) {
        const d = docOf.get(docId)!;
        byDoc.set(docId, (p = { docId, uri: d.uri, sourceId: d.source_id, missingLexical: 0, missingVectors: 0, orphanEdges: 0 }));
      }
      return p;
    };
    const noLexical = (
      await c.query<{ doc_id: string; n: number }>(
        'SELECT s.doc_id, COUNT(*)::int AS n FROM sections s LEFT JOIN lexical_sections l ON l.section_rowid = s.rowid WHERE l.section_rowid IS NULL GROUP BY s.doc_id',
      )
    ).rows;
    for (const r of noLexical) problem(r.doc_id).missingLexical += r.n;
    const noVector = (
      await c.query<{ doc_id: string; n: number }>(
        `SELECT s.doc_id, COUNT(*)::int AS n FROM sections s LEFT JOIN section_vectors v ON v.section_rowid = s.rowid
         WHERE v.section_rowid IS NULL OR length(v.vec) <> $1 GROUP BY s.doc_id`,
        [(dimensions ?? 0) * 4],
      )
    ).rows;
    for (const r of noVector) problem(r.doc_id).missingVectors += r.n;
    // with pgvector embeddings (store migration 3), a vector without its embedding is one search cannot find
    if ((await c.query<{ found: boolean }>("SELECT to_regclass('section_embeddings') IS NOT NULL AS found")).rows[0]?.found) {
      const noEmbedding = (
        await c.query<{ doc_id: string; n: number }>(
          `SELECT s.doc_id, COUNT(*)::int AS n FROM sections s JOIN section_vectors v ON v.section_rowid = s.rowid
           LEFT JOIN section_embeddings x ON x.section_rowid = s.rowid
           WHERE x.section_rowid IS NULL AND length(v.vec) = $1 GROUP BY s.doc_id`,
          [(dimensions ?? 0) * 4],
        )
      ).rows;
      for (const r of noEmbedding) problem(r.doc_id).missingVectors += r.n;
    }
    const exists = (col: string): string =>
      `(EXISTS (SELECT 1 FROM sections WHERE id = e.${col}) OR EXISTS (SELECT 1 FROM entities WHERE id = e.${col}) OR EXISTS (SELECT 1 FROM documents WHERE id = e.${col}))`;
    const orphanEdges = (
      await c.query<{ doc_id: string; n: number }>(
        `SELECT e.doc_id, COUNT(*)::int AS n FROM edges e
         WHERE EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id)
           AND (NOT ${exists('src')} OR (NOT ${exists('dst')} AND NOT (e.type = 'LINKS_TO' AND left(e.dst, 2) = 'd_')))
         GROUP BY e.doc_id`,
      )
    ).rows;
    for (const r of orphanEdges) problem(r.doc_id).orphanEdges += r.n;
    return {
      documents: docs.length,
      sections: await count(c, 'SELECT COUNT(*) AS n FROM sections'),
      entities: await count(c, 'SELECT COUNT(*) AS n FROM entities'),
      problems: [...byDoc.values()].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)),
      orphanEntities: await count(c, `SELECT COUNT(*) AS n ${ORPHAN_ENTITIES}`),
      orphanLexicalRows: await count(c, 'SELECT COUNT(*) AS n FROM lexical_sections l WHERE NOT EXISTS (SELECT 1 FROM sections s WHERE s.rowid = l.section_rowid)'),
      docklessEdges: await count(c, 'SELECT COUNT(*) AS n FROM edges e WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id)'),
    };
  });
}

export async function removeUnowned(db: PgDatabase): Promise<{ entities: number; lexicalRows: number; edges: number }> {
  return db.tx(async (c) => {
    const lexicalRows = (await c.query('DELETE FROM lexical_sections l WHERE NOT EXISTS (SELECT 1 FROM sections s WHERE s.rowid = l.section_rowid)')).rowCount ?? 0;
    const edges = (await c.query('DELETE FROM edges e WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id)')).rowCount ?? 0;
    const entities = (await c.query(`DELETE FROM entities WHERE id IN (SELECT e.id ${ORPHAN_ENTITIES})`)).rowCount ?? 0;
    if (lexicalRows + edges + entities > 0) await c.query('UPDATE index_state SET generation = generation + 1 WHERE id = 1');
    return { entities, lexicalRows, edges };
  });
}

/**
 * PostgreSQL has no single statement that checks every page (amcheck is an
 * extension that may not be installed): reading every table and index of the
 * schema in full makes the server verify the checksums of every page it reads,
 * when the cluster was initialised with them. Returns the errors it raised.
 */
async function storageProblems(db: PgDatabase, max: number): Promise<string[]> {
  const problems: string[] = [];
  const tables = await db.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1",
  );
  for (const t of tables) {
    if (problems.length >= max) break;
    try {
      await db.query(`SELECT COUNT(*) FROM ${quoteIdent(t.name)}`);
    } catch (e) {
      problems.push(`${t.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** The IndexIntegrity port over one PostgreSQL schema. */
export function pgIntegrity(db: PgDatabase): IndexIntegrity {
  return {
    location: db.location,
    storageCheck: 'a full read of every table in the schema (page checksums, when the cluster has them)',
    storageProblems: (max = 100) => storageProblems(db, max),
    check: (dimensions) => checkIntegrity(db, dimensions),
    removeUnowned: () => removeUnowned(db),
  };
}
