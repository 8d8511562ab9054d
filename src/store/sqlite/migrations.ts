import type Database from 'better-sqlite3';
import { aliasKeys } from '../../domain/names.js';
import { folderSourceName, freeName } from '../../domain/sources.js';

/**
 * Numbered, append-only schema migrations: SQL only, frozen once shipped
 * (migrations.test.ts pins each one's checksum; never edit one, add a new
 * one). Applied in one transaction at open, with the backfills below.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'core model: sources, documents, sections, lexical, vectors, graph',
    sql: `
      CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        location TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id),
        uri TEXT NOT NULL,
        title TEXT NOT NULL,
        format TEXT NOT NULL,
        checksum TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        meta TEXT NOT NULL,
        indexed_at TEXT NOT NULL,
        UNIQUE (source_id, uri)
      );
      CREATE INDEX documents_uri ON documents(uri);
      CREATE TABLE sections (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        parent_id TEXT,
        seq INTEGER NOT NULL,
        ordinal INTEGER NOT NULL,
        level INTEGER NOT NULL,
        heading TEXT NOT NULL,
        anchor TEXT NOT NULL,
        heading_path TEXT NOT NULL,
        text TEXT NOT NULL,
        part INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        checksum TEXT NOT NULL,
        links TEXT NOT NULL
      );
      CREATE INDEX sections_doc ON sections(doc_id, seq);
      CREATE INDEX sections_anchor ON sections(doc_id, anchor);
      CREATE VIRTUAL TABLE sections_fts USING fts5(
        heading, context, body,
        content = '', contentless_delete = 1,
        tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
      );
      CREATE TABLE section_vectors (
        section_rowid INTEGER PRIMARY KEY REFERENCES sections(rowid) ON DELETE CASCADE,
        vec BLOB NOT NULL
      );
      CREATE TABLE entities (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        aliases TEXT NOT NULL,
        attributes TEXT NOT NULL
      );
      CREATE INDEX entities_name ON entities(name);
      CREATE TABLE edges (
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        src TEXT NOT NULL,
        dst TEXT NOT NULL,
        type TEXT NOT NULL,
        weight REAL NOT NULL,
        evidence TEXT,
        PRIMARY KEY (doc_id, src, dst, type)
      );
      CREATE INDEX edges_src ON edges(src, type);
      CREATE INDEX edges_dst ON edges(dst, type);
      CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'entity aliases for exact entity lookup',
    sql: `
      CREATE TABLE entity_aliases (
        alias TEXT NOT NULL,
        entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        PRIMARY KEY (alias, entity_id)
      );
      CREATE INDEX entity_aliases_entity ON entity_aliases(entity_id);
    `,
  },
  {
    version: 3,
    name: 'what each document says about an entity (see graph-writes.ts)',
    // An index written before this holds only the merged entities: every document
    // with an edge to one gets that merged description as its own. Re-ingesting a
    // document replaces its facts with what it says.
    sql: `
      CREATE TABLE entity_facts (
        entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        defines INTEGER NOT NULL,
        aliases TEXT NOT NULL,
        attributes TEXT NOT NULL,
        PRIMARY KEY (entity_id, doc_id)
      );
      CREATE INDEX entity_facts_doc ON entity_facts(doc_id);
      INSERT INTO entity_facts (entity_id, doc_id, defines, aliases, attributes)
        SELECT e.id, x.doc_id, MAX(x.type = 'DEFINES'), e.aliases, e.attributes
        FROM entities e JOIN (SELECT doc_id, dst AS id, type FROM edges UNION ALL SELECT doc_id, src AS id, type FROM edges) x ON x.id = e.id
        WHERE EXISTS (SELECT 1 FROM documents d WHERE d.id = x.doc_id)
        GROUP BY e.id, x.doc_id;
    `,
  },
  {
    version: 4,
    name: 'names sections write that extraction could not type, resolved across documents when read',
    // An index written before this has none: a document gets its names when it is next re-ingested.
    // The word keys of the entities already there are derived data: BACKFILLS[4].
    sql: `
      CREATE TABLE name_mentions (
        doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        section_id TEXT NOT NULL,
        name TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (section_id, name)
      );
      CREATE INDEX name_mentions_name ON name_mentions(name);
      CREATE INDEX name_mentions_doc ON name_mentions(doc_id);
    `,
  },
  {
    version: 5,
    name: 'documents whose dependents still need their links re-resolved (see ingest/links.ts)',
    // Written in the same transaction as the document it names, cleared once the
    // relinking is done: a crash in between leaves the row, and the next worker runs it.
    sql: `
      CREATE TABLE relink_pending (
        doc_id TEXT PRIMARY KEY,
        before TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'connections open on the index, to tell an unclean shutdown at the next open (see store/sqlite/open-marker.ts)',
    sql: `
      CREATE TABLE open_connections (
        token TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        opened_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'sources with a name and a version (unique together), options, the revision indexed and when it was refreshed',
    // Sources already there are named by their id here (unique at once); BACKFILLS[7] then gives each its folder's name.
    sql: `
      ALTER TABLE sources ADD COLUMN name TEXT NOT NULL DEFAULT '';
      ALTER TABLE sources ADD COLUMN version TEXT NOT NULL DEFAULT '';
      ALTER TABLE sources ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE sources ADD COLUMN revision TEXT;
      ALTER TABLE sources ADD COLUMN refreshed_at TEXT;
      UPDATE sources SET name = id;
      CREATE UNIQUE INDEX sources_name_version ON sources(name, version);
    `,
  },
  {
    version: 8,
    name: "sections' aliases: other ids of the page that land in the section (parse/model.ts); a document gains them when it is parsed again",
    sql: `
      ALTER TABLE sections ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';
    `,
  },
];

/**
 * Backfills of derived data, run right after the migration of the same
 * version, in its transaction. They are not schema: they recompute rows that
 * are a function of other rows with the rule every write uses, and that rule
 * cannot be SQL — alias keys need Porter stemming and Unicode word splitting
 * (domain/names.ts, aliasKeys). So a backfill is code by nature; each is
 * idempotent (INSERT OR IGNORE of what the rule derives) and applies today's
 * rule, which is the rule every later write of those entities applies too. A
 * backend created at the newest schema (PostgreSQL) has nothing to backfill.
 */
export const BACKFILLS: Readonly<Record<number, { name: string; run: (db: Database.Database) => void }>> = {
  4: {
    name: 'word keys (domain/names.ts) for the entities already there',
    run: (db) => {
      const ins = db.prepare('INSERT OR IGNORE INTO entity_aliases (alias, entity_id) VALUES (?, ?)');
      for (const e of db.prepare('SELECT id, type, name, aliases FROM entities').all() as { id: string; type: string; name: string; aliases: string }[]) {
        for (const key of aliasKeys(e.type, e.name, JSON.parse(e.aliases) as string[])) ins.run(key, e.id);
      }
    },
  },
  7: {
    name: 'each source already there named after its folder (domain/sources.ts, folderSourceName), oldest first',
    run: (db) => {
      const rows = db.prepare('SELECT id, location FROM sources ORDER BY created_at, id').all() as { id: string; location: string }[];
      const taken = new Set<string>();
      const rename = db.prepare('UPDATE sources SET name = ? WHERE id = ?');
      // first free every id-name, so a folder named like another source's id cannot collide
      for (const r of rows) rename.run(`\u0000${r.id}`, r.id);
      for (const r of rows) {
        const name = freeName(folderSourceName(r.location), taken);
        taken.add(name);
        rename.run(name, r.id);
      }
    },
  },
};

/**
 * Brings the database to the newest schema; refuses a database from a newer
 * docgraph. Safe against concurrent openers: the version is read again
 * under the write lock (BEGIN IMMEDIATE), so two processes that open a new
 * index at once apply each migration once — the second finds it done.
 */
export function migrate(db: Database.Database): void {
  const latest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  const version = (): number => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) throw new Error(`the index was written by a newer docgraph (schema ${current}, this build knows ${latest}); upgrade docgraph`);
    return current;
  };
  if (version() === latest) return; // the common case takes no write lock
  db.transaction(() => {
    const current = version();
    for (const m of MIGRATIONS.filter((x) => x.version > current)) {
      db.exec(m.sql);
      BACKFILLS[m.version]?.run(db);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
