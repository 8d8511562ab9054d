import { sectionAt } from '../domain/anchors.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { DocumentRecord, SectionRecord } from '../domain/types.js';
import { sourceLabel, splitSourceRef } from '../domain/sources.js';
import type { SourceRecord, Store } from '../store/store.js';

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
  /** The name and version of the document's source. */
  source: string;
  version: string | null;
  /** Its citation (`formatSourceCitation`). */
  ref: string;
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
  /** The name and version of the document's source. */
  source: string;
  version: string | null;
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

/** A document found for a reference, with its source's name and version and whether the index holds several sources. */
export interface ResolvedDocument {
  doc: DocumentRecord;
  anchor: string;
  source: SourceRecord | undefined;
  /** The index holds more than one source: citations name theirs (`name[@version]:uri#anchor`). */
  qualified: boolean;
}

/**
 * The citation of a section as search hits and get_section give it:
 * `uri#anchor` (`formatCitation`) while the index holds one source, and
 * `name[@version]:uri#anchor` once it holds several, so every citation
 * names one section whatever else is indexed.
 */
export function formatSourceCitation(source: { name: string; version: string | null } | undefined, uri: string, anchor: string, qualified: boolean): string {
  const plain = formatCitation(uri, anchor);
  return qualified && source ? `${sourceLabel(source)}:${plain}` : plain;
}

/**
 * Reads a reference against the index: `name[@version]:uri#anchor`, or a
 * plain `uri#anchor`, the uri as `formatCitation` writes it or spelt as on
 * disk (`a#b.md#intro`, `50%20off.md`). Each reading is tried, the longest
 * document uri first and the percent-decoded spelling before the literal
 * one; the first whose document exists in the sources the reference allows
 * wins. Throws NotFoundError when none does, and InvalidInputError
 * ("ambiguous: …", listing the candidates) when a reading names a document
 * of several sources (a plain uri two folders hold, or a name without a
 * version that several versions hold); and for `#anchor`.
 */
export async function resolveDocumentRef(store: Store, ref: string, anchorMatters = true): Promise<ResolvedDocument> {
  const sources = await store.sources();
  const qualified = sources.length > 1;
  const scoped = splitSourceRef(ref);
  let candidates = sources;
  let rest = ref;
  if (scoped && sources.some((x) => x.name === scoped.name)) {
    candidates = sources.filter((x) => x.name === scoped.name && (scoped.version === undefined || x.version === scoped.version));
    if (candidates.length === 0) {
      const versions = sources.filter((x) => x.name === scoped.name).map(sourceLabel);
      throw new NotFoundError(`no source ${scoped.name}@${scoped.version ?? ''}`, { hint: `indexed: ${versions.join(', ')}` });
    }
    rest = scoped.rest;
  }
  const plain = parseCitation(rest);
  const cuts = [rest.length];
  for (let at = rest.lastIndexOf('#'); at > 0; at = rest.lastIndexOf('#', at - 1)) cuts.push(at);
  const byId = new Map(sources.map((x) => [x.id, x]));
  for (const at of cuts) {
    const raw = rest.slice(0, at);
    const anchor = rest.slice(at + 1);
    for (const uri of new Set([percentDecoded(raw) ?? raw, raw])) {
      const found: DocumentRecord[] = [];
      if (candidates.length === sources.length && candidates.length <= 1) {
        const d = await store.getDocumentByUri(uri);
        if (d) found.push(d);
      } else {
        for (const c of candidates) {
          const d = await store.getDocumentByUri(uri, c.id);
          if (d) found.push(d);
        }
      }
      if (found.length === 1) return { doc: found[0]!, anchor, source: byId.get(found[0]!.sourceId), qualified };
      if (found.length > 1) {
        const list = found.map((d) => formatSourceCitation(byId.get(d.sourceId), d.uri, anchorMatters ? anchor : '', true));
        throw new InvalidInputError(`ambiguous: ${uri} is in ${found.length} sources: ${list.join(', ')}`, { field: 'ref', allowed: `one of ${list.join(', ')} (name[@version]:path#anchor)` });
      }
    }
  }
  if (scoped && !sources.some((x) => x.name === scoped.name) && ref.length > 0) {
    // a reference that looks scoped but names no source, and no document either
    throw new NotFoundError(`no document ${plain.uri} in the index, and no source named ${scoped.name}`, { hint: `sources: ${sources.map(sourceLabel).join(', ') || 'none yet'}; refs are name[@version]:path#anchor or path#anchor` });
  }
  throw new NotFoundError(`no document ${plain.uri} in the index`, { hint: 'list documents with get_document / `docgraph status`; uris are relative to their source, e.g. guide/install.md, or name[@version]:guide/install.md' });
}

/**
 * Reads a plain citation against the index (see `resolveDocumentRef`): the
 * uri and anchor of the first reading whose document exists, else
 * `parseCitation`'s reading. Throws InvalidInputError for `#anchor`.
 */
export async function resolveCitation(store: Store, ref: string): Promise<{ uri: string; anchor: string }> {
  const plain = parseCitation(ref);
  try {
    const r = await resolveDocumentRef(store, ref);
    return { uri: r.doc.uri, anchor: r.anchor };
  } catch (e) {
    if (e instanceof NotFoundError) return plain;
    throw e;
  }
}

function brief(s: SectionRecord): SectionBrief {
  return { id: s.id, heading: s.heading, anchor: s.anchor, part: s.part };
}

/** One section's full text, with its parts and optional structural context. Throws NotFoundError. */
export async function getSection(store: Store, ref: SectionRef, ctx: SectionContextOptions = {}): Promise<SectionView> {
  let section: SectionRecord | undefined;
  let doc: DocumentRecord | undefined;
  let all: SectionRecord[] | undefined;
  let source: SourceRecord | undefined;
  let qualified: boolean | undefined;
  if ('id' in ref) {
    [section] = await store.getSections([ref.id]);
    if (!section) throw new NotFoundError(`no section with id ${ref.id}`, { hint: 'ids come from search results; they change when a document is re-indexed with other headings' });
    doc = await store.getDocument(section.docId);
  } else {
    let anchor: string;
    if ('citation' in ref) {
      const r = await resolveDocumentRef(store, ref.citation);
      ({ doc, anchor, source, qualified } = r);
    } else {
      anchor = ref.anchor;
      doc = await store.getDocumentByUri(ref.uri);
      if (!doc) throw new NotFoundError(`no document ${ref.uri} in the index`, { hint: 'list documents with get_document / `docgraph status`; uris are relative to the ingested folder' });
    }
    all = await store.getDocumentSections(doc.id);
    section = anchor === '' ? all[0] : sectionAt(all, anchor);
    if (!section) throw new NotFoundError(`${doc.uri} has no section with anchor #${anchor}`, { hint: `get_document (\`docgraph document ${doc.uri}\`) lists the anchors of a document` });
  }
  if (!doc) throw new NotFoundError(`the document of section ${section.id} is gone`);
  if (qualified === undefined) {
    const sources = await store.sources();
    qualified = sources.length > 1;
    source = sources.find((x) => x.id === doc.sourceId);
  }
  all ??= await store.getDocumentSections(doc.id);
  const target = section;
  const view: SectionView = {
    section: target,
    document: { id: doc.id, uri: doc.uri, title: doc.title, sourceId: doc.sourceId },
    source: source?.name ?? doc.sourceId,
    version: source?.version ?? null,
    ref: formatSourceCitation(source, doc.uri, target.anchor, qualified),
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
  let document: DocumentRecord | undefined;
  let source: SourceRecord | undefined;
  if ('uri' in ref) {
    document = await store.getDocumentByUri(ref.uri);
    if (!document) throw new NotFoundError(`no document ${ref.uri} in the index`, { hint: 'uris are relative to their source, e.g. guide/install.md' });
    const d = document;
    source = (await store.sources()).find((x) => x.id === d.sourceId);
  } else {
    ({ doc: document, source } = await resolveDocumentRef(store, ref.citation, false));
  }
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
  return { document, source: source?.name ?? document.sourceId, version: source?.version ?? null, outline: roots, sections: sections.length };
}
