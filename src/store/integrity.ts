/**
 * The IndexIntegrity port (DESIGN §5): what `docgraph verify` asks of an
 * index about itself. A backend whose writes are one transaction should
 * never drift, but verify still checks, because the next backend, an
 * operator or a disk may break what a transaction promised.
 */

export interface DocumentProblems {
  docId: string;
  uri: string;
  sourceId: string;
  /** Sections without a row in the lexical index. */
  missingLexical: number;
  /** Sections without a vector, or with one of the wrong size for the current embedder. */
  missingVectors: number;
  /** Edges of this document whose source or target does not exist (a LINKS_TO to a document not ingested yet is fine). */
  orphanEdges: number;
}

export interface IntegrityReport {
  documents: number;
  sections: number;
  entities: number;
  /** Documents with at least one problem, by uri. */
  problems: DocumentProblems[];
  /** Entities no edge refers to. */
  orphanEntities: number;
  /** Lexical rows whose section is gone. */
  orphanLexicalRows: number;
  /** Edges whose document is gone. */
  docklessEdges: number;
}

export interface IndexIntegrity {
  /** Where the index lives (a file path, or a server URL without credentials), for messages. */
  readonly location: string;
  /** What `storageProblems` runs, as an operator would look it up (SQLite: `PRAGMA integrity_check`). */
  readonly storageCheck: string;
  /**
   * The storage engine's own check of its pages and indexes (SQLite: PRAGMA
   * integrity_check): the problems found, at most `max` (default 100); empty
   * when whole. Run first: on damaged storage every other check is meaningless.
   */
  storageProblems(max?: number): Promise<string[]>;
  /** Checks the whole index as one consistent read; `dimensions` is the current embedder's (undefined: no embedder, every section lacks a vector). */
  check(dimensions: number | undefined): Promise<IntegrityReport>;
  /** Drops entities no edge refers to, lexical rows without a section and edges without a document (nothing a re-queued job could fix). Returns how many of each. */
  removeUnowned(): Promise<{ entities: number; lexicalRows: number; edges: number }>;
}
