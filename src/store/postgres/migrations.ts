/**
 * The PostgreSQL store's numbered, append-only schema migrations: SQL only,
 * frozen once shipped (migrations.test.ts pins each one's checksum; never
 * edit one, add a new one). Applied in one transaction under an advisory
 * lock at open (database.ts, `migrate`).
 *
 * The same concepts as the SQLite schema, at its newest version (so nothing
 * to backfill). Differences of the engine:
 * - identifiers and every column sorted on are `COLLATE "C"`: ordering is by
 *   code point as in SQLite, whatever the database's locale, so exports match;
 * - JSON columns stay text, byte for byte what the writer gave;
 * - the lexical index is ours (no FTS5): one row per section with its length
 *   (`lexical_sections`) and one per term and section with its count per
 *   field and the section's length (`lexical_postings`); BM25 is computed
 *   from them (store/lexical.ts);
 * - `index_state.generation` grows with every change to sections or vectors,
 *   so a process knows when to reload its in-memory vector index.
 */
export const PG_STORE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'core model: sources, documents, sections, lexical postings, vectors, graph, relinking',
    sql: `
      CREATE TABLE sources (
        id text COLLATE "C" PRIMARY KEY,
        kind text NOT NULL,
        location text NOT NULL,
        created_at text COLLATE "C" NOT NULL
      );
      CREATE TABLE documents (
        id text COLLATE "C" PRIMARY KEY,
        source_id text COLLATE "C" NOT NULL REFERENCES sources(id),
        uri text COLLATE "C" NOT NULL,
        title text NOT NULL,
        format text NOT NULL,
        checksum text NOT NULL,
        bytes bigint NOT NULL,
        meta text NOT NULL,
        indexed_at text COLLATE "C" NOT NULL,
        UNIQUE (source_id, uri)
      );
      CREATE INDEX documents_uri ON documents (uri);
      CREATE TABLE sections (
        rowid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        doc_id text COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        parent_id text COLLATE "C",
        seq integer NOT NULL,
        ordinal integer NOT NULL,
        level integer NOT NULL,
        heading text NOT NULL,
        anchor text NOT NULL,
        heading_path text NOT NULL,
        text text NOT NULL,
        part integer NOT NULL,
        tokens integer NOT NULL,
        checksum text NOT NULL,
        links text NOT NULL
      );
      CREATE INDEX sections_doc ON sections (doc_id, seq);
      CREATE TABLE lexical_sections (
        section_rowid bigint PRIMARY KEY REFERENCES sections(rowid) ON DELETE CASCADE,
        length integer NOT NULL
      );
      CREATE TABLE lexical_postings (
        token text COLLATE "C" NOT NULL,
        section_rowid bigint NOT NULL REFERENCES lexical_sections(section_rowid) ON DELETE CASCADE,
        heading integer NOT NULL,
        context integer NOT NULL,
        body integer NOT NULL,
        -- the section's length again (lexical_sections.length): a query scores a posting without a join
        length integer NOT NULL,
        PRIMARY KEY (token, section_rowid)
      );
      CREATE INDEX lexical_postings_section ON lexical_postings (section_rowid);
      CREATE TABLE section_vectors (
        section_rowid bigint PRIMARY KEY REFERENCES sections(rowid) ON DELETE CASCADE,
        vec bytea NOT NULL
      );
      CREATE TABLE entities (
        id text COLLATE "C" PRIMARY KEY,
        type text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        aliases text NOT NULL,
        attributes text NOT NULL
      );
      CREATE INDEX entities_name ON entities (name);
      CREATE TABLE entity_aliases (
        alias text COLLATE "C" NOT NULL,
        entity_id text COLLATE "C" NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        PRIMARY KEY (alias, entity_id)
      );
      CREATE INDEX entity_aliases_entity ON entity_aliases (entity_id);
      CREATE TABLE entity_facts (
        entity_id text COLLATE "C" NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
        doc_id text COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        defines boolean NOT NULL,
        aliases text NOT NULL,
        attributes text NOT NULL,
        PRIMARY KEY (entity_id, doc_id)
      );
      CREATE INDEX entity_facts_doc ON entity_facts (doc_id);
      CREATE TABLE edges (
        doc_id text COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        src text COLLATE "C" NOT NULL,
        dst text COLLATE "C" NOT NULL,
        type text COLLATE "C" NOT NULL,
        weight double precision NOT NULL,
        evidence text COLLATE "C",
        PRIMARY KEY (doc_id, src, dst, type)
      );
      CREATE INDEX edges_src ON edges (src, type);
      CREATE INDEX edges_dst ON edges (dst, type);
      CREATE TABLE name_mentions (
        doc_id text COLLATE "C" NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        section_id text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (section_id, name)
      );
      CREATE INDEX name_mentions_name ON name_mentions (name);
      CREATE INDEX name_mentions_doc ON name_mentions (doc_id);
      CREATE TABLE relink_pending (
        doc_id text COLLATE "C" PRIMARY KEY,
        before text NOT NULL
      );
      CREATE TABLE kv (
        key text COLLATE "C" PRIMARY KEY,
        value bytea NOT NULL
      );
      CREATE TABLE index_state (
        id integer PRIMARY KEY CHECK (id = 1),
        generation bigint NOT NULL
      );
      INSERT INTO index_state (id, generation) VALUES (1, 0);
    `,
  },
  {
    // Which sections' vectors each generation changed, so a process brings its in-memory vector index
    // up to date by reading those rows instead of every vector. section_rowid -1 = "all of them"
    // (the embedder changed). Entries at or below index_state.vector_log_from were pruned: a process
    // that holds an older generation reloads everything.
    version: 2,
    name: 'vector change log',
    sql: `
      CREATE TABLE vector_changes (
        generation bigint NOT NULL,
        section_rowid bigint NOT NULL
      );
      CREATE INDEX vector_changes_generation ON vector_changes (generation);
      ALTER TABLE index_state ADD COLUMN vector_log_from bigint NOT NULL DEFAULT 0;
    `,
  },
  {
    // pgvector: where the database has the `vector` extension when this runs (the store creates it first
    // when it may, see pg-store.ts), each section's vector again as a pgvector value, kept by every writer
    // beside section_vectors (which stays the source of truth), so a search is one exact ORDER BY in the
    // database. The column's type lives in the extension's schema, whichever that is; without the
    // extension nothing is created and searches use the in-memory index.
    version: 3,
    name: 'pgvector embeddings, when the extension is installed',
    sql: `
      DO $$
      DECLARE ext text;
      BEGIN
        SELECT n.nspname INTO ext FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'vector';
        IF ext IS NOT NULL THEN
          EXECUTE format(
            'CREATE TABLE section_embeddings (section_rowid bigint PRIMARY KEY REFERENCES section_vectors (section_rowid) ON DELETE CASCADE, embedding %I.vector NOT NULL)',
            ext);
        END IF;
      END $$;
    `,
  },
  {
    // Sources with a name and a version (unique together; '' = unversioned), as SQLite's migration 7.
    // Sources already there get their folder's name (domain/sources.ts folderSourceName, in SQL), oldest
    // first; a name already given gets '-' and the first 8 characters of the id's hash.
    version: 4,
    name: 'sources with a name and a version, options, the revision indexed and when it was refreshed',
    sql: `
      ALTER TABLE sources
        ADD COLUMN name text COLLATE "C" NOT NULL DEFAULT '',
        ADD COLUMN version text COLLATE "C" NOT NULL DEFAULT '',
        ADD COLUMN options text NOT NULL DEFAULT '{}',
        ADD COLUMN revision text,
        ADD COLUMN refreshed_at text COLLATE "C";
      UPDATE sources s SET name = CASE WHEN n.rn = 1 THEN n.base ELSE left(n.base, 90) || '-' || substr(s.id, 5, 8) END
        FROM (
          SELECT id, base, row_number() OVER (PARTITION BY base ORDER BY created_at, id) AS rn
          FROM (
            SELECT id, created_at,
              COALESCE(NULLIF(left(regexp_replace(regexp_replace(regexp_replace(regexp_replace(location, '/+$', ''), '^.*/', ''), '[^A-Za-z0-9._-]+', '-', 'g'), '^[^A-Za-z0-9]+', ''), 100), ''), 'docs') AS base
            FROM sources
          ) b
        ) n
        WHERE n.id = s.id;
      CREATE UNIQUE INDEX sources_name_version ON sources (name, version);
    `,
  },
  {
    // Sections' aliases, as SQLite's migration 8: other ids of the page that land in the section.
    version: 5,
    name: "sections' aliases: other ids of the page that land in the section; a document gains them when it is parsed again",
    sql: `
      ALTER TABLE sections ADD COLUMN aliases text NOT NULL DEFAULT '[]';
    `,
  },
];
