import { checksum } from '../domain/ids.js';

/**
 * The revision of what an unchanged file becomes in the index: bumped by any
 * change to parsing or extraction that changes it (sections, anchors,
 * aliases, entities, links). A document's stored checksum names the revision
 * that read it as well as its bytes, so after an upgrade every document
 * reads as changed once and the next ingest, watch or `verify --repair`
 * parses it again; its sections' vectors are re-used where their text did
 * not change (section checksums carry no revision).
 *
 * 1: section aliases (a page's other ids that land in a section).
 */
export const PARSE_REVISION = 1;

const SUFFIX = `+p${PARSE_REVISION}`;

/** A document file's checksum as stored and queued: its bytes' sha256 and the parse revision. */
export function documentChecksum(bytes: Uint8Array): string {
  return checksum(bytes) + SUFFIX;
}

/**
 * Whether a stored document checksum names these bytes read by another parse
 * revision (an index made before an upgrade): the file is the same, its
 * parse is not.
 */
export function parsedByOtherRevision(stored: string, bytes: Uint8Array): boolean {
  const sum = checksum(bytes);
  return stored !== sum + SUFFIX && (stored === sum || (stored.startsWith(sum + '+p') && stored.length > sum.length + 2));
}
