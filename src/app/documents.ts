import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { DocumentRecord, SectionRecord } from '../domain/types.js';
import type { Store } from '../store/store.js';

/**
 * A section reference: its id; an exact document uri and anchor; or a
 * citation as tools take it (`uri#anchor`, see `formatCitation`/`resolveCitation`).
 */
export type SectionRef = { id: string } | { uri: string; anchor: string } | { citation: string };

export interface SectionContextOptions {
  parent?: boolean;
  children?: boolean;
  siblings?: boolean;
}

export interface SectionBrief {
  id: string;
  heading: string;
  anchor: string;
  part: number;
}

export interface SectionView {
  section: SectionRecord;
  document: Pick<DocumentRecord, 'id' | 'uri' | 'title' | 'sourceId'>;
  /** All parts of the same heading, when the section was split (ids in order). */
  parts: SectionBrief[];
  parent?: SectionBrief | null;
  children?: SectionBrief[];
  siblings?: SectionBrief[];
}

export interface OutlineNode extends SectionBrief {
  level: number;
  tokens: number;
  children: OutlineNode[];
}

export interface DocumentView {
  document: DocumentRecord;
  outline: OutlineNode[];
  sections: number;
}

/** What a citation's uri part percent-encodes: `%` (so decoding is unambiguous), `#` (the anchor separator), `?`, whitespace and control characters. */
const CITATION_UNSAFE = /[%#?\s\p{Cc}]/gu;

/**
 * The citation of a section, `uri#anchor` (just the uri for an empty
 * anchor). The uri's `%`, `#`, `?`, whitespace and control characters are
 * percent-encoded, so a file named `a#b.md` is cited `a%23b.md#intro`; other
 * uris are written as they are.
 */
export function formatCitation(uri: string, anchor: string): string {
  const u = uri.replace(CITATION_UNSAFE, (c) => encodeURIComponent(c));
  return anchor === '' ? u : `${u}#${anchor}`;
}

/** Parses `uri#anchor` at its first `#`, percent-decoding the uri; an empty anchor means the document's first section. */
export function parseCitation(ref: string): { uri: string; anchor: string } {
  const at = ref.indexOf('#');
  if (at === 0) throw new InvalidInputError(`"${ref}" has no document uri before '#'`, { field: 'ref', allowed: 'a section id (s_…) or uri#anchor, e.g. guide/install.md#requirements' });
  const raw = at < 0 ? ref : ref.slice(0, at);
  return { uri: percentDecoded(raw) ?? raw, anchor: at < 0 ? '' : ref.slice(at + 1) };
}

function percentDecoded(s: string): string | undefined {
  if (!/%[0-9A-Fa-f]{2}/.test(s)) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined; // a % that is part of the name
  }
}

/**
 * Reads a citation against the index: as `formatCitation` writes it, or
 * with the uri spelt as on disk (`a#b.md#intro`, `50%20off.md`). Each
 * reading is tried, the longest document uri first and the percent-decoded
 * spelling before the literal one, and the first whose document exists wins;
 * when none does, `parseCitation`'s reading is returned (and the caller's
 * lookup reports it as not found). Throws InvalidInputError for `#anchor`.
 */
export async function resolveCitation(store: Store, ref: string): Promise<{ uri: string; anchor: string }> {
  const plain = parseCitation(ref);
  const cuts = [ref.length];
  for (let at = ref.lastIndexOf('#'); at > 0; at = ref.lastIndexOf('#', at - 1)) cuts.push(at);
  for (const at of cuts) {
    const raw = ref.slice(0, at);
    const anchor = ref.slice(at + 1);
    for (const uri of new Set([percentDecoded(raw) ?? raw, raw])) {
      if (await store.getDocumentByUri(uri)) return { uri, anchor };
    }
  }
  return plain;
}

function brief(s: SectionRecord): SectionBrief {
  return { id: s.id, heading: s.heading, anchor: s.anchor, part: s.part };
}

/** One section's full text, with its parts and optional structural context. Throws NotFoundError. */
export async function getSection(store: Store, ref: SectionRef, ctx: SectionContextOptions = {}): Promise<SectionView> {
  let section: SectionRecord | undefined;
  let doc: DocumentRecord | undefined;
  let all: SectionRecord[] | undefined;
  if ('id' in ref) {
    [section] = await store.getSections([ref.id]);
    if (!section) throw new NotFoundError(`no section with id ${ref.id}`, { hint: 'ids come from search results; they change when a document is re-indexed with other headings' });
    doc = await store.getDocument(section.docId);
  } else {
    const { uri, anchor } = 'citation' in ref ? await resolveCitation(store, ref.citation) : ref;
    doc = await store.getDocumentByUri(uri);
    if (!doc) throw new NotFoundError(`no document ${uri} in the index`, { hint: 'list documents with get_document / `docgraph status`; uris are relative to the ingested folder' });
    all = await store.getDocumentSections(doc.id);
    section = anchor === '' ? all[0] : all.find((s) => s.anchor === anchor);
    if (!section) throw new NotFoundError(`${uri} has no section with anchor #${anchor}`, { hint: 'get_document lists the anchors of a document' });
  }
  if (!doc) throw new NotFoundError(`the document of section ${section.id} is gone`);
  all ??= await store.getDocumentSections(doc.id);
  const target = section;
  const view: SectionView = {
    section: target,
    document: { id: doc.id, uri: doc.uri, title: doc.title, sourceId: doc.sourceId },
    parts: target.part > 0 ? all.filter((s) => s.anchor === target.anchor && s.heading === target.heading && s.parentId === target.parentId).map(brief) : [],
  };
  if (ctx.parent) {
    const p = target.parentId ? all.find((s) => s.id === target.parentId) : undefined;
    view.parent = p ? brief(p) : null;
  }
  if (ctx.children) view.children = all.filter((s) => s.parentId === target.id && s.part <= 1).map(brief);
  if (ctx.siblings) view.siblings = all.filter((s) => s.parentId === target.parentId && s.id !== target.id && s.part <= 1 && s.anchor !== target.anchor).map(brief);
  return view;
}

/** A document reference: its exact uri, or a citation of it (`resolveCitation`; an anchor is ignored). */
export type DocumentRef = { uri: string } | { citation: string };

/** A document's metadata and outline (section tree with ids and anchors). Throws NotFoundError. */
export async function getDocumentView(store: Store, ref: DocumentRef): Promise<DocumentView> {
  const { uri } = 'uri' in ref ? ref : await resolveCitation(store, ref.citation);
  const document = await store.getDocumentByUri(uri);
  if (!document) throw new NotFoundError(`no document ${uri} in the index`, { hint: 'uris are relative to the ingested folder, e.g. guide/install.md' });
  const sections = await store.getDocumentSections(document.id);
  const nodes = new Map<string, OutlineNode>();
  const roots: OutlineNode[] = [];
  for (const s of sections) {
    if (s.part > 1) continue; // later parts of a split section share the first part's place
    const node: OutlineNode = { ...brief(s), level: s.level, tokens: s.tokens, children: [] };
    nodes.set(s.id, node);
    const parent = s.parentId ? nodes.get(s.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return { document, outline: roots, sections: sections.length };
}
