import { distance } from 'fastest-levenshtein';
import { sectionAt } from '../domain/anchors.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { spellings } from '../domain/names.js';
import { terms } from '../domain/text.js';
import type { EdgeType, EntityRecord, EntityType, SectionRecord } from '../domain/types.js';
import { messageName } from '../extract/canonical.js';
import { lookupKeys } from '../search/graph.js';
import type { EdgeDirection, Store } from '../store/store.js';
import { formatSourceCitation, resolveDocumentRef } from './documents.js';
import { sourceLabel } from '../domain/sources.js';

export const ENTITY_TYPES: readonly EntityType[] = ['Command', 'ConfigParameter', 'ErrorCode', 'ErrorMessage', 'APISymbol', 'Procedure', 'Step', 'Concept', 'Component'];
export const EDGE_TYPES: readonly EdgeType[] = ['HAS_SECTION', 'PARENT_OF', 'NEXT', 'MENTIONS', 'DEFINES', 'LINKS_TO', 'HAS_STEP', 'RESOLVES', 'RELATED_TO'];
/** Hard caps of `traverse`: anything beyond is refused, not truncated. */
export const TRAVERSE_LIMITS = { maxDepth: 3, maxLimit: 100 } as const;

/** A section as the graph operations cite it. */
export interface SectionCitation {
  id: string;
  uri: string;
  anchor: string;
  /** `name[@version]` of the section's source, when the index holds several (citations then name it: `formatSourceCitation`). */
  source?: string;
  heading: string;
  headingPath: string[];
}

export interface EntityView {
  entity: EntityRecord;
  definedIn: SectionCitation[];
  mentionedIn: (SectionCitation & { count: number })[];
  related: { id: string; type: EntityType; name: string; weight: number }[];
  /** Other entities with the same name but another type. */
  alternatives: { id: string; type: EntityType; name: string }[];
}

async function cite(store: Store, ids: readonly string[]): Promise<Map<string, SectionCitation>> {
  const sections = await store.getSections([...new Set(ids)]);
  const docs = new Map<string, { uri: string; source?: string }>();
  const out = new Map<string, SectionCitation>();
  const labels = await sourceLabels(store);
  for (const s of sections) {
    if (!docs.has(s.docId)) {
      const d = await store.getDocument(s.docId);
      const source = d ? labels?.get(d.sourceId) : undefined;
      docs.set(s.docId, { uri: d?.uri ?? '', ...(source !== undefined ? { source } : {}) });
    }
    const d = docs.get(s.docId)!;
    out.set(s.id, { id: s.id, uri: d.uri, anchor: s.anchor, heading: s.heading, headingPath: s.headingPath, ...(d.source !== undefined ? { source: d.source } : {}) });
  }
  return out;
}

/** Source id → `name[@version]` when the index holds several sources (citations name theirs then); undefined for one. */
async function sourceLabels(store: Store): Promise<Map<string, string> | undefined> {
  const sources = await store.sources();
  return sources.length > 1 ? new Map(sources.map((x) => [x.id, sourceLabel(x)])) : undefined;
}

function checkType(type: string | undefined): EntityType | undefined {
  if (type === undefined) return undefined;
  if (!ENTITY_TYPES.includes(type as EntityType)) throw new InvalidInputError(`unknown entity type "${type}"`, { field: 'type', allowed: ENTITY_TYPES.join(', ') });
  return type as EntityType;
}

async function resolveEntities(store: Store, name: string, types?: readonly EntityType[]): Promise<EntityRecord[]> {
  const n = name.trim();
  if (n === '') throw new InvalidInputError('the name is empty', { field: 'name', allowed: 'an entity name such as ERR_REQUIRE_ESM, --max-old-space-size or fs.readFile' });
  if (n.length > 500) throw new InvalidInputError(`the name is ${n.length} characters long`, { field: 'name', allowed: 'at most 500 characters' });
  return store.findEntities([...new Set([...lookupKeys(n), messageName(n)])], types);
}

/** Most mentioning sections `lookupEntity` lists, strongest first (interfaces page through them). */
export const MAX_MENTIONS = 100;

/** An entity by name (any spelling the docs use), with where it is defined and mentioned and what it relates to. */
export async function lookupEntity(store: Store, name: string, type?: string): Promise<EntityView> {
  const wanted = checkType(type);
  let all = await resolveEntities(store, name);
  if (all.length === 0) {
    // names are looked up as written first; then in any case (err_require_esm, readfile)
    const near = await nearNames(store, name.trim());
    if (near.sameFolded) all = await resolveEntities(store, near.sameFolded);
    if (all.length === 0) {
      throw new NotFoundError(`no ${wanted ?? 'entity'} named "${name}" in the index`, {
        hint: `${near.suggestions.length ? `did you mean ${near.suggestions.join(', ')}? ` : ''}For free text, search the docs instead (\`docgraph search "${name.trim()}"\`, or the search_docs tool).`,
      });
    }
  }
  const matches = wanted ? all.filter((e) => e.type === wanted) : all;
  if (matches.length === 0) {
    throw new NotFoundError(`no ${wanted} named "${name}" in the index`, { hint: `found it as ${all.map((e) => e.type).join(', ')}; drop or change the type` });
  }
  // prefer an entity with a definition
  const withDefs = await Promise.all(matches.map(async (e) => ({ e, defs: await store.edgesOf([e.id], 'in', ['DEFINES'], 20) })));
  withDefs.sort((a, b) => b.defs.length - a.defs.length || a.e.type.localeCompare(b.e.type));
  const { e: entity, defs } = withDefs[0]!;
  // typed mentions, and sections of any document that write one of its spellings untyped
  const counts = new Map<string, number>();
  for (const m of await store.edgesOf([entity.id], 'in', ['MENTIONS'], MAX_MENTIONS)) if (m.src.startsWith('s_')) counts.set(m.src, m.weight);
  for (const n of await store.sectionsNaming(spellings(entity), MAX_MENTIONS)) counts.set(n.sectionId, Math.max(counts.get(n.sectionId) ?? 0, n.count));
  const mentions = [...counts]
    .map(([src, weight]) => ({ src, weight }))
    .sort((a, b) => b.weight - a.weight || (a.src < b.src ? -1 : 1))
    .slice(0, MAX_MENTIONS);
  const relatedEdges = await store.edgesOf([entity.id], 'both', ['RELATED_TO'], 20);
  const relatedIds = relatedEdges.map((x) => (x.src === entity.id ? x.dst : x.src));
  const relatedEntities = new Map((await store.getEntities(relatedIds)).map((r) => [r.id, r]));
  const cites = await cite(store, [...defs.map((d) => d.src), ...mentions.map((m) => m.src)]);
  return {
    entity,
    // the parts of a split section share its citation: list each place once (mentions summed)
    definedIn: onePerPlace(defs.map((d) => cites.get(d.src)).filter((c): c is SectionCitation => c !== undefined), () => undefined),
    mentionedIn: onePerPlace(
      mentions.flatMap((m) => {
        const c = cites.get(m.src);
        return c ? [{ ...c, count: m.weight }] : [];
      }),
      (a, b) => ({ ...a, count: a.count + b.count }),
    ),
    related: mergeRelated(relatedEdges.map((x, i) => ({ id: relatedIds[i]!, weight: x.weight })), relatedEntities),
    alternatives: withDefs.slice(1).map(({ e }) => ({ id: e.id, type: e.type, name: e.name })),
  };
}

/** Keeps the first citation of each uri#anchor (order kept); `merge` folds a later one into it. */
function onePerPlace<T extends SectionCitation>(list: T[], merge: (kept: T, later: T) => T | undefined): T[] {
  const at = new Map<string, number>();
  const out: T[] = [];
  for (const c of list) {
    const key = `${c.uri}#${c.anchor}`;
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, out.length);
      out.push(c);
    } else {
      out[i] = merge(out[i]!, c) ?? out[i]!;
    }
  }
  return out;
}

/** Most names a not-found lookup suggests. */
const MAX_SUGGESTIONS = 5;

/**
 * For a name the index does not hold as written: an entity name or alias
 * equal to it in another case, and the closest names by edit distance
 * (Levenshtein on lower case, at most a third of the name's length) or
 * containing it. Scans the entities once; only runs on the not-found path.
 */
async function nearNames(store: Store, name: string): Promise<{ sameFolded?: string; suggestions: string[] }> {
  const folded = name.toLowerCase();
  const budget = Math.max(1, Math.floor(folded.length / 3));
  const scored: { name: string; d: number }[] = [];
  let sameFolded: string | undefined;
  for await (const e of store.allEntities()) {
    for (const spelling of [e.name, ...e.aliases]) {
      const lower = spelling.toLowerCase();
      if (lower === folded) sameFolded ??= spelling;
      if (Math.abs(lower.length - folded.length) > budget && !lower.includes(folded)) continue;
      const d = lower.includes(folded) ? Math.min(budget, distance(lower, folded)) : distance(lower, folded);
      if (d <= budget) scored.push({ name: e.name, d });
    }
  }
  scored.sort((a, b) => a.d - b.d || a.name.length - b.name.length || (a.name < b.name ? -1 : 1));
  return { ...(sameFolded ? { sameFolded } : {}), suggestions: [...new Set(scored.map((x) => x.name))].slice(0, MAX_SUGGESTIONS) };
}

/** One entry per related entity (edges in both directions summed), strongest first. */
function mergeRelated(pairs: { id: string; weight: number }[], entities: Map<string, EntityRecord>): EntityView['related'] {
  const sum = new Map<string, number>();
  for (const p of pairs) sum.set(p.id, (sum.get(p.id) ?? 0) + p.weight);
  return [...sum]
    .flatMap(([id, weight]) => {
      const r = entities.get(id);
      return r ? [{ id, type: r.type, name: r.name, weight }] : [];
    })
    .sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name));
}

export interface ErrorExplanation {
  query: string;
  errors: { id: string; type: EntityType; name: string }[];
  /** SEARCH: no error entity matched, and this section is a search hit for the text instead. */
  sections: (SectionCitation & { score: number; why: ('DEFINES' | 'RESOLVES' | 'MENTIONS' | 'SEARCH')[] })[];
  /** True when no error code or message of the index matched and the sections come from a search for the text. */
  fallback: boolean;
}

const ERROR_EDGE_SCORE = { DEFINES: 1, RESOLVES: 0.8, MENTIONS: 0.3 } as const;

/** Error codes and exception names as docs and logs write them (ERR_REQUIRE_ESM, EADDRINUSE, E0308, TypeError). */
const ERROR_CODES = /\b(?:ERR_[A-Z0-9_]+|E[A-Z]{3,}|[A-Z][A-Z0-9]*_E\d+|E\d{4}|\d{5}|[A-Z][A-Za-z]+(?:Error|Warning|Exception))\b/g;

/**
 * The search hits explain_error may fall back to for a text that names no
 * known error. A bare code (the text is one code and nothing else) is no
 * message: the words split out of it (`ERR_NOT_IN_THESE_DOCS` gives err, doc)
 * match sections about other things, so only hits whose section contains the
 * code itself are kept. A message keeps all its hits.
 */
export async function fallbackHits<H extends { sectionId: string }>(store: Store, q: string, hits: readonly H[]): Promise<H[]> {
  const codes = q.match(ERROR_CODES) ?? [];
  if (codes.length !== 1 || codes[0] !== q || hits.length === 0) return [...hits];
  const code = terms(q)[0];
  if (code === undefined) return [];
  const holding = new Set((await store.getSections(hits.map((h) => h.sectionId))).filter((s) => terms(`${s.heading} ${s.text}`).includes(code)).map((s) => s.id));
  return hits.filter((h) => holding.has(h.sectionId));
}

/**
 * The sections that define, resolve or mention an error code or message,
 * best first. Sections with equal evidence keep the order of `order` (a
 * search for the text: rank by section id), so five mentions of the same
 * weight come in the order that fits the question, not by id.
 */
export async function explainError(store: Store, codeOrMessage: string, limit = 10, order: ReadonlyMap<string, number> = new Map()): Promise<ErrorExplanation> {
  const q = codeOrMessage.trim();
  if (q === '') throw new InvalidInputError('the error code or message is empty', { field: 'code_or_message', allowed: 'an error code such as ERR_REQUIRE_ESM or EADDRINUSE, or the message text' });
  if (q.length > 2000) throw new InvalidInputError(`the error text is ${q.length} characters long`, { field: 'code_or_message', allowed: 'at most 2000 characters' });
  // a whole log line is no entity name, but the codes in it may be
  const candidates = [...(q.length <= 500 ? [q] : []), ...(q.match(ERROR_CODES) ?? [])];
  const found = new Map<string, EntityRecord>();
  for (const c of candidates) for (const e of await resolveEntities(store, c, ['ErrorCode', 'ErrorMessage'])) found.set(e.id, e);
  if (found.size === 0) {
    throw new NotFoundError(`no error code or message matching "${q.slice(0, 120)}" in the index`, {
      hint: 'pass the code (e.g. ERR_REQUIRE_ESM, EADDRINUSE) or the message text as the docs write it; search_docs finds free text',
    });
  }
  const scores = new Map<string, { score: number; why: Set<'DEFINES' | 'RESOLVES' | 'MENTIONS'> }>();
  for (const e of found.values()) {
    for (const edge of await store.edgesOf([e.id], 'in', ['DEFINES', 'RESOLVES', 'MENTIONS'], 100)) {
      if (!edge.src.startsWith('s_')) continue;
      const type = edge.type as keyof typeof ERROR_EDGE_SCORE;
      const cur = scores.get(edge.src) ?? { score: 0, why: new Set() };
      cur.score += ERROR_EDGE_SCORE[type] * (type === 'MENTIONS' ? Math.min(1, edge.weight / 2) : 1);
      cur.why.add(type);
      scores.set(edge.src, cur);
    }
  }
  const rankIn = (id: string): number => order.get(id) ?? Infinity;
  const ranked = [...scores].sort((a, b) => b[1].score - a[1].score || rankIn(a[0]) - rankIn(b[0]) || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
  const cites = await cite(store, ranked.map(([id]) => id));
  return {
    query: q,
    fallback: false,
    errors: [...found.values()].map((e) => ({ id: e.id, type: e.type, name: e.name })),
    sections: ranked.flatMap(([id, v]) => {
      const c = cites.get(id);
      return c ? [{ ...c, score: Math.round(v.score * 1000) / 1000, why: [...v.why].sort() }] : [];
    }),
  };
}

export interface ProcedureView {
  procedure: { id: string; name: string; title: string };
  section: SectionCitation;
  steps: { order: number; text: string }[];
  /** A section of the same document whose heading says it lists prerequisites, when there is one. */
  prerequisites: SectionCitation | null;
}

/**
 * The procedure (ordered steps) that best answers a task: the first procedure
 * defined in the ranked sections (search hits for the task) whose heading
 * path, title and steps hold at least half of the task's words (stemmed, stop
 * words left out). Search always ranks something first, and every section is
 * somewhat near any query by meaning; without the word check a task the docs
 * do not cover would get whichever procedure is least far.
 */
export async function getProcedure(store: Store, task: string, rankedSectionIds: readonly string[]): Promise<ProcedureView | undefined> {
  const wanted = new Set(terms(task));
  // candidates: the procedures the ranked sections define, and those of their subsections ("### Steps")
  let best: { coverage: number; view: Omit<ProcedureView, 'prerequisites'>; sid: string } | undefined;
  const seen = new Set<string>();
  for (const hit of rankedSectionIds) {
    const children = (await store.edgesOf([hit], 'out', ['PARENT_OF'], 20)).map((e) => e.dst);
    for (const sid of [hit, ...children]) {
      const defs = await store.edgesOf([sid], 'out', ['DEFINES'], 50);
      for (const proc of (await store.getEntities(defs.map((d) => d.dst))).filter((e) => e.type === 'Procedure')) {
        if (seen.has(proc.id)) continue;
        seen.add(proc.id);
        const stepEdges = await store.edgesOf([proc.id], 'out', ['HAS_STEP'], 200);
        const steps = (await store.getEntities(stepEdges.map((e) => e.dst)))
          .map((st) => ({ order: Number(st.attributes.order ?? 0), text: String(st.attributes.text ?? st.name) }))
          .sort((x, y) => x.order - y.order);
        const section = (await cite(store, [sid])).get(sid);
        if (!section) continue;
        const said = new Set(terms([...section.headingPath, String(proc.attributes.title ?? ''), ...steps.map((st) => st.text)].join('\n')));
        const coverage = wanted.size === 0 ? 0 : [...wanted].filter((t) => said.has(t)).length / wanted.size;
        // at least half the task's words; the best coverage wins, the better-ranked on a tie
        if (coverage < 0.5 || (best && coverage <= best.coverage)) continue;
        best = { coverage, sid, view: { procedure: { id: proc.id, name: proc.name, title: String(proc.attributes.title ?? proc.name) }, section, steps } };
      }
    }
  }
  if (!best) return undefined;
  const [sec] = await store.getSections([best.sid]);
  const siblings: SectionRecord[] = sec ? (await store.getDocumentSections(sec.docId)).filter((x) => /prerequisite|before you (begin|start)|requirements/i.test(x.heading)) : [];
  const pre = siblings[0] ? ((await cite(store, [siblings[0].id])).get(siblings[0].id) ?? null) : null;
  return { ...best.view, prerequisites: pre };
}

export interface TraverseRequest {
  /** An entity name or id (e_…), a section id (s_…), a document id (d_…) or a citation uri#anchor. */
  from: string;
  relations?: readonly string[];
  direction?: string;
  depth?: number;
  limit?: number;
}

export interface TraverseResult {
  start: { id: string; kind: 'entity' | 'section' | 'document'; label: string }[];
  /** Every end of every edge; `missing` is a link target the index does not hold (a page not ingested). */
  nodes: { id: string; kind: 'entity' | 'section' | 'document' | 'missing'; label: string; type?: EntityType; uri?: string; anchor?: string; source?: string }[];
  edges: { src: string; dst: string; type: EdgeType; weight: number; depth: number }[];
  truncated: boolean;
}

/** A typed, capped traversal of the graph; arguments beyond the caps are refused with what is allowed. */
export async function traverse(store: Store, req: TraverseRequest): Promise<TraverseResult> {
  const depth = req.depth ?? 1;
  const limit = req.limit ?? 50;
  const direction = (req.direction ?? 'both') as EdgeDirection;
  if (!Number.isInteger(depth) || depth < 1 || depth > TRAVERSE_LIMITS.maxDepth) throw new InvalidInputError(`depth ${depth} is out of range`, { field: 'depth', allowed: `a whole number from 1 to ${TRAVERSE_LIMITS.maxDepth}` });
  if (!Number.isInteger(limit) || limit < 1 || limit > TRAVERSE_LIMITS.maxLimit) throw new InvalidInputError(`limit ${limit} is out of range`, { field: 'limit', allowed: `a whole number from 1 to ${TRAVERSE_LIMITS.maxLimit}` });
  if (!['out', 'in', 'both'].includes(direction)) throw new InvalidInputError(`direction "${String(req.direction)}" is not one of out, in, both`, { field: 'direction', allowed: 'out, in, both' });
  for (const r of req.relations ?? []) {
    if (!EDGE_TYPES.includes(r as EdgeType)) throw new InvalidInputError(`unknown relation "${r}"`, { field: 'relations', allowed: EDGE_TYPES.join(', ') });
  }
  const start = await resolveStart(store, req.from);
  const steps = await store.traverse(start.map((s) => s.id), { types: req.relations as EdgeType[] | undefined, direction, depth, limit: limit + 1 });
  const truncated = steps.length > limit;
  const edges = steps.slice(0, limit).map((e) => ({ src: e.src, dst: e.dst, type: e.type, weight: e.weight, depth: e.depth }));
  const ids = [...new Set(edges.flatMap((e) => [e.src, e.dst]))];
  const nodes = await describeNodes(store, ids);
  return { start, nodes, edges, truncated };
}

async function resolveStart(store: Store, from: string): Promise<TraverseResult['start']> {
  const f = from.trim();
  if (f === '') throw new InvalidInputError('from is empty', { field: 'from', allowed: 'an entity name or id (e_…), a section id (s_…), a document id (d_…) or uri#anchor' });
  if (/^[sde]_[0-9a-f]{24}$/.test(f)) {
    const [n] = await describeNodes(store, [f]);
    if (!n || n.kind === 'missing') throw new NotFoundError(`no node with id ${f}`);
    return [{ id: n.id, kind: n.kind, label: n.kind === 'entity' ? `${n.type} ${n.label}` : n.label }];
  }
  const entities = await resolveEntities(store, f);
  if (entities.length > 0) return entities.map((e) => ({ id: e.id, kind: 'entity' as const, label: `${e.type} ${e.name}` }));
  if (f.includes('#') || /\.(md|markdown|mdx|html?|xhtml|pdf|docx)$/i.test(f)) {
    const found = await resolveDocumentRef(store, f).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    if (found) {
      const { doc, anchor, source, qualified } = found;
      if (anchor === '') return [{ id: doc.id, kind: 'document', label: formatSourceCitation(source, doc.uri, '', qualified) }];
      const s = sectionAt(await store.getDocumentSections(doc.id), anchor);
      if (s) return [{ id: s.id, kind: 'section', label: formatSourceCitation(source, doc.uri, s.anchor, qualified) }];
      throw new NotFoundError(`${formatSourceCitation(source, doc.uri, '', qualified)} has no section with anchor #${anchor}`, { hint: 'get_document lists the anchors of a document' });
    }
  }
  throw new NotFoundError(`nothing named "${f}" in the graph`, { hint: 'use an exact entity name (lookup_entity), a section id from search results, or uri#anchor' });
}

async function describeNodes(store: Store, ids: readonly string[]): Promise<TraverseResult['nodes']> {
  const out: TraverseResult['nodes'] = [];
  const entities = new Map((await store.getEntities(ids.filter((i) => i.startsWith('e_')))).map((e) => [e.id, e]));
  const sections = await cite(store, ids.filter((i) => i.startsWith('s_')));
  for (const id of ids) {
    const e = entities.get(id);
    if (e) {
      out.push({ id, kind: 'entity', label: e.name, type: e.type });
      continue;
    }
    const s = sections.get(id);
    if (s) {
      out.push({ id, kind: 'section', label: s.heading, uri: s.uri, anchor: s.anchor, ...(s.source !== undefined ? { source: s.source } : {}) });
      continue;
    }
    const d = id.startsWith('d_') ? await store.getDocument(id) : undefined;
    const source = d ? (await sourceLabels(store))?.get(d.sourceId) : undefined;
    if (d) out.push({ id, kind: 'document', label: d.title, uri: d.uri, ...(source !== undefined ? { source } : {}) });
    else out.push({ id, kind: 'missing', label: '(not in the index)' });
  }
  return out;
}
