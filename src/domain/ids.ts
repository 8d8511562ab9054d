import { createHash } from 'node:crypto';

/** Separator that cannot occur in headings or uris, so joined parts never collide. */
const SEP = '\u001f';

function hash(kind: string, parts: readonly string[]): string {
  return createHash('sha256').update(kind + SEP + parts.join(SEP)).digest('hex').slice(0, 24);
}

/** Hex sha256 of a text; used for content checksums. */
export function checksum(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Deterministic document id: source + uri (DESIGN §4). */
export function documentId(sourceId: string, uri: string): string {
  return 'd_' + hash('doc', [sourceId, uri]);
}

/**
 * Deterministic section id: document + heading path + ordinal, where the
 * ordinal counts earlier sections with the same heading path (and split part),
 * so inserting a section elsewhere leaves the other ids unchanged.
 */
export function sectionId(docId: string, headingPath: readonly string[], ordinal: number): string {
  return 's_' + hash('sec', [docId, ...headingPath, String(ordinal)]);
}

/** Deterministic entity id: type + canonical name. */
export function entityId(type: string, canonicalName: string): string {
  return 'e_' + hash('ent', [type, canonicalName]);
}

/** Deterministic source id from its kind and location. */
export function sourceId(kind: string, location: string): string {
  return 'src_' + hash('src', [kind, location]).slice(0, 12);
}
