/**
 * Links between documents.
 *
 * A LINKS_TO edge points at the section a link names in another document, or
 * at that document when the index holds no such section (or no such
 * document) — see extract/structure.ts. So the edge depends on the target as
 * it was when the linking document was written. When a target is written or
 * removed later, `relinkDependents` re-resolves the documents that link to it,
 * so that after any sequence of incremental updates the graph equals what a
 * fresh ingest of the same files yields.
 */
import { anchorMap } from '../domain/anchors.js';
import { documentId } from '../domain/ids.js';
import type { EdgeRecord, SectionRecord } from '../domain/types.js';
import { GraphBuilder } from '../extract/graph.js';
import { linkEdges, type SectionResolver } from '../extract/structure.js';
import type { Store } from '../store/store.js';

/** Documents (linking to a target) and edges (of a document) looked at per relink query. */
const MAX_INCOMING = 100_000;

/**
 * anchor → section id of a document's sections (first part, first section per anchor, document order), then
 * their aliases (an id in a section's text or a label before its heading lands there).
 */
export function anchorsOf(sections: readonly SectionRecord[]): Map<string, string> {
  return anchorMap(sections, (s) => s.id);
}

/**
 * The resolver for one document's links: its own sections, then `planned`
 * (the documents being planned together, in process), then the index. Each
 * target document is looked up once. A link without an anchor resolves to the
 * target's first section.
 */
export async function linkResolver(
  store: Store,
  sourceId: string,
  own: { uri: string; sections: readonly SectionRecord[] },
  planned?: (uri: string) => Map<string, string> | undefined,
  /** Target anchors read from the index, kept across calls (null: no such document). */
  cache: Map<string, Map<string, string> | null> = new Map(),
): Promise<SectionResolver> {
  const anchors = new Map<string, Map<string, string>>([[own.uri, anchorsOf(own.sections)]]);
  const targets = new Set<string>();
  for (const s of own.sections) for (const l of s.links) if (l.targetUri && l.targetUri !== own.uri) targets.add(l.targetUri);
  for (const uri of targets) {
    const m = planned?.(uri);
    if (m) {
      anchors.set(uri, m);
      continue;
    }
    if (!cache.has(uri)) {
      const doc = await store.getDocument(documentId(sourceId, uri));
      cache.set(uri, doc ? anchorsOf(await store.getDocumentSections(doc.id)) : null);
    }
    const stored = cache.get(uri);
    if (stored) anchors.set(uri, stored);
  }
  return (uri, anchor) => {
    const m = anchors.get(uri);
    if (!m) return undefined;
    return anchor ? (m.get(anchor) ?? m.get(anchor.toLowerCase())) : m.values().next().value;
  };
}

/**
 * The documents other than the target that link to it: every link into the
 * target points at one of the ids its sections had `before`, or at its
 * document id. Each re-resolves its own links when it is relinked.
 */
async function dependents(store: Store, target: { docId: string; before: readonly string[] }): Promise<Set<string>> {
  const fromDocs = new Set(await store.linkingDocuments([target.docId, ...target.before], MAX_INCOMING));
  fromDocs.delete(target.docId);
  return fromDocs;
}

/**
 * After a document was written or removed: re-resolves the links of every
 * other document that links to it, and replaces their LINKS_TO edges where
 * the answer changed. `before` are the ids the target's sections had before
 * (every link into the target points at one of them or at the target's
 * document id). A linking document that changed meanwhile is left to its own
 * job. Returns the documents whose links were replaced.
 */
export async function relinkDependents(store: Store, target: { docId: string; before: readonly string[] }): Promise<number> {
  return relinkAll(store, await dependents(store, target));
}

/** Relinks each document once, reading each link target once for all of them. */
async function relinkAll(store: Store, docIds: ReadonlySet<string>, onProgress?: (done: number, total: number) => void): Promise<number> {
  let relinked = 0;
  let done = 0;
  const targets = new Map<string, Map<string, string> | null>();
  for (const docId of [...docIds].sort()) {
    onProgress?.(done++, docIds.size);
    if ((await relinkDocument(store, docId, { targets })) === 'replaced') relinked++;
  }
  onProgress?.(done, docIds.size);
  return relinked;
}

/**
 * Runs the relinking the store recorded as pending (for one document, or for
 * all): the store writes the marker in the same transaction as the document,
 * so a crash before this runs leaves it for the next worker. All pending
 * targets are settled together: a document that links to several of them is
 * relinked once, and each link target is read once. So a run that writes N
 * cross-linked documents and settles at the end (the worker does so when it
 * runs out of jobs) reads each document a bounded number of times, where
 * settling after every write re-read the documents linking to it each time.
 * Returns the documents whose links were replaced.
 */
export async function settleRelinks(store: Store, docId?: string, onProgress?: (done: number, total: number) => void): Promise<number> {
  const pending = await store.pendingRelinks(docId);
  if (pending.length === 0) return 0;
  const linking = new Set<string>();
  for (const p of pending) for (const d of await dependents(store, p)) linking.add(d);
  const relinked = await relinkAll(store, linking, onProgress);
  for (const p of pending) await store.clearRelink(p.docId, p.before);
  return relinked;
}

/**
 * Re-resolves one document's links against the index as it is now. `same`:
 * its stored LINKS_TO edges are what a fresh ingest would write; `stale`:
 * they are not (and `check` asked not to touch them); `replaced`: they were
 * not and now are. A document that changed meanwhile, or is gone, is `same`
 * (its own job writes its links).
 */
export async function relinkDocument(
  store: Store,
  docId: string,
  o: { check?: boolean; targets?: Map<string, Map<string, string> | null> } = {},
): Promise<'same' | 'stale' | 'replaced'> {
  const doc = await store.getDocument(docId);
  if (!doc) return 'same';
  const sections = await store.getDocumentSections(docId);
  const g = new GraphBuilder();
  linkEdges(doc.sourceId, doc.uri, sections, g, await linkResolver(store, doc.sourceId, { uri: doc.uri, sections }, undefined, o.targets ?? new Map()));
  const want = g.build().edges;
  const have = await store.edgesOf(sections.map((s) => s.id), 'out', ['LINKS_TO'], MAX_INCOMING);
  if (sameEdges(want, have)) return 'same';
  if (o.check) return 'stale';
  return (await store.replaceLinks(docId, doc.checksum, want)) ? 'replaced' : 'same';
}

function sameEdges(a: readonly EdgeRecord[], b: readonly EdgeRecord[]): boolean {
  const key = (e: EdgeRecord): string => `${e.src} ${e.dst} ${e.weight}`;
  const x = a.map(key).sort();
  const y = b.map(key).sort();
  return x.length === y.length && x.every((k, i) => k === y[i]);
}
