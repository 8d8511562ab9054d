import { anchorMap } from '../domain/anchors.js';
import { documentId } from '../domain/ids.js';
import type { SectionRecord } from '../domain/types.js';
import type { GraphBuilder } from './graph.js';

/**
 * Maps a link target to a section id: `uri` is relative to the source root,
 * `anchor` is the fragment without '#'. Returns undefined when the target is
 * unknown (not ingested yet, or no section has that anchor).
 */
export type SectionResolver = (uri: string, anchor?: string) => string | undefined;

/**
 * A resolver over sections already in hand (a batch being ingested, or a
 * store's sections of the target documents): the first part of the section
 * whose anchor matches, else of the section that holds it as an alias
 * (domain/anchors.ts), case-insensitively as browsers fall back; undefined
 * for an unknown document or anchor, and for a link without an anchor (the
 * caller then links the document).
 */
export function resolverFromSections(docs: Iterable<{ uri: string; sections: readonly SectionRecord[] }>): SectionResolver {
  const index = new Map<string, Map<string, string>>();
  for (const d of docs) {
    index.set(d.uri, withLowerCase(anchorMap(d.sections, (s) => s.id)));
  }
  return (uri, anchor) => {
    if (!anchor) return undefined;
    const anchors = index.get(uri);
    return anchors?.get(anchor) ?? anchors?.get(anchor.toLowerCase());
  };
}

/**
 * Structural edges: HAS_SECTION from the document to its top-level sections,
 * PARENT_OF down the heading tree, NEXT in reading order.
 */
export function structureEdges(docId: string, sections: readonly SectionRecord[], g: GraphBuilder): void {
  let prev: SectionRecord | undefined;
  for (const s of sections) {
    if (s.parentId === null) g.edge('HAS_SECTION', docId, s.id, 1, s.id);
    else g.edge('PARENT_OF', s.parentId, s.id, 1, s.id);
    if (prev) g.edge('NEXT', prev.id, s.id, 1, s.id);
    prev = s;
  }
}

/**
 * LINKS_TO edges from a section to the section (or, failing that, the
 * document) its hyperlinks point at; the weight counts the links.
 *
 * Anchors into the same document are resolved against its own sections (the
 * first part of the section with that anchor). Other targets go through
 * `resolve`; when it cannot name a section, the edge points at the target
 * document's id, `documentId(sourceId, targetUri)`, which exists once that
 * document is ingested. When a target is written or removed after the
 * linking document, ingest re-resolves the linking document's edges with
 * this same function (ingest/links.ts). Links that leave the source
 * (`external`) and links to the section itself are dropped.
 */
export function linkEdges(sourceId: string, uri: string, sections: readonly SectionRecord[], g: GraphBuilder, resolve?: SectionResolver): void {
  const byAnchor = anchorMap(sections, (s) => s.id);
  byAnchor.delete('');
  for (const s of sections) {
    for (const link of s.links) {
      if (!link.targetUri) continue;
      let target: string | undefined;
      if (link.targetUri === uri) {
        target = link.targetAnchor ? (byAnchor.get(link.targetAnchor) ?? byAnchor.get(link.targetAnchor.toLowerCase()) ?? resolve?.(uri, link.targetAnchor)) : undefined;
      } else {
        target = resolve?.(link.targetUri, link.targetAnchor) ?? documentId(sourceId, link.targetUri);
      }
      if (target && target !== s.id) g.edge('LINKS_TO', s.id, target, 1, s.id, 'sum');
    }
  }
}

/** `anchors` with each id's lower-case spelling added where no id has it (browsers fall back to it), the empty anchor left out. */
function withLowerCase(anchors: Map<string, string>): Map<string, string> {
  anchors.delete('');
  for (const [a, id] of [...anchors]) {
    const lower = a.toLowerCase();
    if (!anchors.has(lower)) anchors.set(lower, id);
  }
  return anchors;
}
