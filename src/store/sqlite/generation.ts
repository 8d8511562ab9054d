/**
 * The content generation of a SQLite index: an integer in the kv table,
 * bumped inside every transaction that changes what a search reads
 * (documents, sections, lexical rows, vectors, the graph, the embedder).
 * Readers compare it to decide whether their in-memory vector index and
 * term counts are still current (SqliteStore.version). Other tables in the
 * file (the queue's, the keys') do not move it. No row = 0.
 */
export const GENERATION_KEY = 'content_generation';

/** Run inside the writing transaction. */
export const GENERATION_BUMP = `INSERT INTO kv (key, value) VALUES ('${GENERATION_KEY}', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1`;
