import type { DocumentRecord, EdgeRecord, EdgeType, EntityRecord, EntityType, NameMention, SectionRecord } from '../domain/types.js';

/** Narrows lexical and vector retrieval. All fields optional; combined with AND. */
/** Per-term factors on a term's BM25 contribution, keyed by index term; a term not listed counts fully. */
export type TermWeights = ReadonlyMap<string, number>;

export interface SearchFilters {
  sourceId?: string;
  /** Only documents of one of these sources (e.g. every version of a library); with `sourceId`, both must hold. */
  sourceIds?: readonly string[];
  /** Only documents whose uri starts with this prefix. */
  uriPrefix?: string;
  /** Only documents tagged with all of these (front matter `tags`). */
  tags?: string[];
}

/** A section's id, document, parent, anchor and heading path (see Store.sectionKeys). */
export type SectionKey = Pick<SectionRecord, 'id' | 'docId' | 'parentId' | 'anchor' | 'headingPath'>;

export interface ScoredSection {
  sectionId: string;
  score: number;
  /** The section's document, where the retriever has it at no cost (lexical search does). */
  docId?: string;
}

export interface SourceRecord {
  id: string;
  kind: string;
  /** Folder path, repository URL ...: where documents come from. Never shown to clients (list_sources hides it). */
  location: string;
  createdAt: string;
  /** The library's name, unique with `version` (`[A-Za-z0-9][A-Za-z0-9._-]*` when given by a user). */
  name: string;
  /** The library's version; null when unversioned. */
  version: string | null;
  /** How the source is read (ref, subdir, globs, refresh interval ...), as the user gave it. */
  options: Record<string, unknown>;
  /** What was indexed last, where the location has revisions (a git commit); null otherwise. */
  revision: string | null;
  /** When the source was last refreshed (ISO 8601); null when never. */
  refreshedAt: string | null;
}

/** A source to register: name defaults to the id, version to none, options to {}, revision and refreshedAt to null. */
export type SourceInput = Pick<SourceRecord, 'id' | 'kind' | 'location' | 'createdAt'> & Partial<Omit<SourceRecord, 'id' | 'kind' | 'location' | 'createdAt'>>;

/** A source input with its defaults filled in. */
export function sourceWithDefaults(s: SourceInput): SourceRecord {
  return { name: s.id, version: null, options: {}, revision: null, refreshedAt: null, ...s };
}

export interface DocumentSummary {
  id: string;
  sourceId: string;
  uri: string;
  title: string;
  checksum: string;
  sections: number;
  indexedAt: string;
}

export interface StoredEmbedder {
  id: string;
  provider: string;
  model: string;
  dimensions: number;
}

/** Everything that replaces one document, written in one transaction. */
export interface DocumentWrite {
  document: DocumentRecord;
  sections: SectionRecord[];
  /** One vector per section id; sections without one are stored without a vector row. */
  vectors: Map<string, Float32Array>;
  /** Per section id: the terms for the lexical index (heading, context, body). */
  lexical: Map<string, { heading: string; context: string; body: string }>;
  entities?: EntityRecord[];
  edges?: EdgeRecord[];
  /** Names the sections write that extraction could not type (see Extraction.untypedNames). */
  untypedNames?: NameMention[];
}

/**
 * A change to the index that a job commits together with its completion
 * (`JobQueue.commitJob`): a value, so each backend applies it in its own
 * transaction.
 */
export type IndexChange =
  /** Replace the document (`Store.writeDocument`), refused with EmbedderChangedError if the index's embedder is no longer `embedderId` (the vectors are of another space). */
  | { kind: 'write'; write: DocumentWrite; embedderId: string }
  /** Remove the document (`Store.deleteDocument`); `changed` tells whether it was there. */
  | { kind: 'delete'; docId: string }
  /** Only complete the job. */
  | { kind: 'none' };

/** Which way to follow edges from a node. */
export type EdgeDirection = 'out' | 'in' | 'both';

export interface TraverseOptions {
  /** Edge types to follow; all when absent. */
  types?: readonly EdgeType[];
  direction: EdgeDirection;
  /** 1–3. */
  depth: number;
  /** Edges returned at most. */
  limit: number;
}

export interface TraversalStep extends EdgeRecord {
  /** 1 for edges leaving the start nodes, 2 for the next hop ... */
  depth: number;
}

export interface StoreStats {
  sources: number;
  documents: number;
  sections: number;
  vectors: number;
  entities: number;
  edges: number;
  /** Size of the index on disk, in bytes (0 for in-memory stores). */
  bytes: number;
  lastIndexedAt: string | null;
}

/**
 * The Store port (DESIGN §5): graph, lexical and vector access behind one
 * interface. Every implementation passes `store.contract.ts`.
 */
export interface Store {
  /**
   * Adds a source, or updates the one with this id (its name, version and
   * options stay as first registered unless `rename`). Throws
   * InvalidInputError when another source already holds the name and version.
   */
  upsertSource(source: SourceInput, opts?: { rename?: boolean }): Promise<void>;
  /** Every source with its document count, oldest first. */
  listSources(): Promise<(SourceRecord & { documents: number })[]>;
  /** Every source, oldest first, without counting documents (cheap: search calls it). */
  sources(): Promise<SourceRecord[]>;
  /** Records a refresh: the revision now indexed and when. */
  markRefreshed(id: string, revision: string | null, at: string): Promise<void>;
  /** Removes a source that holds no documents any more; false when it still holds some or is absent. */
  deleteSource(id: string): Promise<boolean>;

  getDocument(id: string): Promise<DocumentRecord | undefined>;
  /** The documents of these ids that exist, in no particular order (one round trip: search reads a page of hits' documents). */
  getDocuments(ids: readonly string[]): Promise<DocumentRecord[]>;
  getDocumentByUri(uri: string, sourceId?: string): Promise<DocumentRecord | undefined>;
  listDocuments(sourceId?: string): Promise<DocumentSummary[]>;
  /** Replaces a document and all that hangs off it, atomically. */
  writeDocument(write: DocumentWrite): Promise<void>;
  /**
   * Replaces a document's LINKS_TO edges (its link targets changed since it was
   * written), only while the document still has `checksum`: false, and nothing
   * changed, when it does not. `edges` must all be LINKS_TO.
   */
  replaceLinks(docId: string, checksum: string, edges: readonly EdgeRecord[]): Promise<boolean>;
  /**
   * Documents written or removed whose dependents' links are still to be
   * re-resolved (see ingest/links.ts), with the section ids each had before.
   * `writeDocument` and `deleteDocument` record one in their own transaction.
   */
  pendingRelinks(docId?: string): Promise<{ docId: string; before: string[] }[]>;
  /** Clears a pending relink, only if it is still the one read (a newer write keeps it). */
  clearRelink(docId: string, before: readonly string[]): Promise<boolean>;
  /** Removes a document with its sections, vectors, lexical rows and edges. Returns false if absent. */
  deleteDocument(id: string): Promise<boolean>;

  getSections(ids: readonly string[]): Promise<SectionRecord[]>;
  /**
   * What tells sections apart and groups them by document (no text): for the
   * candidates a search looks at before it picks the hits it shows. In the
   * order asked, unknown ids skipped.
   */
  sectionKeys(ids: readonly string[]): Promise<SectionKey[]>;
  getDocumentSections(docId: string): Promise<SectionRecord[]>;
  /** uri, anchor and id of every section of a source's documents (first part only), for resolving links. */
  sectionAnchors(sourceId: string): Promise<{ uri: string; anchor: string; id: string }[]>;
  /** Vectors already stored for a document's sections, keyed by section checksum (for re-use on change). */
  getSectionVectors(docId: string): Promise<Map<string, Float32Array>>;

  /** Every stored section, in document order (for re-embedding after an embedder change). */
  allSections(): AsyncIterable<SectionRecord>;
  /**
   * Adds or replaces the vectors of existing sections (by section id); ids
   * that do not exist are ignored. With `embedderId`, writes only if that is
   * still the index's embedder (checked in the same transaction): returns
   * false and writes nothing when another writer switched the embedder
   * since the vectors were computed.
   */
  putVectors(vectors: Map<string, Float32Array>, embedderId?: string): Promise<boolean>;

  /** The subset of `ids` whose documents pass `filters`. */
  sectionsMatching(ids: readonly string[], filters: SearchFilters): Promise<Set<string>>;

  /**
   * A token that changes with every write that can change a search result
   * (sections, vectors, entities, edges), the same in every process on this
   * index: what a result cache shared between processes keys its entries by.
   * Undefined when the backend has none (SQLite: one machine, nothing to share).
   */
  sharedGeneration(): Promise<string | undefined>;

  /**
   * How many sections hold each of `terms` in their lexical row (index terms,
   * see domain/text.ts; absent terms count 0), and how many sections there are.
   */
  termSectionCounts(terms: readonly string[]): Promise<{ sections: number; counts: Map<string, number> }>;
  /**
   * BM25 over the lexical rows: `terms` are index terms (see domain/text.ts). Higher score is better.
   * `weights` scales a term's contribution (absent: 1; a weight of 0 leaves the term out): what a
   * query word the user wrote in other words than the docs counts (search/synonyms.ts).
   */
  lexicalSearch(terms: readonly string[], limit: number, filters?: SearchFilters, weights?: TermWeights): Promise<ScoredSection[]>;
  /** Cosine similarity against stored vectors. Higher score is better. */
  vectorSearch(vector: Float32Array, limit: number, filters?: SearchFilters): Promise<ScoredSection[]>;

  /** Every entity, ordered by id (for exports). */
  allEntities(): AsyncIterable<EntityRecord>;
  /** Every edge, ordered by type, source, target and document (for exports). */
  allEdges(): AsyncIterable<EdgeRecord & { docId: string }>;
  /** Entities whose canonical name or an alias equals one of `keys` (already canonicalised by the caller). */
  findEntities(keys: readonly string[], types?: readonly EntityType[]): Promise<EntityRecord[]>;
  getEntities(ids: readonly string[]): Promise<EntityRecord[]>;
  /** Sections that write one of `names` untyped (see Extraction.untypedNames), most occurrences first. */
  sectionsNaming(names: readonly string[], limit?: number): Promise<NameMention[]>;
  /** The untyped names the given sections write. */
  namesIn(sectionIds: readonly string[]): Promise<NameMention[]>;
  /**
   * The documents holding a LINKS_TO edge into one of `targets` (section or
   * document ids), in id order, at most `limit` (default 100,000): who must
   * re-resolve links when the targets change (ingest/links.ts).
   */
  linkingDocuments(targets: readonly string[], limit?: number): Promise<string[]>;
  /** Edges touching the nodes (entity, section or document ids) in the given direction, strongest first. */
  edgesOf(ids: readonly string[], direction: EdgeDirection, types?: readonly EdgeType[], limit?: number): Promise<EdgeRecord[]>;
  /** Breadth-first traversal from `from` up to `depth` hops, each edge reported once with the hop it was reached at. */
  traverse(from: readonly string[], options: TraverseOptions): Promise<TraversalStep[]>;

  getEmbedder(): Promise<StoredEmbedder | undefined>;
  /**
   * Records the embedder that built the vectors, with the blobs it needs
   * (e.g. a fitted model), in one transaction: a reader never sees the id of
   * one embedder with the model of another. Changing the id deletes all
   * vectors (they are from another space).
   */
  setEmbedder(embedder: StoredEmbedder, blobs?: Readonly<Record<string, Uint8Array>>): Promise<void>;
  getBlob(key: string): Promise<Uint8Array | undefined>;
  putBlob(key: string, value: Uint8Array): Promise<void>;

  stats(): Promise<StoreStats>;
  /** Idempotent. */
  close(): Promise<void>;
}
