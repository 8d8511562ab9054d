import { ConfigError, DocgraphError, EmbedderChangedError, NotFoundError } from '../../domain/errors.js';
import type { DocumentRecord, EdgeRecord, EdgeType, EntityRecord, EntityType, NameMention, SectionRecord } from '../../domain/types.js';
import { filterClauses } from '../filters.js';
import type { IndexIntegrity } from '../integrity.js';
import { BM25_B, BM25_K1, bm25Idf, bm25Score, lexicalToken, LEXICAL_WEIGHTS, scaledScore, termCounts } from '../lexical.js';
import type {
  DocumentSummary,
  DocumentWrite,
  EdgeDirection,
  IndexChange,
  ScoredSection,
  SearchFilters,
  TermWeights,
  SectionKey,
  SourceInput,
  SourceRecord,
  Store,
  StoredEmbedder,
  StoreStats,
  TraversalStep,
  TraverseOptions,
} from '../store.js';
import { sourceWithDefaults } from '../store.js';
import { traverseEdges } from '../traverse.js';
import { sourceTaken, toDocument, toEntity, toFloat32, toSection, toSource, type DocumentRow, type EntityRow, type SectionRow, type SourceRow } from '../rows.js';
import { exactDot, FlatVectorIndex } from '../vector-index.js';
import { isPgError, migrate, PgDatabase, type Listener, type PgDatabaseOptions, type Queryable } from './database.js';
import { refreshEntities, removeGraph, upsertEdges, writeGraph, writeNames } from './graph-writes.js';
import { pgIntegrity } from './integrity.js';
import { PG_STORE_MIGRATIONS } from './migrations.js';

/** Rows read per round trip when iterating a whole table. */
const PAGE = 2_000;
/** Rows ranked past the limit, scored again exactly, so a near-tie at the cut is ordered as SQLite orders it. */
const LEXICAL_TIE_MARGIN = 32;
/**
 * Rows pgvector ranks past the limit, scored again here in double precision: pgvector sums a
 * dot product in single precision (~1e-5 relative at 384 dimensions), so near-ties at the cut
 * are settled as the in-memory index settles them.
 */
const PGVECTOR_TIE_MARGIN = 64;

/** How a store answers vector search: `auto` = pgvector when the index has its embeddings (the extension is there), else memory. */
export type VectorSearchChoice = 'auto' | 'pgvector' | 'memory';
export const VECTOR_SEARCH_CHOICES: readonly VectorSearchChoice[] = ['auto', 'pgvector', 'memory'];

/** The index's pgvector embeddings table and the SQL names of the extension's type and operator. */
interface Embeddings {
  type: string;
  negativeInnerProduct: string;
  dims: string;
}

/**
 * The scale-out Store: the index in a PostgreSQL database (one schema), every
 * document's replacement one transaction. Lexical ranking is FTS5's BM25
 * with the same field weights, computed from term statistics in tables
 * (store/lexical.ts); vectors are scanned in an exact in-memory index loaded
 * from the database and reloaded when `index_state.generation` moved (any
 * process's write).
 */
export class PgStore implements Store {
  /** Where vector search runs: an exact ORDER BY in the database (pgvector), or the in-memory index. */
  readonly vectorSearchMode: 'pgvector' | 'memory';
  private vectors: FlatVectorIndex | undefined;
  private vectorsGeneration = -1;
  private refreshing: Promise<FlatVectorIndex | undefined> | undefined;
  /** Refreshes started so far, and the number of the one in `refreshing`. */
  private refreshesStarted = 0;
  private refreshingNumber = 0;
  /** Whole reloads of the vector index so far (the first load included): the tests read it to see a write applied as a change. */
  vectorReloads = 0;
  private listener: Listener | undefined;
  private listening = false;
  private notifications = 0;
  private refreshAgain = false;
  private closed = false;

  private constructor(
    private readonly db: PgDatabase,
    private readonly ownsDb: boolean,
    /** The pgvector embeddings every write keeps, when the index has them (whatever this process searches with). */
    private readonly embeddings: Embeddings | undefined,
    pgvector: boolean,
  ) {
    this.vectorSearchMode = pgvector ? 'pgvector' : 'memory';
  }

  /**
   * Opens the store on a database schema, creating or migrating its tables.
   * With `create: false`, a schema that holds no docgraph index is NOT_FOUND
   * and nothing is created. Default `create: true`.
   *
   * `vectors` (default `auto`): `pgvector` answers vector search in the
   * database (an index made before the extension was installed is moved:
   * the extension created if need be, the embeddings table added and
   * filled) and is CONFIG_INVALID where the server has no pgvector or this
   * user may not create it; `memory` keeps the in-memory index; `auto` takes
   * pgvector when the index has its embeddings and never moves an index. Unless `memory`, an index not yet at migration 3 (a new
   * one) first gets the `vector` extension created (in schema public) when
   * the server has it and this user may, so it gets its embeddings table.
   */
  static async open(options: PgDatabaseOptions & { create?: boolean; vectors?: VectorSearchChoice }): Promise<PgStore> {
    const choice = options.vectors ?? 'auto';
    if (!VECTOR_SEARCH_CHOICES.includes(choice)) {
      throw new ConfigError(`vectors=${String(choice)} is not a vector search mode`, { hint: `use one of ${VECTOR_SEARCH_CHOICES.join(', ')}` });
    }
    const db = await PgDatabase.open({ ...options, createSchema: options.create !== false });
    try {
      if (options.create === false && !(await hasIndex(db))) {
        throw new NotFoundError(`no docgraph index at ${db.location} (schema ${db.schema})`, {
          hint: 'run `docgraph ingest <folder>` with this --store first, or check the URL and its ?schema=',
        });
      }
      // only an index that migration 3 has not seen yet can still get embeddings: elsewhere nothing is created
      if (choice !== 'memory' && (await storeVersion(db)) < 3) await createVectorExtension(db, choice === 'pgvector');
      await migrate(db, 'store', PG_STORE_MIGRATIONS);
      let embeddings = await embeddingsOf(db);
      if (choice === 'pgvector' && !embeddings) {
        // an index made before the extension was there: moved to pgvector now (the extension, the table, then every vector)
        await createVectorExtension(db, true);
        embeddings = await addEmbeddingsTable(db);
        if (!embeddings) {
          throw new ConfigError(`the index at ${db.location} (schema ${db.schema}) could not be given pgvector embeddings`, {
            hint: 'use ?vectors=auto or ?vectors=memory (the in-memory index answers the same)',
          });
        }
      }
      if (embeddings) await backfillEmbeddings(db, embeddings);
      return new PgStore(db, true, embeddings, embeddings !== undefined && choice !== 'memory');
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  /** The connection pool, for the queue whose tables live beside the index (so commitJob is one transaction). */
  get database(): PgDatabase {
    return this.db;
  }

  get location(): string {
    return this.db.location;
  }

  /** The IndexIntegrity port on this index (`docgraph verify`). */
  get integrity(): IndexIntegrity {
    return pgIntegrity(this.db);
  }

  async upsertSource(input: SourceInput, opts: { rename?: boolean } = {}): Promise<void> {
    const s = sourceWithDefaults(input);
    try {
      await this.db.query(
        `INSERT INTO sources (id, kind, location, created_at, name, version, options, revision, refreshed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET location = excluded.location${opts.rename ? ', name = excluded.name, version = excluded.version, options = excluded.options' : ''}`,
        [s.id, s.kind, s.location, s.createdAt, s.name, s.version ?? '', JSON.stringify(s.options), s.revision, s.refreshedAt],
      );
    } catch (e) {
      // 23505: unique_violation (another source holds the name and version)
      if ((e as { code?: string }).code === '23505') throw sourceTaken(s);
      throw e;
    }
  }

  async listSources(): Promise<(SourceRecord & { documents: number })[]> {
    const rows = await this.db.query<SourceRow & { documents: number }>(
      `SELECT s.*, COUNT(d.id)::int AS documents
       FROM sources s LEFT JOIN documents d ON d.source_id = s.id GROUP BY s.id ORDER BY s.created_at, s.id`,
    );
    return rows.map((r) => ({ ...toSource(r), documents: r.documents }));
  }

  async sources(): Promise<SourceRecord[]> {
    return (await this.db.query<SourceRow>('SELECT * FROM sources ORDER BY created_at, id')).map(toSource);
  }

  async markRefreshed(id: string, revision: string | null, at: string): Promise<void> {
    await this.db.query('UPDATE sources SET revision = $1, refreshed_at = $2 WHERE id = $3', [revision, at, id]);
  }

  async deleteSource(id: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM sources WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM documents WHERE source_id = $1) RETURNING id', [id]);
    return rows.length > 0;
  }

  async getDocument(id: string): Promise<DocumentRecord | undefined> {
    const row = (await this.db.query<DocumentRow>('SELECT * FROM documents WHERE id = $1', [id]))[0];
    return row && toDocument(row);
  }

  async getDocuments(ids: readonly string[]): Promise<DocumentRecord[]> {
    if (ids.length === 0) return [];
    return (await this.db.query<DocumentRow>('SELECT * FROM documents WHERE id = ANY($1::text[])', [[...new Set(ids)]])).map(toDocument);
  }

  async getDocumentByUri(uri: string, sourceId?: string): Promise<DocumentRecord | undefined> {
    const rows =
      sourceId === undefined
        ? await this.db.query<DocumentRow>('SELECT * FROM documents WHERE uri = $1 ORDER BY source_id LIMIT 1', [uri])
        : await this.db.query<DocumentRow>('SELECT * FROM documents WHERE uri = $1 AND source_id = $2', [uri, sourceId]);
    return rows[0] && toDocument(rows[0]);
  }

  async listDocuments(sourceId?: string): Promise<DocumentSummary[]> {
    const sql = `SELECT d.id, d.source_id AS "sourceId", d.uri, d.title, d.checksum, d.indexed_at AS "indexedAt",
                   (SELECT COUNT(*)::int FROM sections s WHERE s.doc_id = d.id) AS sections
                 FROM documents d ${sourceId === undefined ? '' : 'WHERE d.source_id = $1'} ORDER BY d.uri, d.source_id`;
    return this.db.query<DocumentSummary>(sql, sourceId === undefined ? [] : [sourceId]);
  }

  /**
   * Applies a job's change to the index inside the caller's transaction on
   * `c` (the queue's `commitJob`, see queue/postgres): a write first checks,
   * in that transaction, that its vectors are of the index's embedder.
   * Returns whether the index changed.
   */
  async applyChange(c: Queryable, change: IndexChange): Promise<boolean> {
    if (change.kind === 'write') {
      const now = await embedderIn(c, true);
      if (now?.id !== change.embedderId) throw new EmbedderChangedError(change.embedderId, now?.id);
      await writeDocumentIn(c, change.write, this.embeddings);
      return true;
    }
    if (change.kind === 'delete') return deleteDocumentIn(c, change.docId);
    return false;
  }

  async writeDocument(w: DocumentWrite): Promise<void> {
    await this.db.tx((c) => writeDocumentIn(c, w, this.embeddings));
  }

  async pendingRelinks(docId?: string): Promise<{ docId: string; before: string[] }[]> {
    const rows =
      docId === undefined
        ? await this.db.query<{ docId: string; before: string }>('SELECT doc_id AS "docId", before FROM relink_pending ORDER BY doc_id')
        : await this.db.query<{ docId: string; before: string }>('SELECT doc_id AS "docId", before FROM relink_pending WHERE doc_id = $1', [docId]);
    return rows.map((r) => ({ docId: r.docId, before: JSON.parse(r.before) as string[] }));
  }

  async clearRelink(docId: string, before: readonly string[]): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM relink_pending WHERE doc_id = $1 AND before = $2 RETURNING doc_id', [docId, JSON.stringify([...before])]);
    return rows.length > 0;
  }

  async replaceLinks(docId: string, checksum: string, edges: readonly EdgeRecord[]): Promise<boolean> {
    const other = edges.find((e) => e.type !== 'LINKS_TO');
    if (other) throw new DocgraphError('INVALID_INPUT', `replaceLinks takes LINKS_TO edges only, got ${other.type}`);
    return this.db.tx(async (c) => {
      const row = (await c.query<{ checksum: string }>('SELECT checksum FROM documents WHERE id = $1 FOR UPDATE', [docId])).rows[0];
      if (row?.checksum !== checksum) return false;
      await c.query("DELETE FROM edges WHERE doc_id = $1 AND type = 'LINKS_TO'", [docId]);
      await upsertEdges(c, docId, edges);
      return true;
    });
  }

  async deleteDocument(id: string): Promise<boolean> {
    return this.db.tx((c) => deleteDocumentIn(c, id));
  }

  async getSections(ids: readonly string[]): Promise<SectionRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<SectionRow>('SELECT * FROM sections WHERE id = ANY($1::text[])', [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is SectionRow => r !== undefined).map(toSection);
  }

  async sectionKeys(ids: readonly string[]): Promise<SectionKey[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string; doc_id: string; parent_id: string | null; anchor: string; heading_path: string }>(
      'SELECT id, doc_id, parent_id, anchor, heading_path FROM sections WHERE id = ANY($1::text[])',
      [[...new Set(ids)]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const r = byId.get(id);
      return r ? [{ id: r.id, docId: r.doc_id, parentId: r.parent_id, anchor: r.anchor, headingPath: JSON.parse(r.heading_path) as string[] }] : [];
    });
  }

  async getDocumentSections(docId: string): Promise<SectionRecord[]> {
    return (await this.db.query<SectionRow>('SELECT * FROM sections WHERE doc_id = $1 ORDER BY seq', [docId])).map(toSection);
  }

  async sectionAnchors(sourceId: string): Promise<{ uri: string; anchor: string; id: string }[]> {
    return this.db.query<{ uri: string; anchor: string; id: string }>(
      'SELECT d.uri, s.anchor, s.id FROM sections s JOIN documents d ON d.id = s.doc_id WHERE d.source_id = $1 AND s.part <= 1 ORDER BY d.uri, s.seq',
      [sourceId],
    );
  }

  async getSectionVectors(docId: string): Promise<Map<string, Float32Array>> {
    const rows = await this.db.query<{ checksum: string; vec: Buffer }>(
      'SELECT s.checksum, v.vec FROM sections s JOIN section_vectors v ON v.section_rowid = s.rowid WHERE s.doc_id = $1 ORDER BY s.seq',
      [docId],
    );
    return new Map(rows.map((r) => [r.checksum, toFloat32(r.vec)]));
  }

  async *allSections(): AsyncIterable<SectionRecord> {
    // keyset pages in (doc_id, seq) order: no cursor held open across the caller's awaits
    let after: [string, number] | undefined;
    for (;;) {
      const rows = after
        ? await this.db.query<SectionRow>('SELECT * FROM sections WHERE (doc_id, seq) > ($1, $2) ORDER BY doc_id, seq LIMIT $3', [after[0], after[1], PAGE])
        : await this.db.query<SectionRow>('SELECT * FROM sections ORDER BY doc_id, seq LIMIT $1', [PAGE]);
      for (const r of rows) yield toSection(r);
      if (rows.length < PAGE) return;
      const lastRow = rows[rows.length - 1]!;
      after = [lastRow.doc_id, lastRow.seq];
    }
  }

  async putVectors(vectors: Map<string, Float32Array>, embedderId?: string): Promise<boolean> {
    return this.db.tx(async (c) => {
      if (embedderId !== undefined && (await embedderIn(c, true))?.id !== embedderId) return false;
      let changed: number[] = [];
      if (vectors.size > 0) {
        const ids = [...vectors.keys()];
        changed = (
          await c.query<{ rowid: number }>(
            `INSERT INTO section_vectors (section_rowid, vec)
             SELECT s.rowid, v.vec FROM unnest($1::text[], $2::bytea[]) AS v(id, vec) JOIN sections s ON s.id = v.id
             ON CONFLICT (section_rowid) DO UPDATE SET vec = excluded.vec
             RETURNING section_rowid AS rowid`,
            [ids, ids.map((id) => toBytes(vectors.get(id)!))],
          )
        ).rows.map((r) => r.rowid);
        if (this.embeddings) {
          await c.query(
            `INSERT INTO section_embeddings (section_rowid, embedding)
             SELECT s.rowid, v.e::${this.embeddings.type} FROM unnest($1::text[], $2::text[]) AS v(id, e) JOIN sections s ON s.id = v.id
             ON CONFLICT (section_rowid) DO UPDATE SET embedding = excluded.embedding`,
            [ids, ids.map((id) => vectorText(vectors.get(id)!))],
          );
        }
      }
      await bumpGeneration(c, changed);
      return true;
    });
  }

  async sharedGeneration(): Promise<string | undefined> {
    const rows = await this.db.query<{ generation: string }>('SELECT generation::text AS generation FROM index_state WHERE id = 1');
    return rows[0]?.generation;
  }

  async termSectionCounts(terms: readonly string[]): Promise<{ sections: number; counts: Map<string, number> }> {
    const unique = [...new Set(terms)];
    // one round trip: the sections, and per term the sections its token's postings name
    const row = (
      await this.db.query<{ sections: number; counts: number[] | null }>(
        `SELECT (SELECT COUNT(*)::int FROM sections) AS sections,
                (SELECT array_agg((SELECT COUNT(*)::int FROM lexical_postings p WHERE p.token = q.token) ORDER BY q.i)
                 FROM unnest($1::text[]) WITH ORDINALITY AS q(token, i)) AS counts`,
        [unique.map(lexicalToken)],
      )
    )[0]!;
    return { sections: row.sections, counts: new Map(unique.map((t, i) => [t, row.counts?.[i] ?? 0])) };
  }

  async lexicalSearch(terms: readonly string[], limit: number, filters?: SearchFilters, weights?: TermWeights): Promise<ScoredSection[]> {
    const unique = [...new Set(terms)].filter((t) => t !== '' && weights?.get(t) !== 0);
    if (unique.length === 0 || limit <= 0) return [];
    // one FTS5 phrase per distinct query term; its token is what FTS5's tokenizer makes of the term
    const kept = unique.filter((t) => lexicalToken(t) !== '');
    const tokens = kept.map(lexicalToken);
    if (tokens.length === 0) return [];
    const factors = kept.map((t) => weights?.get(t) ?? 1);
    const { where, params } = filterSql(filters, 3);
    const { heading, context, body } = LEXICAL_WEIGHTS;
    // BM25 from the term statistics, ranked in the database; the rows kept are scored again
    // here with FTS5's order of summation (query terms in order), so scores and ties match SQLite's.
    const rows = await this.db.query<{ n: number; total: number; df: number[]; section_id: string; doc_id: string; length: number; terms: number[]; freq: number[] }>(
      // Each term's postings are read by index, term by term (the OFFSET 0 fence keeps the planner from
      // turning that into a scan of every posting); the sections are ranked, cut at the limit plus a
      // margin, and only then joined to their ids (with a filter: joined first, to filter).
      `WITH q AS (SELECT t.token, t.i::int AS i, t.factor FROM unnest($1::text[], $${3 + params.length}::float8[]) WITH ORDINALITY AS t(token, factor, i)),
       stats AS (SELECT COUNT(*)::float8 AS n, COALESCE(SUM(length), 0)::float8 AS total FROM lexical_sections),
       idf AS (
         SELECT q.i, q.token, q.factor, h.hits, GREATEST(ln((stats.n - h.hits + 0.5) / (h.hits + 0.5)), 1e-6) AS idf, stats.total / stats.n AS avgdl
         FROM q CROSS JOIN stats CROSS JOIN LATERAL (SELECT COUNT(*)::float8 AS hits FROM lexical_postings p WHERE p.token = q.token) h
       ),
       hits AS (
         SELECT p.section_rowid, p.length, array_agg(idf.i) AS terms, array_agg(p.w) AS freq,
                SUM(idf.factor * idf.idf * p.w * ${BM25_K1 + 1}::float8 / (p.w + ${BM25_K1}::float8 * (${1 - BM25_B}::float8 + ${BM25_B}::float8 * p.length / idf.avgdl))) AS score
         FROM idf CROSS JOIN LATERAL (
           SELECT x.section_rowid, x.length, x.heading * ${heading}::float8 + x.context * ${context}::float8 + x.body * ${body}::float8 AS w
           FROM lexical_postings x WHERE x.token = idf.token OFFSET 0
         ) p
         GROUP BY p.section_rowid, p.length
       ),
       top AS (
         ${
           where
             ? `SELECT h.*, s.id AS section_id, s.doc_id FROM hits h JOIN sections s ON s.rowid = h.section_rowid JOIN documents d ON d.id = s.doc_id
                WHERE ${where} ORDER BY h.score DESC, h.section_rowid LIMIT $2`
             : `SELECT h.*, s.id AS section_id, s.doc_id FROM (SELECT * FROM hits ORDER BY score DESC, section_rowid LIMIT $2) h
                JOIN sections s ON s.rowid = h.section_rowid`
         }
       )
       SELECT (SELECT n FROM stats) AS n, (SELECT total FROM stats) AS total, (SELECT array_agg(hits ORDER BY i) FROM idf) AS df,
              top.section_id, top.doc_id, top.length, top.terms, top.freq
       FROM top`,
      [tokens, limit + LEXICAL_TIE_MARGIN, ...params, factors],
    );
    if (rows.length === 0) return [];
    const { n, total, df } = rows[0]!;
    const idf = df.map((hits) => bm25Idf(n, hits));
    const avgdl = total / n;
    const scored = rows.map((r) => {
      // the two arrays are aggregated from the same rows, so they pair up; FTS5 sums over the
      // phrases of the query in order, so the pairs are put in term order first
      const order = r.terms.map((_, k) => k).sort((a, b) => r.terms[a]! - r.terms[b]!);
      let score = 0;
      for (const k of order) score += scaledScore(bm25Score(idf[r.terms[k]! - 1]!, r.freq[k]!, r.length, avgdl), factors[r.terms[k]! - 1]!);
      return { sectionId: r.section_id, docId: r.doc_id, score };
    });
    return scored.sort((x, y) => y.score - x.score || (x.sectionId < y.sectionId ? -1 : x.sectionId > y.sectionId ? 1 : 0)).slice(0, limit);
  }

  async sectionsMatching(ids: readonly string[], filters: SearchFilters): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { where, params } = filterSql(filters, 2);
    if (!where) return new Set(ids);
    const rows = await this.db.query<{ id: string }>(`SELECT s.id FROM sections s JOIN documents d ON d.id = s.doc_id WHERE s.id = ANY($1::text[]) AND ${where}`, [[...ids], ...params]);
    const ok = new Set(rows.map((r) => r.id));
    return new Set(ids.filter((id) => ok.has(id)));
  }

  async vectorSearch(vector: Float32Array, limit: number, filters?: SearchFilters): Promise<ScoredSection[]> {
    if (this.vectorSearchMode === 'pgvector') return this.pgvectorSearch(vector, limit, filters);
    const index = await this.vectorIndex();
    if (!index || index.size === 0 || limit <= 0) return [];
    if (vector.length !== index.dimensions) {
      throw new DocgraphError('EMBEDDER_MISMATCH', `query vector has ${vector.length} dimensions but the index holds ${index.dimensions}-dimensional vectors`);
    }
    let allow: Set<number> | undefined;
    const { where, params } = filterSql(filters, 1);
    if (where) {
      allow = new Set((await this.db.query<{ rowid: number }>(`SELECT s.rowid FROM sections s JOIN documents d ON d.id = s.doc_id WHERE ${where}`, params)).map((r) => r.rowid));
    }
    const top = index.search(vector, limit, allow);
    if (top.length === 0) return [];
    const rows = await this.db.query<{ rowid: number; id: string }>('SELECT rowid, id FROM sections WHERE rowid = ANY($1::bigint[])', [top.map((t) => t.rowid)]);
    const idOf = new Map(rows.map((r) => [r.rowid, r.id]));
    return top.map((t) => ({ sectionId: idOf.get(t.rowid)!, score: t.score })).filter((h) => h.sectionId !== undefined);
  }

  /**
   * The same exact search as the in-memory index, in the database: pgvector
   * ranks by inner product (vectors are unit length, so cosine) with ties by
   * rowid, the best `limit + PGVECTOR_TIE_MARGIN` rows are scored again here
   * in double precision (exactDot, as the in-memory index scores) and
   * ordered as it orders them: score, then rowid.
   */
  private async pgvectorSearch(vector: Float32Array, limit: number, filters?: SearchFilters): Promise<ScoredSection[]> {
    if (limit <= 0) return [];
    const e = this.embeddings!;
    const embedder = await this.getEmbedder();
    if (!embedder) return [];
    if (vector.length !== embedder.dimensions) {
      const any = await this.db.query('SELECT 1 FROM section_vectors LIMIT 1');
      if (any.length === 0) return [];
      throw new DocgraphError('EMBEDDER_MISMATCH', `query vector has ${vector.length} dimensions but the index holds ${embedder.dimensions}-dimensional vectors`);
    }
    const { where, params } = filterSql(filters, 4);
    const rows = await this.db.query<{ rowid: number; id: string; vec: Buffer }>(
      `SELECT t.rowid, s.id, v.vec FROM (
         SELECT x.section_rowid AS rowid FROM section_embeddings x
         ${where ? 'JOIN sections s ON s.rowid = x.section_rowid JOIN documents d ON d.id = s.doc_id' : ''}
         WHERE ${e.dims}(x.embedding) = $2 ${where ? `AND ${where}` : ''}
         ORDER BY x.embedding ${e.negativeInnerProduct} $1::${e.type}, x.section_rowid LIMIT $3
       ) t JOIN sections s ON s.rowid = t.rowid JOIN section_vectors v ON v.section_rowid = t.rowid`,
      [vectorText(vector), embedder.dimensions, limit + PGVECTOR_TIE_MARGIN, ...params],
    );
    return rows
      .map((r) => ({ rowid: r.rowid, sectionId: r.id, score: exactDot(vector, toFloat32(r.vec)) }))
      .sort((a, b) => b.score - a.score || a.rowid - b.rowid)
      .slice(0, limit)
      .map(({ sectionId, score }) => ({ sectionId, score }));
  }

  /**
   * The in-memory vector index, current with the index: loaded on first use;
   * after another process's write, brought up to date from the vector change
   * log (only the rows that changed are read), or reloaded whole when the
   * embedder changed or this process is further behind than the log keeps.
   * One refresh at a time: concurrent searches wait for the same one.
   */
  /**
   * The vectors as of a refresh that started after this call: a refresh
   * already running may have read the generation before a write the caller
   * has seen commit (another handle's), so the caller waits for it and then
   * for the next one (a one-row generation check when nothing changed).
   */
  private async vectorIndex(): Promise<FlatVectorIndex | undefined> {
    this.listenForChanges();
    const need = this.refreshesStarted + 1;
    for (;;) {
      if (!this.refreshing) this.startRefresh();
      const running = this.refreshing!;
      if (this.refreshingNumber >= need) return running;
      await running.catch(() => undefined);
    }
  }

  private startRefresh(): void {
    this.refreshingNumber = ++this.refreshesStarted;
    this.refreshing = this.refreshVectors().finally(() => {
      this.refreshing = undefined;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.refreshSoon();
      }
    });
  }

  /**
   * From the first vector search on (memory mode), a connection LISTENs on
   * the index's change channel: every write's transaction notifies it
   * (bumpGeneration), so this process brings its vectors up to date as soon
   * as another process commits, not at its next search. Searches still
   * check the generation (one row read), so a notification still on its way
   * cannot make an answer stale; when the connection drops, that check is
   * all there is until it is back (then the index catches up at once).
   */
  private listenForChanges(): void {
    if (this.listener || this.closed) return;
    this.listener = this.db.listen(changeChannel(this.db.schema), {
      notify: () => {
        this.notifications++;
        this.refreshSoon();
      },
      up: () => {
        this.listening = true;
        this.refreshSoon();
      },
      down: () => {
        this.listening = false;
      },
    });
  }

  /** Refreshes the vector index in the background (after the one in flight, if any: it may have read too early). */
  private refreshSoon(): void {
    if (this.closed || !this.vectors) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.vectorIndex().catch(() => undefined); // a failure shows at the next search, which refreshes again
  }

  /** How this process's in-memory vectors follow other processes' writes (status, tests). */
  get vectorSync(): { generation: number; listening: boolean; notifications: number } {
    return { generation: this.vectorsGeneration, listening: this.listening, notifications: this.notifications };
  }

  private async refreshVectors(): Promise<FlatVectorIndex | undefined> {
    const state = (await this.db.query<{ generation: number; value: Buffer | null }>(
      "SELECT i.generation, (SELECT value FROM kv WHERE key = 'embedder') AS value FROM index_state i WHERE i.id = 1",
    ))[0]!;
    if (this.vectors && state.generation === this.vectorsGeneration) return this.vectors;
    if (!state.value) return undefined;
    const embedder = JSON.parse(state.value.toString('utf8')) as StoredEmbedder;
    // one consistent read: the generation and the vectors (or changes) of the same snapshot
    const loaded = await this.db.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const now = (await c.query<{ generation: number; vector_log_from: number }>('SELECT generation, vector_log_from FROM index_state WHERE id = 1')).rows[0]!;
      const current = this.vectors;
      if (current && current.dimensions === embedder.dimensions && this.vectorsGeneration >= now.vector_log_from) {
        const changed = (
          await c.query<{ rowid: number }>('SELECT DISTINCT section_rowid AS rowid FROM vector_changes WHERE generation > $1 AND generation <= $2', [this.vectorsGeneration, now.generation])
        ).rows.map((r) => r.rowid);
        if (!changed.includes(-1)) {
          const rows = changed.length === 0 ? [] : (await c.query<{ rowid: number; vec: Buffer }>('SELECT section_rowid AS rowid, vec FROM section_vectors WHERE section_rowid = ANY($1::bigint[])', [changed])).rows;
          current.apply(changed, rows.filter((r) => r.vec.byteLength === embedder.dimensions * 4));
          return { index: current, generation: now.generation };
        }
      }
      const index = new FlatVectorIndex(embedder.dimensions);
      const rows: { rowid: number; vec: Uint8Array }[] = [];
      let after = 0;
      for (;;) {
        const page = (await c.query<{ rowid: number; vec: Buffer }>('SELECT section_rowid AS rowid, vec FROM section_vectors WHERE section_rowid > $1 ORDER BY section_rowid LIMIT $2', [after, 5_000])).rows;
        for (const r of page) if (r.vec.byteLength === embedder.dimensions * 4) rows.push(r);
        if (page.length < 5_000) break;
        after = page[page.length - 1]!.rowid;
      }
      index.load(rows, rows.length);
      index.adoptGraph(current); // above the approximate threshold: the HNSW graph is updated, not rebuilt (same dimensions)
      this.vectorReloads++;
      return { index, generation: now.generation };
    });
    if (this.vectors !== loaded.index) this.vectors?.dispose();
    this.vectors = loaded.index;
    this.vectorsGeneration = loaded.generation;
    return loaded.index;
  }

  async *allEntities(): AsyncIterable<EntityRecord> {
    let after: string | undefined;
    for (;;) {
      const rows = after === undefined
        ? await this.db.query<EntityRow>('SELECT * FROM entities ORDER BY id LIMIT $1', [PAGE])
        : await this.db.query<EntityRow>('SELECT * FROM entities WHERE id > $1 ORDER BY id LIMIT $2', [after, PAGE]);
      for (const r of rows) yield toEntity(r);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async *allEdges(): AsyncIterable<EdgeRecord & { docId: string }> {
    let after: [string, string, string, string] | undefined;
    for (;;) {
      const cols = 'SELECT doc_id AS "docId", src, dst, type, weight, evidence FROM edges';
      const rows = after === undefined
        ? await this.db.query<EdgeRecord & { docId: string }>(`${cols} ORDER BY type, src, dst, doc_id LIMIT $1`, [PAGE])
        : await this.db.query<EdgeRecord & { docId: string }>(`${cols} WHERE (type, src, dst, doc_id) > ($1, $2, $3, $4) ORDER BY type, src, dst, doc_id LIMIT $5`, [...after, PAGE]);
      for (const r of rows) yield r;
      if (rows.length < PAGE) return;
      const l = rows[rows.length - 1]!;
      after = [l.type, l.src, l.dst, l.docId];
    }
  }

  async findEntities(keys: readonly string[], types?: readonly EntityType[]): Promise<EntityRecord[]> {
    if (keys.length === 0) return [];
    const typed = types && types.length > 0;
    const rows = await this.db.query<EntityRow>(
      `SELECT DISTINCT e.* FROM entity_aliases a JOIN entities e ON e.id = a.entity_id
       WHERE a.alias = ANY($1::text[]) ${typed ? 'AND e.type = ANY($2::text[])' : ''} ORDER BY e.type, e.name, e.id`,
      typed ? [[...keys], [...types]] : [[...keys]],
    );
    return rows.map(toEntity);
  }

  async sectionsNaming(names: readonly string[], limit = 1000): Promise<NameMention[]> {
    if (names.length === 0) return [];
    return this.db.query<NameMention>(
      'SELECT section_id AS "sectionId", name, count FROM name_mentions WHERE name = ANY($1::text[]) ORDER BY count DESC, section_id, name LIMIT $2',
      [[...names], limit],
    );
  }

  async namesIn(sectionIds: readonly string[]): Promise<NameMention[]> {
    if (sectionIds.length === 0) return [];
    return this.db.query<NameMention>(
      'SELECT section_id AS "sectionId", name, count FROM name_mentions WHERE section_id = ANY($1::text[]) ORDER BY section_id, count DESC, name',
      [[...sectionIds]],
    );
  }

  async getEntities(ids: readonly string[]): Promise<EntityRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<EntityRow>('SELECT * FROM entities WHERE id = ANY($1::text[])', [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((r): r is EntityRow => r !== undefined).map(toEntity);
  }

  async linkingDocuments(targets: readonly string[], limit = 100_000): Promise<string[]> {
    if (targets.length === 0) return [];
    const rows = await this.db.query<{ doc_id: string }>(
      "SELECT DISTINCT doc_id FROM edges WHERE dst = ANY($1::text[]) AND type = 'LINKS_TO' ORDER BY doc_id LIMIT $2",
      [[...targets], limit],
    );
    return rows.map((r) => r.doc_id);
  }

  async edgesOf(ids: readonly string[], direction: EdgeDirection, types?: readonly EdgeType[], limit = 1000): Promise<EdgeRecord[]> {
    if (ids.length === 0) return [];
    const typed = types && types.length > 0;
    const typeSql = typed ? 'AND type = ANY($2::text[])' : '';
    const parts: string[] = [];
    if (direction !== 'in') parts.push(`SELECT src, dst, type, SUM(weight) AS weight, MIN(evidence) AS evidence FROM edges WHERE src = ANY($1::text[]) ${typeSql} GROUP BY src, dst, type`);
    if (direction !== 'out') parts.push(`SELECT src, dst, type, SUM(weight) AS weight, MIN(evidence) AS evidence FROM edges WHERE dst = ANY($1::text[]) ${typeSql} GROUP BY src, dst, type`);
    const sql = `SELECT * FROM (${parts.join(' UNION ')}) u ORDER BY weight DESC, type, src, dst LIMIT $${typed ? 3 : 2}`;
    return this.db.query<EdgeRecord>(sql, typed ? [[...ids], [...types], limit] : [[...ids], limit]);
  }

  async traverse(from: readonly string[], options: TraverseOptions): Promise<TraversalStep[]> {
    return traverseEdges((ids, direction, types, limit) => this.edgesOf(ids, direction, types, limit), from, options);
  }

  async getEmbedder(): Promise<StoredEmbedder | undefined> {
    const rows = await this.db.query<{ value: Buffer }>("SELECT value FROM kv WHERE key = 'embedder'");
    return rows[0] ? (JSON.parse(rows[0].value.toString('utf8')) as StoredEmbedder) : undefined;
  }

  async setEmbedder(e: StoredEmbedder, blobs: Readonly<Record<string, Uint8Array>> = {}): Promise<void> {
    await this.db.tx(async (c) => {
      for (const [key, value] of Object.entries(blobs)) await putBlobIn(c, key, value);
      // FOR UPDATE: a writer checking the embedder (FOR SHARE) waits until this switch commits
      const prev = await embedderIn(c, false);
      if (prev && prev.id !== e.id) await c.query('DELETE FROM section_vectors');
      await c.query("INSERT INTO kv (key, value) VALUES ('embedder', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [Buffer.from(JSON.stringify(e))]);
      await bumpGeneration(c, 'all');
    });
  }

  async getBlob(key: string): Promise<Uint8Array | undefined> {
    const rows = await this.db.query<{ value: Buffer }>('SELECT value FROM kv WHERE key = $1', ['blob:' + key]);
    return rows[0] ? new Uint8Array(rows[0].value) : undefined;
  }

  async putBlob(key: string, value: Uint8Array): Promise<void> {
    await this.db.query('INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', ['blob:' + key, Buffer.from(value)]);
  }

  async stats(): Promise<StoreStats> {
    const row = (
      await this.db.query<Omit<StoreStats, 'lastIndexedAt'> & { last: string | null }>(
        `SELECT (SELECT COUNT(*) FROM sources)::int AS sources, (SELECT COUNT(*) FROM documents)::int AS documents,
                (SELECT COUNT(*) FROM sections)::int AS sections, (SELECT COUNT(*) FROM section_vectors)::int AS vectors,
                (SELECT COUNT(*) FROM entities)::int AS entities, (SELECT COUNT(*) FROM edges)::int AS edges,
                (SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = current_schema() AND c.relkind = 'r')::bigint AS bytes,
                (SELECT MAX(indexed_at) FROM documents) AS last`,
      )
    )[0]!;
    const { last, ...counts } = row;
    return { ...counts, lastIndexedAt: last ?? null };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.vectors?.dispose();
    this.vectors = undefined;
    await this.listener?.close();
    await this.refreshing?.catch(() => undefined);
    if (this.ownsDb) await this.db.close();
  }
}

/** Whether the schema holds a docgraph index (its store tables were created). */
async function hasIndex(db: PgDatabase): Promise<boolean> {
  const rows = await db.query<{ found: boolean }>("SELECT to_regclass('docgraph_schema') IS NOT NULL AS found");
  if (!rows[0]?.found) return false;
  return (await db.query("SELECT 1 FROM docgraph_schema WHERE component = 'store'")).length > 0;
}

/** The store schema's migration version (0: none yet). */
async function storeVersion(db: PgDatabase): Promise<number> {
  // two statements: a statement naming a table that does not exist fails as it is parsed
  if (!(await db.query<{ found: boolean }>("SELECT to_regclass('docgraph_schema') IS NOT NULL AS found"))[0]?.found) return 0;
  return (await db.query<{ version: number }>("SELECT version FROM docgraph_schema WHERE component = 'store'"))[0]?.version ?? 0;
}

/** The embedder recorded now, read in the caller's transaction and locked: shared (a writer) or exclusive (a switch). */
async function embedderIn(c: Queryable, shared: boolean): Promise<StoredEmbedder | undefined> {
  const row = (await c.query<{ value: Buffer }>(`SELECT value FROM kv WHERE key = 'embedder' ${shared ? 'FOR SHARE' : 'FOR UPDATE'}`)).rows[0];
  return row ? (JSON.parse(row.value.toString('utf8')) as StoredEmbedder) : undefined;
}

async function putBlobIn(c: Queryable, key: string, value: Uint8Array): Promise<void> {
  await c.query('INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', ['blob:' + key, Buffer.from(value)]);
}

const CHANNEL_PREFIX = 'docgraph_changes_';

/** The channel a schema's writes notify (NOTIFY channel names are at most 63 bytes; a shared prefix costs only a spare refresh). */
export function changeChannel(schema: string): string {
  return (CHANNEL_PREFIX + schema).slice(0, 63);
}

/** Generations of the vector change log kept; a process further behind reloads every vector. */
const VECTOR_LOG_KEEP = 10_000;
/** The log is pruned when the generation reaches a multiple of this. */
const VECTOR_LOG_PRUNE_EVERY = 1_000;

/**
 * Moves the index's generation (what shared caches and every process's
 * vector index watch) and logs whose vectors the change touched: the rowids
 * of `vectors`, or all of them. The last statements of a change, so the
 * row lock on index_state is held briefly; writers take generations in
 * commit order.
 */
async function bumpGeneration(c: Queryable, vectors: readonly number[] | 'all' = []): Promise<void> {
  // the notification goes out when (and only if) this transaction commits
  const g = (
    await c.query<{ generation: number }>(
      `UPDATE index_state SET generation = generation + 1 WHERE id = 1 RETURNING generation, pg_notify(left('${CHANNEL_PREFIX}' || current_schema(), 63), generation::text)`,
    )
  ).rows[0]!.generation;
  const rowids = vectors === 'all' ? [-1] : vectors;
  if (rowids.length > 0) await c.query('INSERT INTO vector_changes (generation, section_rowid) SELECT $1, unnest($2::bigint[])', [g, rowids]);
  if (g % VECTOR_LOG_PRUNE_EVERY === 0 && g > VECTOR_LOG_KEEP) {
    await c.query('DELETE FROM vector_changes WHERE generation <= $1', [g - VECTOR_LOG_KEEP]);
    await c.query('UPDATE index_state SET vector_log_from = GREATEST(vector_log_from, $1) WHERE id = 1', [g - VECTOR_LOG_KEEP]);
  }
}

/** Replaces a document and all that hangs off it, in the caller's transaction. */
async function writeDocumentIn(c: Queryable, w: DocumentWrite, embeddings: Embeddings | undefined): Promise<void> {
  const d = w.document;
  // the document row first: concurrent writers of one document queue here
  await c.query(
    `INSERT INTO documents (id, source_id, uri, title, format, checksum, bytes, meta, indexed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET title = excluded.title, format = excluded.format, checksum = excluded.checksum,
       bytes = excluded.bytes, meta = excluded.meta, indexed_at = excluded.indexed_at`,
    [d.id, d.sourceId, d.uri, d.title, d.format, d.checksum, d.bytes, JSON.stringify(d.meta), d.indexedAt],
  );
  await markRelink(c, d.id);
  const { entities: removed, rowids: removedRowids } = await removeDocumentContent(c, d.id);
  const vectorsChanged: number[] = [...removedRowids];
  if (w.sections.length > 0) {
    const s = w.sections;
    const inserted = (
      await c.query<{ rowid: number; id: string }>(
        `INSERT INTO sections (id, doc_id, parent_id, seq, ordinal, level, heading, anchor, heading_path, text, part, tokens, checksum, links, aliases)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::int[], $13::text[], $14::text[], $15::text[])
         RETURNING rowid, id`,
        [
          s.map((x) => x.id), s.map((x) => x.docId), s.map((x) => x.parentId), s.map((x) => x.seq), s.map((x) => x.ordinal), s.map((x) => x.level),
          s.map((x) => x.heading), s.map((x) => x.anchor), s.map((x) => JSON.stringify(x.headingPath)), s.map((x) => x.text), s.map((x) => x.part),
          s.map((x) => x.tokens), s.map((x) => x.checksum), s.map((x) => JSON.stringify(x.links)), s.map((x) => JSON.stringify(x.aliases)),
        ],
      )
    ).rows;
    const rowidOf = new Map(inserted.map((r) => [r.id, r.rowid]));
    const lexRowids: number[] = [];
    const lexLengths: number[] = [];
    const pToken: string[] = [];
    const pRowid: number[] = [];
    const pH: number[] = [];
    const pC: number[] = [];
    const pB: number[] = [];
    const pLen: number[] = [];
    const vRowid: number[] = [];
    const vVec: Buffer[] = [];
    for (const sec of s) {
      const rowid = rowidOf.get(sec.id)!;
      const lex = w.lexical.get(sec.id);
      if (lex) {
        const { counts, length } = termCounts(lex);
        lexRowids.push(rowid);
        lexLengths.push(length);
        for (const [token, [h, cx, b]] of counts) {
          pToken.push(token);
          pRowid.push(rowid);
          pH.push(h);
          pC.push(cx);
          pB.push(b);
          pLen.push(length);
        }
      }
      const vec = w.vectors.get(sec.id);
      if (vec) {
        vRowid.push(rowid);
        vVec.push(toBytes(vec));
      }
    }
    if (lexRowids.length > 0) {
      await c.query('INSERT INTO lexical_sections (section_rowid, length) SELECT * FROM unnest($1::bigint[], $2::int[])', [lexRowids, lexLengths]);
      if (pToken.length > 0) {
        await c.query(
          'INSERT INTO lexical_postings (token, section_rowid, heading, context, body, length) SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[], $5::int[], $6::int[])',
          [pToken, pRowid, pH, pC, pB, pLen],
        );
      }
    }
    if (vRowid.length > 0) await c.query('INSERT INTO section_vectors (section_rowid, vec) SELECT * FROM unnest($1::bigint[], $2::bytea[])', [vRowid, vVec]);
    if (embeddings && vRowid.length > 0) {
      await c.query(`INSERT INTO section_embeddings (section_rowid, embedding) SELECT r, e::${embeddings.type} FROM unnest($1::bigint[], $2::text[]) AS t(r, e)`, [
        vRowid,
        vRowid.map((_, i) => vectorText(toFloat32(vVec[i]!))),
      ]);
    }
    for (const r of vRowid) vectorsChanged.push(r);
  }
  const written = await writeGraph(c, d.id, w.entities ?? [], w.edges ?? [], removed);
  await writeNames(c, d.id, w.untypedNames ?? []);
  await refreshEntities(c, new Set([...removed, ...written]));
  await bumpGeneration(c, vectorsChanged);
}

/**
 * Removes a document's sections (lexical rows and vectors go with them), edges, names and facts;
 * returns the entities it held and the rowids of the sections it removed.
 */
async function removeDocumentContent(c: Queryable, docId: string): Promise<{ entities: Set<string>; rowids: number[] }> {
  const rowids = (await c.query<{ rowid: number }>('DELETE FROM sections WHERE doc_id = $1 RETURNING rowid', [docId])).rows.map((r) => r.rowid);
  return { entities: await removeGraph(c, docId), rowids };
}

/** Records that the documents linking to `docId` must be re-resolved, with the section ids it has before this change. */
async function markRelink(c: Queryable, docId: string): Promise<void> {
  const now = (await c.query<{ id: string }>('SELECT id FROM sections WHERE doc_id = $1', [docId])).rows.map((r) => r.id);
  const old = (await c.query<{ before: string }>('SELECT before FROM relink_pending WHERE doc_id = $1 FOR UPDATE', [docId])).rows[0]?.before;
  const before = [...new Set([...(old ? (JSON.parse(old) as string[]) : []), ...now])].sort();
  await c.query('INSERT INTO relink_pending (doc_id, before) VALUES ($1, $2) ON CONFLICT (doc_id) DO UPDATE SET before = excluded.before', [docId, JSON.stringify(before)]);
}

async function deleteDocumentIn(c: Queryable, id: string): Promise<boolean> {
  const exists = (await c.query('SELECT 1 FROM documents WHERE id = $1 FOR UPDATE', [id])).rows.length > 0;
  if (exists) await markRelink(c, id);
  const removed = await removeDocumentContent(c, id);
  await refreshEntities(c, removed.entities);
  const existed = ((await c.query('DELETE FROM documents WHERE id = $1', [id])).rowCount ?? 0) > 0;
  await bumpGeneration(c, removed.rowids);
  return existed;
}

/** The filter clauses (store/filters.ts) as SQL over `documents d`, with parameters numbered from `first`. */
function filterSql(filters: SearchFilters | undefined, first: number): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  for (const c of filterClauses(filters)) {
    if (c.field === 'source') parts.push(c.values.length === 0 ? 'false' : `d.source_id IN (${c.values.map((v) => p(v)).join(', ')})`);
    else if (c.field === 'uriPrefix') parts.push(`starts_with(d.uri, ${p(c.value)})`);
    // a tags array holds the string, or tags is that string: jsonb containment says both
    else parts.push(`(d.meta::jsonb -> 'tags') @> to_jsonb(${p(c.value)}::text)`);
  }
  return { where: parts.join(' AND '), params };
}

/**
 * Creates the `vector` extension (in schema public) when the server has it
 * and it is not installed yet; `required`: CONFIG_INVALID when that cannot be
 * done, else quietly nothing (the in-memory index answers).
 */
async function createVectorExtension(db: PgDatabase, required: boolean): Promise<void> {
  const found = (await db.query<{ installed: boolean; available: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available`,
  ))[0]!;
  if (found.installed) return;
  const hint = 'install pgvector on the server (https://github.com/pgvector/pgvector) and run `CREATE EXTENSION vector` as a user who may, or use ?vectors=auto or ?vectors=memory';
  if (!found.available) {
    if (required) throw new ConfigError(`?vectors=pgvector: the PostgreSQL server at ${db.location} does not have the vector extension`, { hint });
    return;
  }
  try {
    await db.tx(async (c) => {
      // one creator at a time: concurrent CREATE EXTENSION IF NOT EXISTS can still collide
      await c.query("SELECT pg_advisory_xact_lock(hashtext('docgraph-create-extension-vector'))");
      await c.query('CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public');
    });
  } catch (e) {
    if (required || !isPgError(e)) throw required ? new ConfigError(`?vectors=pgvector: could not create the vector extension at ${db.location}: ${(e as Error).message}`, { hint, cause: e }) : e;
  }
}

/** The index's pgvector embeddings table, when migration 3 created one: the SQL names of its type, operator and dimension function. */
async function embeddingsOf(db: PgDatabase): Promise<Embeddings | undefined> {
  const row = (await db.query<{ ext: string }>(
    `SELECT n.nspname AS ext FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE a.attrelid = to_regclass('section_embeddings') AND a.attname = 'embedding'`,
  ))[0];
  if (!row) return undefined;
  const ext = `"${row.ext.replaceAll('"', '""')}"`;
  return { type: `${ext}.vector`, negativeInnerProduct: `OPERATOR(${ext}.<#>)`, dims: `${ext}.vector_dims` };
}

/**
 * Gives an index that migration 3 saw without the vector extension its
 * embeddings table, now that the extension is installed: migration 3's own
 * SQL, run again under the migration lock when the table is still missing
 * (so processes opening at once create it once). Every writer opened before
 * this keeps writing no embeddings: `backfillEmbeddings` at each open fills
 * what they left, and `verify` counts it as missing vectors until then.
 */
async function addEmbeddingsTable(db: PgDatabase): Promise<Embeddings | undefined> {
  const sql = PG_STORE_MIGRATIONS.find((m) => m.version === 3)!.sql;
  await db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`docgraph-migrate:${db.schema}`]);
    if ((await c.query<{ found: boolean }>("SELECT to_regclass('section_embeddings') IS NOT NULL AS found")).rows[0]!.found) return;
    await c.query(sql);
  });
  return embeddingsOf(db);
}

/** Gives every vector its pgvector embedding where one is missing (an index that had vectors before migration 3): once, under a lock. */
async function backfillEmbeddings(db: PgDatabase, e: Embeddings): Promise<void> {
  const missing = `SELECT v.section_rowid AS rowid, v.vec FROM section_vectors v LEFT JOIN section_embeddings x ON x.section_rowid = v.section_rowid WHERE x.section_rowid IS NULL`;
  if ((await db.query(`${missing} LIMIT 1`)).length === 0) return;
  await db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`docgraph-embeddings:${db.schema}`]);
    for (;;) {
      const rows = (await c.query<{ rowid: number; vec: Buffer }>(`${missing} ORDER BY v.section_rowid LIMIT 2000`)).rows;
      if (rows.length === 0) return;
      await c.query(`INSERT INTO section_embeddings (section_rowid, embedding) SELECT r, x::${e.type} FROM unnest($1::bigint[], $2::text[]) AS t(r, x)`, [
        rows.map((r) => r.rowid),
        rows.map((r) => vectorText(toFloat32(r.vec))),
      ]);
    }
  });
}

/** A vector as pgvector's text input: each float32 written as the shortest decimal that reads back as the same float32. */
function vectorText(vec: Float32Array): string {
  return `[${Array.from(vec).join(',')}]`;
}

function toBytes(vec: Float32Array): Buffer {
  return Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength);
}

