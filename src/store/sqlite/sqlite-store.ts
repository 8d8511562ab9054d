import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DocgraphError, EmbedderChangedError } from '../../domain/errors.js';
import type { DocumentRecord, EdgeRecord, EdgeType, EntityRecord, EntityType, NameMention, SectionRecord } from '../../domain/types.js';
import type {
  DocumentSummary,
  EdgeDirection,
  TraversalStep,
  TraverseOptions,
  DocumentWrite,
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
} from '../store.js';
import { sourceWithDefaults } from '../store.js';
import { filterClauses } from '../filters.js';
import { traverseEdges } from '../traverse.js';
import { indexFailure } from './failures.js';
import { StatementCache } from './statements.js';
import { GraphWriter } from './graph-writes.js';
import { migrate } from './migrations.js';
import { markOpen, quickCheck, type OpenMarker } from './open-marker.js';
import { sqliteIntegrity } from './integrity.js';
import type { IndexIntegrity } from '../integrity.js';
import { sourceTaken, toDocument, toEntity, toFloat32, toSection, toSource, type DocumentRow, type EntityRow, type SectionRow, type SourceRow } from '../rows.js';
import { GENERATION_BUMP, GENERATION_KEY } from './generation.js';
import { FlatVectorIndex } from '../vector-index.js';
import { LEXICAL_WEIGHTS } from '../lexical.js';
import { restricted, scaled, summedTop, TermScoreCache, termScoreList, termScoreRows, type TermScoreList } from './term-scores.js';

/**
 * The settings every store connection runs with. The busy timeout first:
 * another process may be creating or migrating the same file right now.
 *  - WAL with synchronous NORMAL: readers never wait for the writer, and a
 *    commit is durable once the WAL is synced at checkpoint.
 *  - Checkpoint every 40 MB of WAL rather than SQLite's 4 MB: an ingest
 *    rewrites the same FTS and graph pages many times, and each checkpoint
 *    copies them back and syncs (write phase of the Python docs: wall x0.75,
 *    CPU x0.86, paired; docs/benchmarks.md). The WAL file is cut back to
 *    64 MB after a checkpoint, so a big ingest does not leave a big WAL behind.
 *  - Temporary data in memory: a document's write deletes and re-inserts rows
 *    under foreign keys inside one transaction, and SQLite kept each
 *    statement's journal (and sorter spills) in files under /var/tmp. Those
 *    files took 58% of the bytes a Node docs ingest wrote (258 of 438 MiB)
 *    and a third of its write calls; they are at most a few statements' pages.
 */
export function configureConnection(db: Database.Database): void {
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
}

/** WAL pages (4 KiB) between automatic checkpoints. */
const WAL_CHECKPOINT_PAGES = 10_000;
/** Bytes the WAL file is truncated to after a checkpoint. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** Terms whose section counts are kept between searches (cleared when full, and on any write). */
const TERM_COUNT_CACHE = 50_000;

/** How a SqliteStore is opened. */
export interface SqliteStoreOptions {
  /**
   * The term-score cache's bound in MiB (search.termScoreCacheMiB), fixed;
   * 0 keeps no term's scores. Default: it grows with the index (termScoreRows
   * in term-scores.ts).
   */
  termScoreCacheMiB?: number | undefined;
}

/** Section ids kept by rowid between searches (cleared when full, and on any write). */
const SECTION_ID_CACHE = 50_000;

/**
 * The embedded Store: one SQLite file (WAL) holding the graph, the FTS5
 * lexical index and the vectors; an exact in-memory vector index is loaded
 * from it on first use and reloaded when any connection has changed what a
 * search reads (see `version`).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private vectors: FlatVectorIndex | undefined;
  /** termSectionCounts' answers, valid while the index is at termCountsVersion. */
  private readonly termCounts = new Map<string, number>();
  private termCountsVersion = -1;
  private termTable = false;
  private sectionCount = 0;
  private sectionCountVersion = -1;
  /**
   * Each term's BM25 scores, and the section ids of rowids, valid while the
   * index is at cachedVersion. The term scores' bound (rows over all terms)
   * is set again at each new version, from the sections then (termScoreRows);
   * the Python docs' 60 dev queries hold ~150k rows.
   */
  private readonly termScores: TermScoreCache;
  private readonly sectionIds = new Map<number, { id: string; docId: string }>();
  private cachedVersion = -1;
  private vectorsVersion = -1;
  private writes = 0;
  /** `version`'s last answer, and the data_version and own write count it was read at. */
  private generation = 0;
  private generationAt = { dataVersion: -1, writes: -1 };
  /** Times the in-memory vector index was (re)loaded: a figure for tests and benchmarks. */
  vectorReloads = 0;
  /**
   * The in-memory index's HNSW graph (above its threshold): whether unfiltered
   * vector searches go through it now, the rows it holds of the rows loaded,
   * and whether it started from the graph saved beside the file (`from`, once
   * its first step ran: see FlatVectorIndex.graphOrigin); undefined without
   * one. A figure for tests and benchmarks.
   */
  get vectorGraph(): { approximate: boolean; done: number; of: number; from?: 'file' | 'build'; restored?: number; inserted?: number } | undefined {
    const progress = this.vectors?.graphProgress;
    return progress && { approximate: this.vectors!.approximate, ...progress, ...this.vectors!.graphOrigin };
  }
  private closed = false;
  private readonly graph: GraphWriter;
  private readonly marker: OpenMarker | undefined;
  private readonly statements: StatementCache;

  private constructor(
    private readonly path: string,
    private readonly options: SqliteStoreOptions,
  ) {
    this.termScores = new TermScoreCache(termScoreRows(0, options.termScoreCacheMiB));
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
    } catch (e) {
      throw indexFailure(e, path) ?? new DocgraphError('STORE_FAILED', `cannot open the index at ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      configureConnection(this.db);
      migrate(this.db);
      if (path !== ':memory:') {
        try {
          this.marker = markOpen(this.db);
        } catch (e) {
          // a read-only index can still be searched; it just gets no marker
          if (indexFailure(e, path)?.code !== 'INDEX_UNAVAILABLE') throw e;
        }
        if (this.marker?.unclean) quickCheck(this.db, path);
      }
    } catch (e) {
      this.marker?.clear();
      this.db.close();
      if (e instanceof DocgraphError) throw e;
      throw indexFailure(e, path) ?? new DocgraphError('STORE_FAILED', `cannot use the index at ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.statements = new StatementCache(this.db);
    this.graph = new GraphWriter(this.statements);
  }

  /** The IndexIntegrity port on this index (`docgraph verify`). */
  get integrity(): IndexIntegrity {
    return sqliteIntegrity(this.db, this.path);
  }

  /** The index file's path (`:memory:` for a throwaway store). */
  get location(): string {
    return this.path;
  }

  /** Opens (creating if needed) the index file at `path`; `:memory:` for a throwaway store. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, options);
  }

  /** The term-score cache's bound now, in rows over all terms (set from the sections at the last search after a change): a figure for tests and benchmarks. */
  get termScoreBound(): number {
    return this.termScores.bound;
  }

  /** The underlying connection, for other adapters that keep their tables in the same file (e.g. the queue). */
  get database(): Database.Database {
    return this.db;
  }

  async upsertSource(input: SourceInput, opts: { rename?: boolean } = {}): Promise<void> {
    const s = sourceWithDefaults(input);
    try {
      this.statements
        .prepare(
          `INSERT INTO sources (id, kind, location, created_at, name, version, options, revision, refreshed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET location = excluded.location${opts.rename ? ', name = excluded.name, version = excluded.version, options = excluded.options' : ''}`,
        )
        .run(s.id, s.kind, s.location, s.createdAt, s.name, s.version ?? '', JSON.stringify(s.options), s.revision, s.refreshedAt);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw sourceTaken(s);
      throw e;
    }
  }

  async listSources(): Promise<(SourceRecord & { documents: number })[]> {
    const rows = this.statements
      .prepare(
        `SELECT s.*, COUNT(d.id) AS documents
         FROM sources s LEFT JOIN documents d ON d.source_id = s.id GROUP BY s.id ORDER BY s.created_at, s.id`,
      )
      .all() as (SourceRow & { documents: number })[];
    return rows.map((r) => ({ ...toSource(r), documents: r.documents }));
  }

  async sources(): Promise<SourceRecord[]> {
    return (this.statements.prepare('SELECT * FROM sources ORDER BY created_at, id').all() as SourceRow[]).map(toSource);
  }

  async markRefreshed(id: string, revision: string | null, at: string): Promise<void> {
    this.statements.prepare('UPDATE sources SET revision = ?, refreshed_at = ? WHERE id = ?').run(revision, at, id);
  }

  async deleteSource(id: string): Promise<boolean> {
    return this.statements.prepare('DELETE FROM sources WHERE id = ? AND NOT EXISTS (SELECT 1 FROM documents WHERE source_id = ?)').run(id, id).changes > 0;
  }

  async getDocument(id: string): Promise<DocumentRecord | undefined> {
    const row = this.statements.prepare('SELECT * FROM documents WHERE id = ?').get(id) as DocumentRow | undefined;
    return row && toDocument(row);
  }

  async getDocuments(ids: readonly string[]): Promise<DocumentRecord[]> {
    if (ids.length === 0) return [];
    const rows = this.statements.prepare('SELECT * FROM documents WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify([...new Set(ids)])) as DocumentRow[];
    return rows.map(toDocument);
  }

  async getDocumentByUri(uri: string, sourceId?: string): Promise<DocumentRecord | undefined> {
    const row = (
      sourceId === undefined
        ? this.statements.prepare('SELECT * FROM documents WHERE uri = ? ORDER BY source_id LIMIT 1').get(uri)
        : this.statements.prepare('SELECT * FROM documents WHERE uri = ? AND source_id = ?').get(uri, sourceId)
    ) as DocumentRow | undefined;
    return row && toDocument(row);
  }

  async listDocuments(sourceId?: string): Promise<DocumentSummary[]> {
    const sql = `SELECT d.id, d.source_id AS sourceId, d.uri, d.title, d.checksum, d.indexed_at AS indexedAt,
                   (SELECT COUNT(*) FROM sections s WHERE s.doc_id = d.id) AS sections
                 FROM documents d ${sourceId === undefined ? '' : 'WHERE d.source_id = ?'} ORDER BY d.uri, d.source_id`;
    const stmt = this.statements.prepare(sql);
    return (sourceId === undefined ? stmt.all() : stmt.all(sourceId)) as DocumentSummary[];
  }

  /**
   * Applies a job's change to the index, synchronously, inside the caller's
   * transaction on this connection (the queue's `commitJob`, see
   * queue/sqlite): a write first checks, in that transaction, that its vectors
   * are of the index's embedder. Returns whether the index changed.
   */
  applyChange(change: IndexChange): boolean {
    if (change.kind === 'write') {
      const now = this.getEmbedderSync();
      if (now?.id !== change.embedderId) throw new EmbedderChangedError(change.embedderId, now?.id);
      this.inCallersTransaction(() => this.writeDocumentIn(change.write));
      return true;
    }
    if (change.kind === 'delete') return this.inCallersTransaction(() => this.deleteDocumentIn(change.docId));
    return false;
  }

  /**
   * Runs `body` in the transaction the caller holds on this connection,
   * without a savepoint of its own: if `body` throws, the caller's
   * transaction rolls back all of it (the queue's `completeWith` does). A
   * savepoint per document cost a SAVEPOINT and a RELEASE, and made SQLite
   * keep a sub-journal of every page the write touched.
   */
  private inCallersTransaction<T>(body: () => T): T {
    if (!this.db.inTransaction) throw new DocgraphError('INTERNAL', 'applyChange must run inside a transaction on the store connection');
    const r = body();
    this.writes++;
    return r;
  }

  async writeDocument(w: DocumentWrite): Promise<void> {
    this.db.transaction(() => this.writeDocumentIn(w))();
    this.writes++;
  }

  /** Replaces a document and all that hangs off it, in the caller's transaction. */
  private writeDocumentIn(w: DocumentWrite): void {
    const d = w.document;
    this.markRelink(d.id);
    const removed = this.removeDocumentContent(d.id);
    this.statements
      .prepare(
        `INSERT INTO documents (id, source_id, uri, title, format, checksum, bytes, meta, indexed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, format = excluded.format, checksum = excluded.checksum,
           bytes = excluded.bytes, meta = excluded.meta, indexed_at = excluded.indexed_at`,
      )
      .run(d.id, d.sourceId, d.uri, d.title, d.format, d.checksum, d.bytes, JSON.stringify(d.meta), d.indexedAt);
    const insSection = this.statements.prepare(
      `INSERT INTO sections (id, doc_id, parent_id, seq, ordinal, level, heading, anchor, heading_path, text, part, tokens, checksum, links, aliases)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insFts = this.statements.prepare('INSERT INTO sections_fts (rowid, heading, context, body) VALUES (?, ?, ?, ?)');
    const insVec = this.statements.prepare('INSERT INTO section_vectors (section_rowid, vec) VALUES (?, ?)');
    for (const s of w.sections) {
      const info = insSection.run(
        s.id, s.docId, s.parentId, s.seq, s.ordinal, s.level, s.heading, s.anchor,
        JSON.stringify(s.headingPath), s.text, s.part, s.tokens, s.checksum, JSON.stringify(s.links), JSON.stringify(s.aliases),
      );
      const rowid = Number(info.lastInsertRowid);
      const lex = w.lexical.get(s.id);
      if (lex) insFts.run(rowid, lex.heading, lex.context, lex.body);
      const vec = w.vectors.get(s.id);
      if (vec) insVec.run(rowid, Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength));
    }
    const written = this.graph.write(d.id, w.entities ?? [], w.edges ?? []);
    this.graph.writeNames(d.id, w.untypedNames ?? []);
    this.graph.refresh(new Set([...removed, ...written]));
    this.bumpGeneration();
  }

  /**
   * Deletes a document's sections, lexical rows, vectors, edges and entity
   * facts (not the document row). Runs inside a transaction. Returns the
   * entities the document held: the caller refreshes them (see graph-writes.ts).
   */
  private removeDocumentContent(docId: string): Set<string> {
    const rowids = this.statements.prepare('SELECT rowid FROM sections WHERE doc_id = ?').pluck().all(docId) as number[];
    const delFts = this.statements.prepare('DELETE FROM sections_fts WHERE rowid = ?');
    for (const r of rowids) delFts.run(r);
    this.statements.prepare('DELETE FROM sections WHERE doc_id = ?').run(docId);
    return this.graph.remove(docId);
  }

  /**
   * Records, in the caller's transaction, that the documents linking to `docId`
   * must be re-resolved, with the section ids it has before this change (merged
   * with those of a marker not yet cleared).
   */
  private markRelink(docId: string): void {
    const now = this.statements.prepare('SELECT id FROM sections WHERE doc_id = ?').pluck().all(docId) as string[];
    const old = this.statements.prepare('SELECT before FROM relink_pending WHERE doc_id = ?').pluck().get(docId) as string | undefined;
    const before = [...new Set([...(old ? (JSON.parse(old) as string[]) : []), ...now])].sort();
    this.statements.prepare('INSERT OR REPLACE INTO relink_pending (doc_id, before) VALUES (?, ?)').run(docId, JSON.stringify(before));
  }

  async pendingRelinks(docId?: string): Promise<{ docId: string; before: string[] }[]> {
    const rows = (
      docId === undefined
        ? this.statements.prepare('SELECT doc_id AS docId, before FROM relink_pending ORDER BY doc_id').all()
        : this.statements.prepare('SELECT doc_id AS docId, before FROM relink_pending WHERE doc_id = ?').all(docId)
    ) as { docId: string; before: string }[];
    return rows.map((r) => ({ docId: r.docId, before: JSON.parse(r.before) as string[] }));
  }

  async clearRelink(docId: string, before: readonly string[]): Promise<boolean> {
    return this.statements.prepare('DELETE FROM relink_pending WHERE doc_id = ? AND before = ?').run(docId, JSON.stringify([...before])).changes > 0;
  }

  async replaceLinks(docId: string, checksum: string, edges: readonly EdgeRecord[]): Promise<boolean> {
    const other = edges.find((e) => e.type !== 'LINKS_TO');
    if (other) throw new DocgraphError('INVALID_INPUT', `replaceLinks takes LINKS_TO edges only, got ${other.type}`);
    let replaced = false;
    this.db.transaction(() => {
      if (this.statements.prepare('SELECT checksum FROM documents WHERE id = ?').pluck().get(docId) !== checksum) return;
      this.statements.prepare("DELETE FROM edges WHERE doc_id = ? AND type = 'LINKS_TO'").run(docId);
      this.graph.write(docId, [], edges);
      this.bumpGeneration();
      replaced = true;
    })();
    return replaced;
  }

  async deleteDocument(id: string): Promise<boolean> {
    const existed = this.db.transaction(() => this.deleteDocumentIn(id))();
    this.writes++;
    return existed;
  }

  /** Deletes a document and all that hangs off it, in the caller's transaction; returns whether it was there. */
  private deleteDocumentIn(id: string): boolean {
    if (this.statements.prepare('SELECT 1 FROM documents WHERE id = ?').get(id)) this.markRelink(id);
    this.graph.refresh(this.removeDocumentContent(id));
    const existed = this.statements.prepare('DELETE FROM documents WHERE id = ?').run(id).changes > 0;
    this.bumpGeneration();
    return existed;
  }

  async getSections(ids: readonly string[]): Promise<SectionRecord[]> {
    if (ids.length === 0) return [];
    // one statement for all (see sectionIdsByRowid), then back in the order asked
    const found = new Map(
      (this.statements.prepare('SELECT * FROM sections WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as SectionRow[]).map((r) => [r.id, r]),
    );
    const rows: SectionRow[] = [];
    for (const id of ids) {
      const row = found.get(id);
      if (row) rows.push(row);
    }
    return rows.map(toSection);
  }

  async sectionKeys(ids: readonly string[]): Promise<SectionKey[]> {
    if (ids.length === 0) return [];
    const rows = this.statements
      .prepare('SELECT id, doc_id AS docId, parent_id AS parentId, anchor, heading_path AS headingPath FROM sections WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as { id: string; docId: string; parentId: string | null; anchor: string; headingPath: string }[];
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const r = found.get(id);
      return r ? [{ id: r.id, docId: r.docId, parentId: r.parentId, anchor: r.anchor, headingPath: JSON.parse(r.headingPath) as string[] }] : [];
    });
  }

  async getDocumentSections(docId: string): Promise<SectionRecord[]> {
    return (this.statements.prepare('SELECT * FROM sections WHERE doc_id = ? ORDER BY seq').all(docId) as SectionRow[]).map(toSection);
  }

  async sectionAnchors(sourceId: string): Promise<{ uri: string; anchor: string; id: string }[]> {
    return this.statements
      .prepare('SELECT d.uri, s.anchor, s.id FROM sections s JOIN documents d ON d.id = s.doc_id WHERE d.source_id = ? AND s.part <= 1 ORDER BY d.uri, s.seq')
      .all(sourceId) as { uri: string; anchor: string; id: string }[];
  }

  async getSectionVectors(docId: string): Promise<Map<string, Float32Array>> {
    const rows = this.statements
      .prepare('SELECT s.checksum, v.vec FROM sections s JOIN section_vectors v ON v.section_rowid = s.rowid WHERE s.doc_id = ?')
      .all(docId) as { checksum: string; vec: Buffer }[];
    return new Map(rows.map((r) => [r.checksum, toFloat32(r.vec)]));
  }

  async *allSections(): AsyncIterable<SectionRecord> {
    for (const row of this.statements.prepare('SELECT * FROM sections ORDER BY doc_id, seq').iterate() as Iterable<SectionRow>) yield toSection(row);
  }

  async putVectors(vectors: Map<string, Float32Array>, embedderId?: string): Promise<boolean> {
    const ins = this.statements.prepare(
      'INSERT INTO section_vectors (section_rowid, vec) SELECT rowid, ? FROM sections WHERE id = ? ON CONFLICT(section_rowid) DO UPDATE SET vec = excluded.vec',
    );
    const written = this.db
      .transaction(() => {
        if (embedderId !== undefined && this.getEmbedderSync()?.id !== embedderId) return false;
        for (const [id, vec] of vectors) ins.run(Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength), id);
        this.bumpGeneration();
        return true;
      })
      .immediate();
    this.writes++;
    return written;
  }

  /** None: SQLite's change counters are per connection, and a SQLite index has no processes on other machines to share a cache with. */
  async sharedGeneration(): Promise<string | undefined> {
    return undefined;
  }

  async termSectionCounts(terms: readonly string[]): Promise<{ sections: number; counts: Map<string, number> }> {
    const version = this.version();
    if (version !== this.termCountsVersion) {
      this.termCounts.clear();
      this.termCountsVersion = version;
    }
    // fts5vocab reads the term's entry in the full-text index; a temp table, so nothing is added to the file
    if (!this.termTable) {
      this.db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.sections_terms USING fts5vocab(main, sections_fts, 'row')");
      this.termTable = true;
    }
    const count = this.statements.prepare('SELECT doc FROM temp.sections_terms WHERE term = ?').pluck();
    const counts = new Map<string, number>();
    for (const t of terms) {
      let n = this.termCounts.get(t);
      if (n === undefined) {
        n = (count.get(t) as number | undefined) ?? 0;
        if (this.termCounts.size >= TERM_COUNT_CACHE) this.termCounts.clear();
        this.termCounts.set(t, n);
      }
      counts.set(t, n);
    }
    return { sections: this.sections(version), counts };
  }

  async lexicalSearch(terms: readonly string[], limit: number, filters?: SearchFilters, weights?: TermWeights): Promise<ScoredSection[]> {
    const unique = [...new Set(terms)].filter((t) => t !== '' && weights?.get(t) !== 0);
    if (unique.length === 0 || limit <= 0) return [];
    const phrases = unique.map((t) => '"' + t.replace(/"/g, '""') + '"');
    const match = phrases.join(' OR ');
    const { where, params } = filterSql(filters);
    const { heading, context, body } = LEXICAL_WEIGHTS;
    const weighted = unique.some((t) => (weights?.get(t) ?? 1) !== 1);
    if (!where || weighted) {
      // Each term's own BM25 scores (kept between searches), summed in the query's order: FTS5's
      // scores bit for bit (see term-scores.ts), without FTS5 scoring every matching row again on
      // every query. Every row scoring at least the limit-th best is kept, so ties at the cut are
      // broken by id exactly as the joined query below does; a row with no section row (not
      // expected: both are written in one transaction) falls back to that query.
      this.syncCaches();
      const score = this.statements.prepare(`SELECT rowid, -bm25(sections_fts, ${heading}, ${context}, ${body}) FROM sections_fts WHERE sections_fts MATCH ?`);
      const load = (phrase: string): TermScoreList => termScoreList(score.raw(true).all(phrase) as [number, number][]);
      // a weighted term's scores are scaled (FTS5's bm25() has no per-phrase weight, so the joined query below cannot)
      const lists = phrases.map((p, i) => scaled(this.termScores.get(p, load), weights?.get(unique[i]!) ?? 1));
      // with a filter, every row is scored and the filter applied to the sums, so the limit comes after it
      const allow = where ? this.rowidsMatching(where, params) : undefined;
      const kept = summedTop(allow ? lists.map((l) => restricted(l, allow)) : lists, limit);
      const byRowid = this.sectionIdsByRowid(kept.map((r) => r.rowid));
      const hits = kept.map((r) => {
        const row = byRowid.get(r.rowid);
        return { sectionId: row?.id, docId: row?.docId, score: r.score };
      });
      if (weighted || hits.every((h): h is ScoredSection & { docId: string } => h.sectionId !== undefined)) {
        return hits
          .filter((h): h is ScoredSection & { docId: string } => h.sectionId !== undefined)
          .sort((x, y) => y.score - x.score || (x.sectionId < y.sectionId ? -1 : x.sectionId > y.sectionId ? 1 : 0))
          .slice(0, limit);
      }
    }
    const sql = `SELECT s.id AS sectionId, s.doc_id AS docId, -bm25(sections_fts, ${heading}, ${context}, ${body}) AS score
                 FROM sections_fts JOIN sections s ON s.rowid = sections_fts.rowid
                 ${where ? 'JOIN documents d ON d.id = s.doc_id' : ''}
                 WHERE sections_fts MATCH ? ${where ? 'AND ' + where : ''}
                 ORDER BY score DESC, s.id LIMIT ?`;
    return this.statements.prepare(sql).all(match, ...params, limit) as ScoredSection[];
  }

  async sectionsMatching(ids: readonly string[], filters: SearchFilters): Promise<Set<string>> {
    const { where, params } = filterSql(filters);
    if (ids.length === 0) return new Set();
    if (!where) return new Set(ids);
    const stmt = this.statements.prepare(`SELECT 1 FROM sections s JOIN documents d ON d.id = s.doc_id WHERE s.id = ? AND ${where}`).pluck();
    return new Set(ids.filter((id) => stmt.get(id, ...params) !== undefined));
  }

  async vectorSearch(vector: Float32Array, limit: number, filters?: SearchFilters): Promise<ScoredSection[]> {
    const index = this.vectorIndex();
    if (!index || index.size === 0 || limit <= 0) return [];
    if (vector.length !== index.dimensions) {
      throw new DocgraphError('EMBEDDER_MISMATCH', `query vector has ${vector.length} dimensions but the index holds ${index.dimensions}-dimensional vectors`);
    }
    const { where, params } = filterSql(filters);
    const top = index.search(vector, limit, where ? this.rowidsMatching(where, params) : undefined);
    const byRowid = this.sectionIdsByRowid(top.map((t) => t.rowid));
    return top.flatMap((t) => {
      const row = byRowid.get(t.rowid);
      return row ? [{ sectionId: row.id, docId: row.docId, score: t.score }] : [];
    });
  }

  /** The rowids of the sections a filter (filterSql) lets through. */
  private rowidsMatching(where: string, params: unknown[]): Set<number> {
    return new Set(this.statements.prepare(`SELECT s.rowid FROM sections s JOIN documents d ON d.id = s.doc_id WHERE ${where}`).pluck().all(...params) as number[]);
  }

  /**
   * Section ids (and documents) of rowids: those not kept from earlier
   * searches in one statement (a statement per row costs ~7 µs of call
   * overhead, a search looks up a few hundred; the IN lookup still ~4 µs a
   * row on the Python docs).
   */
  private sectionIdsByRowid(rowids: readonly number[]): Map<number, { id: string; docId: string }> {
    this.syncCaches();
    const out = new Map<number, { id: string; docId: string }>();
    const missing: number[] = [];
    for (const r of rowids) {
      const kept = this.sectionIds.get(r);
      if (kept) out.set(r, kept);
      else missing.push(r);
    }
    if (missing.length === 0) return out;
    const rows = this.statements
      .prepare('SELECT rowid, id, doc_id AS docId FROM sections WHERE rowid IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(missing)) as { rowid: number; id: string; docId: string }[];
    if (this.sectionIds.size + rows.length > SECTION_ID_CACHE) this.sectionIds.clear();
    for (const r of rows) {
      const v = { id: r.id, docId: r.docId };
      out.set(r.rowid, v);
      this.sectionIds.set(r.rowid, v);
    }
    return out;
  }

  /** Drops what searches keep between them (term scores, section ids) when the index has changed since. */
  private syncCaches(): void {
    const version = this.version();
    if (version === this.cachedVersion) return;
    this.termScores.clear();
    this.termScores.resize(termScoreRows(this.sections(version), this.options.termScoreCacheMiB));
    this.sectionIds.clear();
    this.cachedVersion = version;
  }

  /** Sections in the index at `version` (the current one), counted once a version. */
  private sections(version: number): number {
    if (version !== this.sectionCountVersion) {
      this.sectionCount = this.statements.prepare('SELECT COUNT(*) FROM sections').pluck().get() as number;
      this.sectionCountVersion = version;
    }
    return this.sectionCount;
  }

  /**
   * A number that changes whenever what a search reads may have: the content
   * generation every content write bumps in its transaction. It is read again
   * only when SQLite's data_version (other connections' commits) or this
   * connection's own write count has moved, so a search pays one pragma. The
   * queue's tables share the file: an idle worker's heartbeat moves
   * data_version every second and once made every search thread reload its
   * vectors; it does not move the generation.
   * Through kept statements: `db.pragma()` compiles one on every call.
   */
  private version(): number {
    const dataVersion = this.statements.prepare('PRAGMA data_version').pluck().get() as number;
    if (dataVersion !== this.generationAt.dataVersion || this.writes !== this.generationAt.writes) {
      this.generation = (this.statements.prepare(`SELECT value FROM kv WHERE key = '${GENERATION_KEY}'`).pluck().get() as number | undefined) ?? 0;
      this.generationAt = { dataVersion, writes: this.writes };
    }
    return this.generation;
  }

  /** Inside a content write's transaction: tells every reader of the file that what a search reads has changed. */
  private bumpGeneration(): void {
    this.statements.prepare(GENERATION_BUMP).run();
  }

  /** Loads (or reloads after any write by any connection) the in-memory vector index. */
  private vectorIndex(): FlatVectorIndex | undefined {
    const version = this.version();
    if (this.vectors && version === this.vectorsVersion) return this.vectors;
    const embedder = this.getEmbedderSync();
    if (!embedder) return undefined;
    const count = this.statements.prepare('SELECT COUNT(*) FROM section_vectors').pluck().get() as number;
    // the HNSW graph (large indexes only) is kept beside the file, so the next process loads it instead of building it
    const index = new FlatVectorIndex(embedder.dimensions, this.path === ':memory:' ? {} : { graphFile: `${this.path}.hnsw` });
    index.load(this.statements.prepare('SELECT section_rowid AS rowid, vec FROM section_vectors').iterate() as Iterable<{ rowid: number; vec: Uint8Array }>, count);
    this.vectorReloads++;
    index.adoptGraph(this.vectors); // above the approximate threshold: the HNSW graph is updated, not rebuilt
    this.vectors?.dispose();
    this.vectors = index;
    this.vectorsVersion = version;
    return index;
  }

  /** The embedder recorded now, synchronously: lets a writer check inside its transaction that its vectors are still of this space. */
  getEmbedderSync(): StoredEmbedder | undefined {
    const raw = this.statements.prepare("SELECT value FROM kv WHERE key = 'embedder'").pluck().get() as Buffer | undefined;
    return raw ? (JSON.parse(raw.toString('utf8')) as StoredEmbedder) : undefined;
  }

  async *allEntities(): AsyncIterable<EntityRecord> {
    for (const row of this.statements.prepare('SELECT * FROM entities ORDER BY id').iterate() as Iterable<EntityRow>) yield toEntity(row);
  }

  async *allEdges(): AsyncIterable<EdgeRecord & { docId: string }> {
    const rows = this.statements.prepare('SELECT doc_id AS docId, src, dst, type, weight, evidence FROM edges ORDER BY type, src, dst, doc_id').iterate();
    for (const row of rows as Iterable<EdgeRecord & { docId: string }>) yield row;
  }

  async findEntities(keys: readonly string[], types?: readonly EntityType[]): Promise<EntityRecord[]> {
    if (keys.length === 0) return [];
    const typeSql = types && types.length > 0 ? `AND e.type IN (${types.map(() => '?').join(',')})` : '';
    const rows = this.statements
      .prepare(
        `SELECT DISTINCT e.* FROM entity_aliases a JOIN entities e ON e.id = a.entity_id
         WHERE a.alias IN (${keys.map(() => '?').join(',')}) ${typeSql} ORDER BY e.type, e.name, e.id`,
      )
      .all(...keys, ...(types ?? [])) as EntityRow[];
    return rows.map(toEntity);
  }

  async sectionsNaming(names: readonly string[], limit = 1000): Promise<NameMention[]> {
    if (names.length === 0) return [];
    const list = names.map(() => '?').join(',');
    return this.statements
      .prepare(`SELECT section_id AS sectionId, name, count FROM name_mentions WHERE name IN (${list}) ORDER BY count DESC, section_id, name LIMIT ?`)
      .all(...names, limit) as NameMention[];
  }

  async namesIn(sectionIds: readonly string[]): Promise<NameMention[]> {
    if (sectionIds.length === 0) return [];
    const list = sectionIds.map(() => '?').join(',');
    return this.statements
      .prepare(`SELECT section_id AS sectionId, name, count FROM name_mentions WHERE section_id IN (${list}) ORDER BY section_id, count DESC, name`)
      .all(...sectionIds) as NameMention[];
  }

  async getEntities(ids: readonly string[]): Promise<EntityRecord[]> {
    if (ids.length === 0) return [];
    const found = new Map((this.statements.prepare('SELECT * FROM entities WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as EntityRow[]).map((r) => [r.id, r]));
    return ids.map((id) => found.get(id)).filter((r): r is EntityRow => r !== undefined).map(toEntity);
  }

  async linkingDocuments(targets: readonly string[], limit = 100_000): Promise<string[]> {
    if (targets.length === 0) return [];
    const sql = `SELECT DISTINCT doc_id FROM edges WHERE dst IN (${targets.map(() => '?').join(',')}) AND type = 'LINKS_TO' ORDER BY doc_id LIMIT ?`;
    return this.statements.prepare(sql).pluck().all(...targets, limit) as string[];
  }

  async edgesOf(ids: readonly string[], direction: EdgeDirection, types?: readonly EdgeType[], limit = 1000): Promise<EdgeRecord[]> {
    if (ids.length === 0) return [];
    const idList = ids.map(() => '?').join(',');
    const typeSql = types && types.length > 0 ? `AND type IN (${types.map(() => '?').join(',')})` : '';
    const tp = types ?? [];
    const parts: string[] = [];
    const params: unknown[] = [];
    if (direction !== 'in') {
      parts.push(`SELECT src, dst, type, SUM(weight) AS weight, MIN(evidence) AS evidence FROM edges WHERE src IN (${idList}) ${typeSql} GROUP BY src, dst, type`);
      params.push(...ids, ...tp);
    }
    if (direction !== 'out') {
      parts.push(`SELECT src, dst, type, SUM(weight) AS weight, MIN(evidence) AS evidence FROM edges WHERE dst IN (${idList}) ${typeSql} GROUP BY src, dst, type`);
      params.push(...ids, ...tp);
    }
    const sql = `SELECT * FROM (${parts.join(' UNION ')}) ORDER BY weight DESC, type, src, dst LIMIT ?`;
    return this.statements.prepare(sql).all(...params, limit) as EdgeRecord[];
  }

  async traverse(from: readonly string[], options: TraverseOptions): Promise<TraversalStep[]> {
    return traverseEdges((ids, direction, types, limit) => this.edgesOf(ids, direction, types, limit), from, options);
  }

  async getEmbedder(): Promise<StoredEmbedder | undefined> {
    return this.getEmbedderSync();
  }

  async setEmbedder(e: StoredEmbedder, blobs: Readonly<Record<string, Uint8Array>> = {}): Promise<void> {
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(blobs)) this.putBlobSync(key, value);
      const prev = this.getEmbedderSync();
      if (prev && prev.id !== e.id) this.statements.prepare('DELETE FROM section_vectors').run();
      this.statements.prepare("INSERT INTO kv (key, value) VALUES ('embedder', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(Buffer.from(JSON.stringify(e)));
      this.bumpGeneration();
    }).immediate();
    this.writes++;
  }

  async getBlob(key: string): Promise<Uint8Array | undefined> {
    const raw = this.statements.prepare('SELECT value FROM kv WHERE key = ?').pluck().get('blob:' + key) as Buffer | undefined;
    return raw ? new Uint8Array(raw) : undefined;
  }

  async putBlob(key: string, value: Uint8Array): Promise<void> {
    this.putBlobSync(key, value);
  }

  private putBlobSync(key: string, value: Uint8Array): void {
    this.statements.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run('blob:' + key, Buffer.from(value));
  }

  async stats(): Promise<StoreStats> {
    const count = (sql: string): number => this.statements.prepare(sql).pluck().get() as number;
    let bytes = 0;
    if (this.path !== ':memory:') {
      for (const suffix of ['', '-wal']) {
        try {
          bytes += statSync(this.path + suffix).size;
        } catch {
          // no WAL file yet
        }
      }
    }
    return {
      sources: count('SELECT COUNT(*) FROM sources'),
      documents: count('SELECT COUNT(*) FROM documents'),
      sections: count('SELECT COUNT(*) FROM sections'),
      vectors: count('SELECT COUNT(*) FROM section_vectors'),
      entities: count('SELECT COUNT(*) FROM entities'),
      edges: count('SELECT COUNT(*) FROM edges'),
      bytes,
      lastIndexedAt: (this.statements.prepare('SELECT MAX(indexed_at) FROM documents').pluck().get() as string | null) ?? null,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.vectors?.dispose();
    this.vectors = undefined;
    this.marker?.clear();
    this.db.close();
  }
}

/** The filter clauses (store/filters.ts) as SQL over `documents d`. */
function filterSql(filters: SearchFilters | undefined): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of filterClauses(filters)) {
    if (c.field === 'source') {
      parts.push(c.values.length === 0 ? '0' : `d.source_id IN (${c.values.map(() => '?').join(', ')})`);
      params.push(...c.values);
    } else if (c.field === 'uriPrefix') {
      parts.push('substr(d.uri, 1, ?) = ?');
      params.push(c.value.length, c.value);
    } else {
      parts.push("EXISTS (SELECT 1 FROM json_each(d.meta, '$.tags') WHERE value = ?)");
      params.push(c.value);
    }
  }
  return { where: parts.join(' AND '), params };
}

