/**
 * The rows every Store adapter keeps (snake_case columns, JSON as text,
 * vectors as float32 bytes) and their mapping to domain records, shared so
 * the SQLite and PostgreSQL stores read rows the same way.
 */
import { InvalidInputError } from '../domain/errors.js';
import type { DocFormat, DocumentRecord, EntityRecord, SectionRecord } from '../domain/types.js';
import type { SourceRecord } from './store.js';

export interface SectionRow {
  rowid: number;
  id: string;
  doc_id: string;
  parent_id: string | null;
  seq: number;
  ordinal: number;
  level: number;
  heading: string;
  anchor: string;
  /** JSON array of strings; '[]' on rows written before migration 8 (SQLite) / 5 (PostgreSQL). */
  aliases: string;
  heading_path: string;
  text: string;
  part: number;
  tokens: number;
  checksum: string;
  links: string;
}

export interface EntityRow {
  id: string;
  type: EntityRecord['type'];
  name: string;
  aliases: string;
  attributes: string;
}

export interface DocumentRow {
  id: string;
  source_id: string;
  uri: string;
  title: string;
  format: DocFormat;
  checksum: string;
  bytes: number;
  meta: string;
  indexed_at: string;
}

export function toFloat32(buf: Buffer): Float32Array {
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function toEntity(r: EntityRow): EntityRecord {
  return { id: r.id, type: r.type, name: r.name, aliases: JSON.parse(r.aliases) as string[], attributes: JSON.parse(r.attributes) as Record<string, unknown> };
}

export function toDocument(r: DocumentRow): DocumentRecord {
  return {
    id: r.id,
    sourceId: r.source_id,
    uri: r.uri,
    title: r.title,
    format: r.format,
    checksum: r.checksum,
    bytes: r.bytes,
    meta: JSON.parse(r.meta) as DocumentRecord['meta'],
    indexedAt: r.indexed_at,
  };
}

export function toSection(r: SectionRow): SectionRecord {
  return {
    id: r.id,
    docId: r.doc_id,
    parentId: r.parent_id,
    seq: r.seq,
    ordinal: r.ordinal,
    level: r.level,
    heading: r.heading,
    anchor: r.anchor,
    aliases: JSON.parse(r.aliases) as string[],
    headingPath: JSON.parse(r.heading_path) as string[],
    text: r.text,
    part: r.part,
    tokens: r.tokens,
    checksum: r.checksum,
    links: JSON.parse(r.links) as SectionRecord['links'],
  };
}

export interface SourceRow {
  id: string;
  kind: string;
  location: string;
  created_at: string;
  name: string;
  /** '' when unversioned (so the unique index on name and version holds for it too). */
  version: string;
  options: string;
  revision: string | null;
  refreshed_at: string | null;
}

export function toSource(r: SourceRow): SourceRecord {
  return {
    id: r.id,
    kind: r.kind,
    location: r.location,
    createdAt: r.created_at,
    name: r.name,
    version: r.version === '' ? null : r.version,
    options: JSON.parse(r.options) as Record<string, unknown>,
    revision: r.revision,
    refreshedAt: r.refreshed_at,
  };
}

/** The error of a source whose name and version another source holds. */
export function sourceTaken(s: Pick<SourceRecord, 'name' | 'version'>): InvalidInputError {
  const label = s.version === null ? s.name : `${s.name}@${s.version}`;
  return new InvalidInputError(`a source named ${label} is already registered`, { field: 'name', allowed: 'another --name or --version, or `docgraph remove ' + label + '` first' });
}
