/**
 * Rule-based extraction of the entities and relations of technical docs
 * (DESIGN §4): pure, no model, no I/O; about 0.2 ms per section.
 *
 * How a document is read:
 * 1. `scan` reads each section's Markdown once: fenced blocks, code spans,
 *    list items.
 * 2. First pass, section by section in document order: the section's own
 *    heading may define entities (the first rule that recognises it wins:
 *    errors, config, commands, API, concepts); list entries, definition lists
 *    and glossaries define more; code spans are classified (errors, commands,
 *    config, API — first claim wins, so an occurrence counts once); shell, SQL
 *    and config blocks give commands, flags, settings; output and comments
 *    give error messages; ordered lists give procedures.
 * 3. Second pass, with what the document itself defines: code spans no rule
 *    claimed (`-c` after "`-c`, `--check`", a bare `Buffer` after
 *    "Class: `Buffer`"), "the `'close'` event", phrases of defined concepts
 *    and spaced settings ("worker connections"), API uses in code examples.
 * 4. Edges: DEFINES (section → entity its heading, entry or definition
 *    defines), MENTIONS (weight = occurrences), RELATED_TO (what a section
 *    defines by its heading → what else it names, at most 25, weight =
 *    occurrences; plus explicit ties: flag ↔ command, option → function,
 *    event → emitter, message → code), RESOLVES (a section that says how to
 *    fix an error it names), HAS_STEP (weight = order), HAS_SECTION (document
 *    → top-level sections), PARENT_OF, NEXT, LINKS_TO (see structure.ts).
 *
 * Entities are per document: the same id from several documents is the same
 * entity (`entityId(type, canonical name)`). Aliases and attributes are what
 * this document says; a definition's attributes win over a mention's.
 */
import { append } from '../domain/arrays.js';
import type { EdgeRecord, EntityRecord, NameMention, SectionRecord } from '../domain/types.js';
import { apiHeading, apiSpan, eventMentions, LOWER_DOTTED } from './api.js';
import { isNoise, settingAliases } from './canonical.js';
import { commandHeading, commandSpan, commandsInBlock, documentPrograms } from './commands.js';
import { conceptHeading, conceptsInText } from './concepts.js';
import { configHeading, configInBlock, configListEntries, configSpan, openParamAfter } from './config.js';
import { errorHeading, errorListEntries, errorMessages, errorSpan, resolvedErrors } from './errors.js';
import { keyOf, type DocContext, type EntityKey, type Finding, type SectionContext, type SpanRule } from './finding.js';
import { cmp, GraphBuilder } from './graph.js';
import { procedures, type ProcedureFinding } from './procedures.js';
import { scan, sentenceAt } from './scan.js';
import { linkEdges, structureEdges, type SectionResolver } from './structure.js';

export { resolverFromSections, type SectionResolver } from './structure.js';

/** One document's sections, as `toRecords` produces them (in document order, with ids and links). */
export interface ExtractInput {
  sourceId: string;
  docId: string;
  /** uri of the document, relative to its source root. */
  uri: string;
  title: string;
  sections: SectionRecord[];
}

/**
 * Entities and edges of one document. Edges run between section ids, entity
 * ids and (HAS_SECTION, document-level LINKS_TO) document ids; `evidence` is
 * the section id that shows the edge. Both lists are sorted and free of
 * duplicates: the same input always gives deep-equal output.
 *
 * Edge weights: MENTIONS = occurrences in the section; LINKS_TO = number of
 * links; RELATED_TO = co-occurrences; HAS_STEP = the step's 1-based order;
 * all others 1.
 */
export interface Extraction {
  entities: EntityRecord[];
  edges: EdgeRecord[];
  /**
   * Names a section writes in code that no rule and nothing this document
   * defines could type (`__dirname` in a guide, defined in another page).
   * They are matched against the whole index when read, so a mention of a
   * thing defined elsewhere counts however the documents were ingested.
   * Sorted by section, then name.
   */
  untypedNames: NameMention[];
}

/** At most this many RELATED_TO edges leave one defined entity per section (the most mentioned win). */
const MAX_RELATED = 25;

/** Span rules in priority order: the first that recognises a span claims it. */
const SPAN_RULES: readonly SpanRule[] = [commandSpan, configSpan, apiSpan];

interface SectionResult {
  ctx: SectionContext;
  findings: Finding[];
  /** Inline code no rule claimed; resolved against the document's own entities in the second pass. */
  unclaimed: string[];
  /** Unclaimed spans the document could not resolve either: names to resolve across the index. */
  untyped: string[];
  procedures: ProcedureFinding[];
}

/**
 * Extracts the entities and relations of one document with rules (no model,
 * no I/O). `resolveSection` maps link targets in other documents to section
 * ids; without it (or when it returns undefined) LINKS_TO points at the
 * target document id.
 */
export function extractDocument(input: ExtractInput, resolveSection?: SectionResolver): Extraction {
  return withLinks(extractContent(input), input, resolveSection);
}

/**
 * Everything extractDocument finds except the LINKS_TO edges: those alone
 * need other documents (`resolveSection`), so this part can run where the
 * file is parsed, on a parse thread, and `withLinks` adds them later.
 */
export function extractContent(input: ExtractInput): Extraction {
  const g = new GraphBuilder();
  const sections = input.sections;
  structureEdges(input.docId, sections, g);

  const views = sections.map((s) => scan(s.text));
  const { programs, main } = documentPrograms(views.flatMap((v) => v.blocks));
  const doc: DocContext = { uri: input.uri, title: input.title, programs, mainProgram: main };

  const headingDefs = new Map<string, Finding[]>();
  const byId = new Map(sections.map((s) => [s.id, s]));
  let open: string | undefined;
  const results: SectionResult[] = sections.map((section, i) => {
    const view = views[i]!;
    const ancestorDefs: Finding[] = [];
    for (let p = section.parentId; p !== null; p = byId.get(p)?.parentId ?? null) append(ancestorDefs, headingDefs.get(p) ?? []);
    const base: SectionContext = {
      doc,
      section,
      view,
      ancestors: section.headingPath.slice(0, -1),
      ancestorDefs,
      headingDefs: [],
      first: section.part <= 1,
      ...(section.part > 1 && open ? { openParam: open } : {}),
    };
    open = openParamAfter(view.items, section.part > 1 ? open : undefined);
    // later parts of a split section share the heading (and what it defines) with the first part
    const prevPart = i > 0 && section.part > 1 ? sections[i - 1] : undefined;
    const defs = prevPart && prevPart.headingPath.join('\u001f') === section.headingPath.join('\u001f') ? (headingDefs.get(prevPart.id) ?? []) : headingFindings(section, base);
    headingDefs.set(section.id, defs);
    const ctx: SectionContext = { ...base, headingDefs: defs };
    const prev = i > 0 ? sections[i - 1] : undefined;
    const before = prev && section.part > 1 && prev.part === section.part - 1 ? views[i - 1]!.prose : '';
    return firstPass(ctx, before);
  });

  const known: Known = { table: aliasTable(results), events: eventTable(results), phrases: phraseTable(results), receivers: receivers(results) };
  for (const r of results) secondPass(r, known);

  for (const r of results) emit(r, g);
  return { ...g.build(), untypedNames: untypedNames(results) };
}

/**
 * `content` (from extractContent) with the document's LINKS_TO edges added:
 * the same result extractDocument gives. Only linkEdges makes LINKS_TO edges,
 * so the two edge lists never hold the same edge and merge by sorting.
 */
export function withLinks(content: Extraction, input: ExtractInput, resolveSection?: SectionResolver): Extraction {
  const g = new GraphBuilder();
  linkEdges(input.sourceId, input.uri, input.sections, g, resolveSection);
  const links = g.build().edges;
  if (links.length === 0) return content;
  const edges = content.edges.slice();
  append(edges, links);
  edges.sort((a, b) => cmp(a.type, b.type) || cmp(a.src, b.src) || cmp(a.dst, b.dst));
  return { entities: content.entities, edges, untypedNames: content.untypedNames };
}

/** Longest name kept for resolution across documents; longer spans are code, not names. */
const MAX_NAME = 120;

function untypedNames(results: readonly SectionResult[]): NameMention[] {
  const out: NameMention[] = [];
  for (const r of results) {
    const counts = new Map<string, number>();
    for (const raw of r.untyped) {
      const name = raw.replace(/\(\)$/, '');
      if (name.length > MAX_NAME || /\s/.test(name) || isNoise(name)) continue;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    for (const [name, count] of counts) out.push({ sectionId: r.ctx.section.id, name, count });
  }
  return out.sort((a, b) => cmp(a.sectionId, b.sectionId) || cmp(a.name, b.name));
}

/** Entities a section's own heading defines; the first rule that recognises the heading wins. */
function headingFindings(section: SectionRecord, ctx: SectionContext): Finding[] {
  if (section.level === 0 || section.heading === '') return [];
  const heading = section.heading;
  const plain = section.headingPath[section.headingPath.length - 1] ?? heading;
  let found = errorHeading(heading, plain, ctx);
  if (found.length === 0) found = configHeading(heading, ctx);
  if (found.length === 0) found = commandHeading(heading, plain, ctx);
  if (found.length === 0) found = apiHeading(heading, plain, ctx);
  if (found.length === 0) found = conceptHeading(heading, plain, ctx);
  return found;
}

function classifySpan(code: string, sentence: () => string, ctx: SectionContext): Finding[] | undefined {
  const err = errorSpan(code, sentence, ctx);
  if (err) return err;
  if (isNoise(code)) return undefined;
  for (const rule of SPAN_RULES) {
    const found = rule(code, sentence, ctx);
    if (found) return found;
  }
  return undefined;
}

function firstPass(ctx: SectionContext, before: string): SectionResult {
  const { view, section } = ctx;
  const findings: Finding[] = [];
  const unclaimed: string[] = [];
  if (ctx.first) {
    append(findings, ctx.headingDefs);
    if (ctx.headingDefs.length === 0) {
      for (const m of section.heading.matchAll(/`([^`]+)`/g)) {
        const found = classifySpan(m[1]!.trim(), () => section.heading, ctx);
        if (found) append(findings, found);
        else unclaimed.push(m[1]!.trim());
      }
    }
  }
  append(findings, errorListEntries(ctx));
  append(findings, configListEntries(ctx));
  append(findings, conceptsInText(ctx));
  for (const span of view.spans) {
    let sentence: string | undefined;
    // cue words are looked for in running text, not in other code spans; the span itself stands where it was
    const around = (): string => (sentence ??= sentenceAt(view.plain, span.start, span.end, ` ${span.code} `));
    const found = classifySpan(span.code, around, ctx);
    if (found) append(findings, found);
    else unclaimed.push(span.code);
  }
  for (const block of view.blocks) {
    append(findings, commandsInBlock(block));
    append(findings, configInBlock(block));
  }
  append(findings, errorMessages(view));
  return { ctx, findings, unclaimed, untyped: [], procedures: procedures(ctx, before) };
}

type AliasTable = Map<string, EntityKey | null>;

/** What the first pass learnt about the document's own entities. */
interface Known {
  table: AliasTable;
  events: ReadonlyMap<string, readonly EntityKey[]>;
  phrases: ReadonlyMap<string, EntityKey>;
  /** First segments of the API names the document defines (`buf` of `buf.length`, `process`). */
  receivers: ReadonlySet<string>;
}

function receivers(results: readonly SectionResult[]): Set<string> {
  const out = new Set<string>();
  for (const r of results) {
    for (const f of r.findings) if (f.type === 'APISymbol' && f.role === 'defines') out.add(f.name.replace(/^new /, '').split(/[.[:]/)[0]!);
  }
  return out;
}

/**
 * Surface form → entity, from what the document itself defines (first) and
 * mentions; a surface that names two entities is ambiguous (null) and never used.
 */
function aliasTable(results: readonly SectionResult[]): AliasTable {
  const defined: AliasTable = new Map();
  const mentioned: AliasTable = new Map();
  const put = (t: AliasTable, s: string, k: EntityKey): void => {
    const old = t.get(s);
    if (old === undefined) t.set(s, { type: k.type, name: k.name });
    else if (old !== null && keyOf(old) !== keyOf(k)) t.set(s, null);
  };
  for (const r of results) {
    for (const f of r.findings) {
      const t = f.role === 'defines' ? defined : mentioned;
      put(t, f.name, f);
      for (const s of f.surfaces ?? []) put(t, s, f);
    }
  }
  for (const [s, k] of mentioned) if (!defined.has(s)) defined.set(s, k);
  return defined;
}

/** Event name → the events of that name the document defines. */
function eventTable(results: readonly SectionResult[]): Map<string, EntityKey[]> {
  const out = new Map<string, EntityKey[]>();
  const seen = new Set<string>();
  for (const r of results) {
    for (const f of r.findings) {
      const event = f.attributes?.event;
      if (f.type !== 'APISymbol' || f.role !== 'defines' || typeof event !== 'string' || seen.has(f.name)) continue;
      seen.add(f.name);
      out.set(event, [...(out.get(event) ?? []), { type: f.type, name: f.name }]);
    }
  }
  return out;
}

/** Lower-case phrases of concepts and settings the document names, matched in running text. */
function phraseTable(results: readonly SectionResult[]): Map<string, EntityKey> {
  const out = new Map<string, EntityKey | null>();
  const put = (p: string, k: EntityKey): void => {
    const phrase = p.toLowerCase();
    if (phrase.length < 3) return;
    const old = out.get(phrase);
    if (old === undefined) out.set(phrase, { type: k.type, name: k.name });
    else if (old !== null && keyOf(old) !== keyOf(k)) out.set(phrase, null);
  };
  for (const r of results) {
    for (const f of r.findings) {
      if (f.type === 'Concept' && f.role === 'defines') for (const p of [f.name, ...(f.surfaces ?? [])]) put(p, f);
      else if (f.type === 'ConfigParameter' && f.attributes?.kind === 'setting') for (const p of settingAliases(f.name)) if (p.includes(' ')) put(p, f);
    }
  }
  const clean = new Map<string, EntityKey>();
  for (const [p, k] of out) if (k) clean.set(p, k);
  return clean;
}

const CODE_LANGS = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript', 'jsx', 'tsx', 'c', 'cpp', 'c++', 'h']);
const CODE_IDENT = /\bnew\s+[A-Za-z_$][\w$.]*|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+/g;

/** Resolves what the first pass left: unclaimed spans, event names, phrases in prose, API uses in code examples. */
function secondPass(r: SectionResult, { table, events, phrases, receivers }: Known): void {
  const add = (k: EntityKey): void => {
    r.findings.push({ type: k.type, name: k.name, role: 'mentions' });
  };
  for (const code of r.unclaimed) {
    const k = table.get(code) ?? table.get(code.replace(/\(\)$/, ''));
    if (k) add(k);
    else if (LOWER_DOTTED.test(code) && receivers.has(code.split('.')[0]!)) r.findings.push({ type: 'APISymbol', name: code, role: 'mentions', attributes: { kind: 'property' } });
    else r.untyped.push(code);
  }
  append(r.findings, eventMentions(r.ctx, events));
  if (phrases.size > 0) {
    const plain = r.ctx.view.plain.toLowerCase();
    for (const [phrase, k] of phrases) {
      let at = plain.indexOf(phrase);
      while (at >= 0) {
        const before = at === 0 ? ' ' : plain[at - 1]!;
        const after = plain[at + phrase.length] ?? ' ';
        if (!/[A-Za-z0-9-]/.test(before) && !/[A-Za-z0-9-]/.test(after)) add(k);
        at = plain.indexOf(phrase, at + phrase.length);
      }
    }
  }
  for (const block of r.ctx.view.blocks) {
    if (!CODE_LANGS.has(block.lang)) continue;
    for (const line of block.lines) {
      if (!line.includes('.') && !line.includes('new ')) continue;
      for (const m of line.matchAll(CODE_IDENT)) {
        const k = table.get(m[0].replace(/^new\s+/, 'new '));
        if (k && k.type === 'APISymbol') add(k);
      }
    }
  }
}

/** Turns a section's findings into entities and DEFINES, MENTIONS, RELATED_TO, RESOLVES, HAS_STEP edges. */
function emit(r: SectionResult, g: GraphBuilder): void {
  const sid = r.ctx.section.id;
  const counts = new Map<string, { id: string; n: number; name: string }>();
  for (const f of r.findings) {
    const id = g.add(f);
    if (f.role === 'defines') g.edge('DEFINES', sid, id, 1, sid);
    else {
      const c = counts.get(id);
      if (c) c.n++;
      else counts.set(id, { id, n: 1, name: f.name });
    }
    for (const rel of f.related ?? []) g.edge('RELATED_TO', id, g.ref(rel), 1, sid, 'sum');
  }
  for (const { id, n } of counts.values()) g.edge('MENTIONS', sid, id, n, sid, 'sum');
  for (const e of resolvedErrors(r.ctx, r.findings)) g.edge('RESOLVES', sid, g.ref(e), 1, sid);
  for (const p of r.procedures) {
    const pid = g.add(p.procedure);
    g.edge('DEFINES', sid, pid, 1, sid);
    for (const { step, order } of p.steps) g.edge('HAS_STEP', pid, g.add(step), order, sid);
  }
  // co-occurrence: what a section defines by its heading is related to what else it names
  if (r.ctx.headingDefs.length === 0) return;
  const defined = r.ctx.headingDefs.map((f) => g.ref(f));
  const others = new Map<string, { id: string; n: number; name: string }>();
  for (const f of r.findings) {
    const id = g.ref(f);
    if (defined.includes(id)) continue;
    const c = others.get(id) ?? { id, n: 0, name: f.name };
    c.n++;
    others.set(id, c);
  }
  const top = [...others.values()].sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1)).slice(0, MAX_RELATED);
  for (const d of defined) for (const o of top) g.edge('RELATED_TO', d, o.id, o.n, sid, 'sum');
}
