/** The data model of DESIGN §4. Plain data: no I/O, no classes. */

export type DocFormat = 'markdown' | 'html' | 'pdf' | 'docx';

export interface DocumentMeta {
  title?: string;
  tags?: string[];
  version?: string;
  [key: string]: unknown;
}

export interface DocumentRecord {
  id: string;
  sourceId: string;
  /** Path relative to the source root, with forward slashes (e.g. `guide/install.html`). */
  uri: string;
  title: string;
  format: DocFormat;
  /** sha256 of the raw file bytes. */
  checksum: string;
  bytes: number;
  meta: DocumentMeta;
  indexedAt: string;
}

/** A hyperlink found in a section, resolved relative to its document. */
export interface SectionLink {
  /** The href as written. */
  href: string;
  /** uri of the target document inside the same source, when it is one. */
  targetUri?: string;
  /** Fragment (anchor) of the target, without '#'. */
  targetAnchor?: string;
  /** Absolute URL for links that leave the source. */
  external?: string;
  text: string;
}

export interface SectionRecord {
  id: string;
  docId: string;
  parentId: string | null;
  /** Position of the section in its document, 0-based. */
  seq: number;
  /** Count of earlier sections with the same heading path (part of the id). */
  ordinal: number;
  /** Heading level 1–6; 0 for the preamble before the first heading. */
  level: number;
  heading: string;
  /** The id a browser scrolls to: HTML element id or GitHub-style slug. */
  anchor: string;
  /** Other ids of the page that land in this section (parse/model.ts ParsedSection.aliases); links to them resolve here. */
  aliases: string[];
  /** Breadcrumb from the document title down to this heading. */
  headingPath: string[];
  /** Markdown text of the section body; code blocks are kept whole. */
  text: string;
  /** 1-based part number when a long section was split; 0 when not split. */
  part: number;
  tokens: number;
  checksum: string;
  links: SectionLink[];
}

export type EntityType =
  | 'Command'
  | 'ConfigParameter'
  | 'ErrorCode'
  | 'ErrorMessage'
  | 'APISymbol'
  | 'Procedure'
  | 'Step'
  | 'Concept'
  | 'Component';

export interface EntityRecord {
  id: string;
  type: EntityType;
  name: string;
  aliases: string[];
  attributes: Record<string, unknown>;
}

export type EdgeType =
  | 'HAS_SECTION'
  | 'PARENT_OF'
  | 'NEXT'
  | 'MENTIONS'
  | 'DEFINES'
  | 'LINKS_TO'
  | 'HAS_STEP'
  | 'RESOLVES'
  | 'RELATED_TO';

export interface EdgeRecord {
  src: string;
  dst: string;
  type: EdgeType;
  weight: number;
  /** Section that evidences the edge. */
  evidence: string | null;
}

/** Which retriever produced a score part. */
/**
 * What put a hit in the list: `lexical` (BM25), `vector` (embeddings), `entity`
 * (the things the query names), `graph` (expansion from the best hits), `prior`
 * (the intent's type prior: the hit defines the kind of thing the question asks for).
 */
export type Retriever = 'lexical' | 'vector' | 'entity' | 'graph' | 'prior' | 'page';

export interface SearchHit {
  sectionId: string;
  docId: string;
  /** The name of the hit's source (library). */
  source: string;
  /** The version of the hit's source; null when unversioned. */
  version: string | null;
  uri: string;
  anchor: string;
  heading: string;
  headingPath: string[];
  title: string;
  /** Text excerpt with matched terms wrapped in `**`. */
  snippet: string;
  /** Fused rank score: orders hits within one result, not comparable across queries. */
  score: number;
  /** Estimated probability (0–1) that this hit's page answers the query; comparable across queries (search.ts `confidence`). */
  confidence: number;
  /** Contribution of each retriever to `score`, and its rank in that retriever's list. */
  parts: Partial<Record<Retriever, { score: number; rank: number }>>;
  /** For hits the graph brought in: the entities and edges that led here. */
  via?: GraphPath[];
}

/** A name a section writes in code that extraction could not type; resolved against the index when read. */
export interface NameMention {
  sectionId: string;
  name: string;
  /** Occurrences in the section. */
  count: number;
}

/** One way a hit was reached through the graph. */
export type GraphPath =
  | { kind: 'entity'; entity: string; type: EntityType; edge: 'DEFINES' | 'RESOLVES' | 'MENTIONS' }
  | { kind: 'expansion'; from: string; edge: 'PARENT_OF' | 'LINKS_TO' | 'CHILD_OF' | 'DEFINED_BY'; hops: number };

export interface SearchResult {
  query: string;
  hits: SearchHit[];
  /** Retrievers that failed and were left out (the query still answered). */
  degraded: Retriever[];
  /** True when even the best hit is unlikely to answer the query (its confidence is below 0.5), or the query names something no section holds (`unknownNames`): nothing relevant may be indexed. */
  weak: boolean;
  tookMs: number;
  /** The intent the planner saw in the query (graph mode). */
  intent?: string;
  /** Words the query was also searched for: the docs' words for its abbreviations and everyday words (search.synonyms). */
  expanded?: string[];
  /** Names the query writes (identifiers with parts, such as `ERR_SOCKET_TIMEOUT`) that no indexed section holds; the result is then `weak`. */
  unknownNames?: string[];
}
