/**
 * The one test helper that touches the SQLite index file directly: tests of
 * `verify` and of damage recovery need an index that is broken in a known
 * way (a lost lexical row, a torn page), which no port can make. Assertions
 * still go through the ports; eslint allows SQLite here and nowhere else
 * outside the adapters (eslint.config.js).
 */
import Database from 'better-sqlite3';

/** Runs `fn` on a connection of its own to the index file (closed after); `readonly` for looking only. */
export function onIndexFile<T>(index: string, fn: (db: Database.Database) => T, o: { readonly?: boolean } = {}): T {
  const db = new Database(index, { readonly: o.readonly ?? false, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    return fn(db);
  } finally {
    db.close();
  }
}

/**
 * Damage of the kinds `verify` finds, each what a bug or a crash at the
 * wrong moment could leave. Named here so that tests say what they break,
 * and the SQL on the index tables stays in this one file.
 */
export const damage = {
  /** A section of the document loses its vector. */
  dropVector(index: string, docId: string): void {
    onIndexFile(index, (db) => db.prepare('DELETE FROM section_vectors WHERE section_rowid = (SELECT rowid FROM sections WHERE doc_id = ? LIMIT 1)').run(docId));
  },
  /** A section of the document loses its lexical row. */
  dropLexicalRow(index: string, docId: string): void {
    onIndexFile(index, (db) => db.prepare('DELETE FROM sections_fts WHERE rowid = (SELECT rowid FROM sections WHERE doc_id = ? LIMIT 1)').run(docId));
  },
  /** Every document's checksum as an index made before parse revisions kept it (the file's sha256 alone). */
  parsedByRevision0(index: string): void {
    onIndexFile(index, (db) => db.prepare("UPDATE documents SET checksum = substr(checksum, 1, instr(checksum, '+p') - 1) WHERE instr(checksum, '+p') > 0").run());
  },
  /** An entity that no document holds. */
  addOrphanEntity(index: string, id: string, name: string): void {
    onIndexFile(index, (db) => db.prepare("INSERT INTO entities (id, type, name, aliases, attributes) VALUES (?, 'Concept', ?, '[]', '{}')").run(id, name));
  },
  /** Links out of `src` (or every link, without `src`) name their target's document instead of its section: what a crash before relinking leaves. */
  pointLinksAtDocuments(index: string, src?: string): void {
    onIndexFile(index, (db) => {
      const sql = "UPDATE edges SET dst = (SELECT doc_id FROM sections WHERE id = edges.dst) WHERE type = 'LINKS_TO'";
      if (src === undefined) db.prepare(sql).run();
      else db.prepare(`${sql} AND src = ?`).run(src);
    });
  },
  /** A pending relink marker, as a write leaves it until the relinking after it has run. */
  addRelinkMarker(index: string, docId: string, before: readonly string[]): void {
    onIndexFile(index, (db) => db.prepare('INSERT INTO relink_pending (doc_id, before) VALUES (?, ?)').run(docId, JSON.stringify(before)));
  },
};

/** Connections that have the index open and have not closed cleanly yet (rows of the unclean-shutdown marker). */
export function openConnections(index: string): number {
  return onIndexFile(index, (db) => db.prepare('SELECT COUNT(*) FROM open_connections').pluck().get() as number, { readonly: true });
}
