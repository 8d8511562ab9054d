import { InvalidInputError } from '../domain/errors.js';
import { rawTokens, terms, wholeForm } from '../domain/text.js';
import type { DocumentRecord, Retriever, SearchHit, SearchResult, SectionRecord } from '../domain/types.js';
import { timed, timedSync } from '../observability/telemetry.js';
import type { Embedder } from '../embed/embedder.js';
import type { ScoredSection, SearchFilters, SectionKey, SourceRecord, Store, TermWeights } from '../store/store.js';
import { DEFAULT_FUSION, fuse, type FusedCandidate, type FusionWeights } from './fusion.js';
import { definitionPrior, entityRetriever, expand, type Via } from './graph.js';
import { plan } from './planner.js';
import { asksAboutChange, isReleaseNotes, RELEASE_NOTES_LEXICAL_TOP, RELEASE_NOTES_WEIGHT } from './release-notes.js';
import { shingles, withoutNearDuplicates } from './near-duplicates.js';
import { makeSnippet } from './snippet.js';
import { defaultSynonyms, groupWeights, type SynonymTable } from './synonyms.js';

/**
 * `graph` (the default) = lexical + vector + entity retrieval, fused, then
 * expanded over the graph; `fused` = lexical + vector only; `lexical` and
 * `vector` = one retriever each (for evaluation and debugging).
 */
export type SearchMode = 'graph' | 'fused' | 'lexical' | 'vector';
export const SEARCH_MODES: readonly SearchMode[] = ['graph', 'fused', 'lexical', 'vector'];

export interface SearchOptions {
  /** Hits to return, 1–100. Default 10. */
  limit?: number;
  /** Skip this many hits first (for paging). Default 0. */
  offset?: number;
  mode?: SearchMode;
  filters?: SearchFilters;
  fusion?: FusionWeights;
  /** Per-document diversity decay, 0–1 (1 = none). Default DOC_DIVERSITY. */
  diversity?: number;
}

export interface SearchDeps {
  store: Store;
  /** The embedder that built the stored vectors; without one, search is lexical only. */
  embedder: Embedder | undefined;
  /** Query-word synonyms (search.synonyms); default the builtin table. */
  synonyms?: SynonymTable;
}

/** Candidates each retriever contributes before fusion. */
const CANDIDATES = 100;
export const MAX_QUERY_CHARS = 2000;

/**
 * Answers a query with ranked, citable sections: lexical (BM25) and vector
 * retrieval run side by side and are fused; each hit carries its uri, anchor,
 * heading path, a marked snippet, and the score parts that put it there. A
 * failing retriever degrades the answer (listed in `degraded`), it does not fail it.
 */
export async function search(deps: SearchDeps, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const started = performance.now();
  const q = query.trim();
  if (q === '') throw new InvalidInputError('the query is empty', { field: 'query', allowed: 'a question or keywords, 1–2000 characters' });
  if (q.length > MAX_QUERY_CHARS) throw new InvalidInputError(`the query is ${q.length} characters long`, { field: 'query', allowed: 'at most 2000 characters' });
  const limit = options.limit ?? 10;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new InvalidInputError(`limit must be a whole number from 1 to 100, got ${limit}`, { field: 'limit', allowed: '1–100' });
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidInputError(`offset must be a whole number ≥ 0, got ${offset}`, { field: 'offset', allowed: '≥ 0' });
  const mode = options.mode ?? 'graph';
  const queryTerms = terms(q);
  // abbreviations and everyday words ask for the words the docs use too (src/search/synonyms.ts)
  const expansion = (deps.synonyms ?? defaultSynonyms()).expand(q, queryTerms);
  const lexicalTerms = expansion.terms.length > 0 ? [...queryTerms, ...expansion.terms] : queryTerms;
  const degraded: Retriever[] = [];
  const want = Math.max(CANDIDATES, offset + limit);
  const fusion = options.fusion ?? DEFAULT_FUSION;
  const queryPlan = timedSync('plan', () => plan(q));

  // each stage is timed into the current telemetry record (metrics and trace spans are made from it)
  const lexical =
    mode === 'vector'
      ? undefined
      : timed(
          'lexical',
          lexicalQuery(deps.store, lexicalTerms, expansion.groups).then((l) => deps.store.lexicalSearch(l.terms, want, options.filters, l.weights)),
        );
  const vector =
    mode === 'lexical'
      ? undefined
      : timed(
          'vector',
          vectorCandidates(deps, expansion.words.length > 0 ? `${q} ${expansion.words.join(' ')}` : q, want, options.filters).catch(() => {
            degraded.push('vector');
            return [];
          }),
        );
  const entity = mode === 'graph' ? timed('entity', () => entityRetriever(deps.store, queryPlan, want)) : undefined;
  const lists: Partial<Record<Retriever, ScoredSection[]>> = {};
  if (lexical) lists.lexical = await lexical;
  if (vector) lists.vector = await vector;
  // pages: whole-page lexical evidence, so the page that answers ranks above pages that mention a word once
  if (lists.lexical && mode !== 'lexical' && (fusion.weights.page ?? 0) > 0) lists.page = await pageList(deps.store, lists.lexical);
  const via = new Map<string, Via[]>();
  let fused: FusedCandidate[];
  if (entity) {
    const found = await entity;
    lists.entity = await keepFiltered(deps.store, found.list, options.filters);
    mergeVia(via, found.via);
    let first = await timed('fusion', async () => {
      let f = fuse(lists, fusion);
      const prior = await definitionPrior(deps.store, f.slice(0, PRIOR_CANDIDATES), queryPlan);
      if (prior.list.length > 0) {
        lists.prior = prior.list;
        mergeVia(via, prior.via);
        f = fuse(lists, fusion);
      }
      return f;
    });
    first = await timed('expansion', async () => {
      const expanded = await expand(deps.store, first.slice(0, EXPANSION_SEEDS), queryPlan, want);
      lists.graph = await keepFiltered(deps.store, expanded.list, options.filters);
      mergeVia(via, expanded.via);
      return fuse(lists, fusion);
    });
    fused = first;
  } else {
    fused = timedSync('fusion', () => fuse(lists, fusion));
  }
  if (lists.lexical) fused = standoutFirst(fused, lists.lexical);
  // one hit per section: the best-scoring part of a split section stands for all its parts
  let window = fused.slice(0, Math.max(WINDOW_MIN, (offset + limit) * 3));
  // keys (no text) and documents for the window; whole sections only for the hits shown and the best one (for `weak`)
  const keys = new Map((await deps.store.sectionKeys(window.map((c) => c.sectionId))).map((s) => [s.id, s]));
  const docs = new Map<string, DocumentRecord>((await deps.store.getDocuments([...new Set([...keys.values()].map((k) => k.docId))])).map((d) => [d.id, d]));
  if (mode === 'graph' && !asksAboutChange(q)) window = weighReleaseNotes(window, (c) => docs.get(keys.get(c.sectionId)?.docId ?? ''));
  if (mode === 'graph') window = exactHeadingFirst(window, keys, queryTerms);
  const seenSections = new Set<string>();
  const distinct: FusedCandidate[] = [];
  for (const c of window) {
    const s = keys.get(c.sectionId);
    if (!s) continue; // deleted between retrieval and fetch
    const key = `${s.docId}#${s.anchor}#${s.headingPath.join('\u001f')}`;
    if (seenSections.has(key)) continue;
    seenSections.add(key);
    distinct.push(c);
  }
  const rolled = mode === 'graph' ? rollUp(distinct, keys, queryTerms) : distinct;
  const docOf = (c: FusedCandidate): string => keys.get(c.sectionId)!.docId;
  let kept: FusedCandidate[];
  let sections: Map<string, SectionRecord>;
  if (mode === 'graph') {
    // the same passage on several pages (shared includes, mirrored guides) is shown once, at its best rank
    // (texts read in steps, as far down the list as the copies reach: every page of one search cuts the same list)
    const ordered = diversify(rolled, docOf, options.diversity ?? DOC_DIVERSITY, rolled.length);
    const want = offset + limit;
    sections = new Map();
    const shingled = new Map<string, Set<number>>(); // each text shingled once, however many steps it takes
    let read = 0;
    do {
      const step = ordered.slice(read, read + (read === 0 ? want * 2 : want));
      read += step.length;
      for (const s of step.length > 0 ? await deps.store.getSections(step.map((c) => c.sectionId)) : []) {
        sections.set(s.id, s);
        shingled.set(s.id, shingles(s.text));
      }
      kept = withoutNearDuplicates(ordered.slice(0, read), docOf, (c) => shingled.get(c.sectionId), want);
    } while (kept.length < want && read < ordered.length);
  } else {
    kept = diversify(rolled, docOf, options.diversity ?? DOC_DIVERSITY, offset + limit);
    const shown = kept[0] && offset > 0 ? [kept[0], ...kept.slice(offset, offset + limit)] : kept.slice(offset, offset + limit);
    sections = new Map((shown.length > 0 ? await deps.store.getSections(shown.map((c) => c.sectionId)) : []).map((s) => [s.id, s]));
  }
  const page = kept.slice(offset, offset + limit);

  const sources = page.length > 0 ? new Map((await deps.store.sources()).map((x) => [x.id, x])) : new Map<string, SourceRecord>();
  const termSet = new Set(lexicalTerms);
  const hits: SearchHit[] = [];
  const confidenceOf = new Map<string, number>(); // unrounded, for `weak` below
  for (const c of page) {
    const s = sections.get(c.sectionId);
    if (!s) continue; // deleted between retrieval and fetch
    // every window candidate's document was read above
    const doc = docs.get(s.docId);
    if (!doc) continue;
    const conf = confidence(hitFeatures(queryTerms, s, doc.title, c.parts), offset + hits.length + 1);
    confidenceOf.set(s.id, conf);
    hits.push({
      sectionId: s.id,
      docId: s.docId,
      source: sources.get(doc.sourceId)?.name ?? doc.sourceId,
      version: sources.get(doc.sourceId)?.version ?? null,
      uri: doc.uri,
      anchor: s.anchor,
      heading: s.heading,
      headingPath: s.headingPath,
      title: doc.title,
      snippet: makeSnippet(s.text || s.heading, termSet),
      score: round(c.score),
      confidence: Math.round(conf * 1000) / 1000,
      parts: Object.fromEntries(Object.entries(c.parts).map(([k, v]) => [k, { score: round(v.score), rank: v.rank }])),
      ...(via.has(s.id) && (c.parts.entity || c.parts.graph || c.parts.prior) ? { via: via.get(s.id) } : {}),
    });
  }
  // judged on the best hit of the whole list, so every page of one search says the same
  let weak = true;
  const first = kept[0] && sections.get(kept[0].sectionId);
  if (first) {
    // on the first page the best hit's confidence was just computed (at rank 1)
    let best = offset === 0 ? confidenceOf.get(first.id) : undefined;
    if (best === undefined) {
      best = confidence(hitFeatures(queryTerms, first, docs.get(first.docId)?.title ?? '', kept[0]!.parts), 1);
    }
    weak = best < WEAK_BELOW;
  }
  // a name the question spells out that no section holds: the hits match its parts or other words, not it
  const unknownNames = hits.length > 0 ? await namesNotIndexed(deps.store, q) : [];
  if (unknownNames.length > 0) weak = true;
  return {
    query: q,
    hits,
    degraded,
    weak,
    tookMs: round(performance.now() - started),
    ...(mode === 'graph' ? { intent: queryPlan.intent } : {}),
    ...(expansion.words.length > 0 ? { expanded: expansion.words } : {}),
    ...(unknownNames.length > 0 ? { unknownNames } : {}),
  };
}

/**
 * A raw token shaped like a name, not a word: letters with `_ . : $`, a
 * camelCase joint, or a leading dash (`--watch`). Hyphenated words
 * (`per-project`, `CPU-heavy`) and numbers (`3.11`, `18.0.0`) are not names,
 * nor are places: paths, URLs and `file:line` (a pasted log line's frames).
 */
const NAME_SHAPE = /^(?=.*\p{L})(?!.*\/)(?!.*:\d)(?:--?\p{L}|.*[_.:$].|.*\p{Ll}\p{Lu})/u;

/**
 * Identifiers the query writes (a name with parts: `ERR_SOCKET_TIMEOUT`,
 * `fs.readFileSync`, `maxListeners`, `--max-old-space-size`) that no section
 * of the index holds, as the query writes them. Its parts may still match
 * (err, socket, timeout), which is why a search for an unknown name finds
 * something; `weak` says that it is not the thing asked for.
 */
export async function namesNotIndexed(store: Store, q: string): Promise<string[]> {
  const names = new Map<string, string>(); // whole form → as written
  for (const raw of rawTokens(q)) {
    if (!NAME_SHAPE.test(raw)) continue;
    const parts = terms(raw);
    const whole = parts[0];
    // a plain word yields one term; a name with parts yields its whole form first, then the parts
    if (whole !== undefined && parts.length > 1 && whole === wholeForm(raw) && !names.has(whole)) names.set(whole, raw);
  }
  if (names.size === 0) return [];
  const { counts } = await store.termSectionCounts([...names.keys()]);
  return [...names].filter(([whole]) => (counts.get(whole) ?? 0) === 0).map(([, raw]) => raw);
}

/**
 * A lexical hit whose BM25 score is at least this many times the next one's
 * stands out: the query's words single that section out (a quoted sentence,
 * a rare name). Rank fusion sees ranks only, so a candidate that is second in
 * every list could overtake it; such a hit goes first. 1.2 was chosen on both
 * dev sets and checked by known-item search (docs/benchmarks.md, "Session 14:
 * a lexical hit that stands out").
 */
export const LEXICAL_STANDOUT = 1.2;

/** The fused list with a standout lexical hit (LEXICAL_STANDOUT) first. */
function standoutFirst(fused: FusedCandidate[], lexical: readonly ScoredSection[]): FusedCandidate[] {
  const [best, next] = lexical;
  if (!best || !next || !(next.score > 0) || best.score < LEXICAL_STANDOUT * next.score) return fused;
  const at = fused.findIndex((c) => c.sectionId === best.sectionId);
  if (at <= 0) return fused;
  return toFront(fused, [fused[at]!]);
}

/**
 * `list` with `chosen` (candidates of it, in their order) moved to the front,
 * their scores raised just above the first's, so a later re-ranking by score
 * keeps them there in that order.
 */
function toFront(list: readonly FusedCandidate[], chosen: readonly FusedCandidate[]): FusedCandidate[] {
  const top = list[0]!.score;
  const raised = chosen.map((c, i) => ({ ...c, score: top + Math.abs(top) * 1e-9 * (chosen.length - i) }));
  return [...raised, ...list.filter((c) => !chosen.includes(c))];
}

/**
 * A section whose own heading is the query (the same terms, at least two:
 * "Binding uploaded files to a form") is the thing asked for by its name:
 * it goes first, before sections that match the words in all the lists
 * (rank fusion sees ranks only, and a section's vector is mostly its body's).
 * Several such sections keep their order. Graph mode only.
 */
export function exactHeadingFirst(window: readonly FusedCandidate[], keys: ReadonlyMap<string, SectionKey>, queryTerms: readonly string[]): FusedCandidate[] {
  const asked = new Set(queryTerms);
  if (asked.size < 2 || window.length === 0) return [...window];
  const isExact = (c: FusedCandidate): boolean => {
    const own = keys.get(c.sectionId)?.headingPath.at(-1);
    if (own === undefined) return false;
    const heading = new Set(terms(own));
    return heading.size === asked.size && [...heading].every((t) => asked.has(t));
  };
  const exact = window.filter(isExact);
  if (exact.length === 0 || exact.every((c, i) => window[i] === c)) return [...window];
  return toFront(window, exact);
}

/** Release-note sections weighed down (src/search/release-notes.ts), the window re-ranked. */
function weighReleaseNotes(window: readonly FusedCandidate[], docOf: (c: FusedCandidate) => DocumentRecord | undefined): FusedCandidate[] {
  let changed = false;
  const out = window.map((c) => {
    const d = docOf(c);
    if (!d || !isReleaseNotes(d) || (c.parts.lexical?.rank ?? Infinity) <= RELEASE_NOTES_LEXICAL_TOP) return c;
    changed = true;
    return { ...c, score: c.score * RELEASE_NOTES_WEIGHT };
  });
  return changed ? out.sort((a, b) => b.score - a.score || (a.sectionId < b.sectionId ? -1 : 1)) : out;
}

/**
 * A term held by more than this share of all sections is left out of the
 * lexical query (when another term remains): "python" in the Python docs,
 * "object" in most API references. Its BM25 weight is close to nothing, yet
 * scoring every section that holds it was a third of the lexical retriever's
 * time; leaving it out moved no dev set down and Python section Hit@5 up
 * (docs/benchmarks.md, "Common terms").
 */
export const COMMON_TERM_SHARE = 0.3;
/**
 * Below this many sections no term is left out: a share of a few dozen
 * sections is too noisy to call a word common ("err" in 5 of 16 is 31%), and
 * scoring every section that holds it costs nothing there.
 */
export const COMMON_TERM_MIN_SECTIONS = 1000;

/**
 * The query terms worth a lexical lookup: those the index holds, in at most
 * COMMON_TERM_SHARE of the sections. When no term is both, or the index is
 * small, all of them (a query of common words alone still ranks by them).
 * With them, the weights that make a word and its synonyms count as one term
 * (`groupWeights`, synonyms.ts).
 */
async function lexicalQuery(store: Store, queryTerms: readonly string[], groups: readonly (readonly string[])[]): Promise<{ terms: readonly string[]; weights?: TermWeights }> {
  const unique = [...new Set(queryTerms)];
  if (unique.length < 2 && groups.length === 0) return { terms: unique };
  const { sections, counts } = await store.termSectionCounts(unique);
  const weights = groupWeights(groups, sections, counts);
  if (unique.length < 2 || sections < COMMON_TERM_MIN_SECTIONS) return { terms: unique, weights };
  const kept = unique.filter((t) => {
    const n = counts.get(t) ?? 0;
    return n > 0 && n <= COMMON_TERM_SHARE * sections;
  });
  return { terms: kept.length > 0 ? kept : unique, weights };
}

/**
 * Pages ranked by the lexical evidence of all their sections in the lexical
 * list (a page's best section counts fully, each further one half as much as
 * the one before), each page represented by its best section. A page that
 * answers a question usually matches it in several sections; a page that
 * mentions one query word in one short section does not.
 */
async function pageList(store: Store, lexical: ScoredSection[]): Promise<ScoredSection[]> {
  const unknown = lexical.filter((l) => l.docId === undefined).map((l) => l.sectionId);
  const docOf = new Map((unknown.length > 0 ? await store.getSections(unknown) : []).map((s) => [s.id, s.docId]));
  const byDoc = new Map<string, { score: number; n: number; best: string }>();
  for (const l of lexical) {
    const docId = l.docId ?? docOf.get(l.sectionId);
    if (docId === undefined) continue;
    const d = byDoc.get(docId);
    if (!d) byDoc.set(docId, { score: l.score, n: 1, best: l.sectionId });
    else {
      d.score += l.score * 0.5 ** d.n;
      d.n++;
    }
  }
  return [...byDoc.values()].sort((a, b) => b.score - a.score || (a.best < b.best ? -1 : 1)).map((d) => ({ sectionId: d.best, score: d.score }));
}

/** What a hit's confidence is computed from (all in 0–1). */
export interface HitFeatures {
  /** Share of the query's distinct terms found in the section (heading path and text). */
  coverage: number;
  /** Share of the query's distinct terms found in the section's title and headings. */
  headingCoverage: number;
  /** Cosine similarity of the query and section vectors (0 when the vector retriever did not list it). */
  cosine: number;
}

export function hitFeatures(queryTerms: readonly string[], section: { heading: string; headingPath: readonly string[]; text: string }, title: string, parts: FusedCandidate['parts']): HitFeatures {
  const q = new Set(queryTerms);
  if (q.size === 0) return { coverage: 0, headingCoverage: 0, cosine: 0 };
  const head = new Set(terms([title, ...section.headingPath, section.heading].join(' ')));
  const body = new Set(terms(section.text));
  let inHead = 0;
  let inAny = 0;
  for (const t of q) {
    if (head.has(t)) inHead++;
    if (head.has(t) || body.has(t)) inAny++;
  }
  return { coverage: inAny / q.size, headingCoverage: inHead / q.size, cosine: Math.max(0, parts.vector?.score ?? 0) };
}

/**
 * Logistic weights of hit confidence: bias, coverage, heading coverage,
 * cosine, 1/rank. Fitted by bench/calibrate.ts on both dev sets (the label:
 * the hit's page is judged relevant); its calibration error is in
 * docs/benchmarks.md.
 */
const CONFIDENCE = [-3.751, 1.177, 1.688, 4.469, 1.306] as const;
/** A result whose best hit has less confidence than this is flagged `weak`. */
export const WEAK_BELOW = 0.5;

/**
 * Estimated probability (0–1) that a hit's page answers the query, from
 * features that mean the same in every query: how much of the query the
 * section and its headings contain, how close its vector is, and its rank.
 */
export function confidence(f: HitFeatures, rank: number): number {
  const [b, cov, head, cos, r] = CONFIDENCE;
  return 1 / (1 + Math.exp(-(b + cov * f.coverage + head * f.headingCoverage + cos * f.cosine + r / rank)));
}

/** Top hits looked at for siblings that stand for their parent (ROLLUP_SIBLINGS of them). */
export const ROLLUP_TOP = 5;
export const ROLLUP_SIBLINGS = 3;

/**
 * Sibling sections that fill the top of the list, none of them named by the
 * query, stand for their parent: the options listed under "Command-line
 * interface" (entries are sections of their own) each match "time a snippet
 * from the command line" through the heading path they share, and the answer
 * is the interface's section. The parent, when a retriever found it too,
 * goes just before the first of them; the siblings stay, after it. A sibling
 * whose own heading holds a query term is an answer in its own right and
 * does not count. Chosen on both dev sets
 * (docs/benchmarks.md, "Session 15: siblings stand for their parent"): Python
 * section Hit@5 +1 query, nothing else moves, at every ROLLUP_TOP 3–10 and
 * ROLLUP_SIBLINGS 2–4 tried; without the heading check it cost the Node sets.
 * Graph mode only: it reads the section tree, and the other modes are each
 * retriever's own ranking.
 */
function rollUp(list: FusedCandidate[], keys: ReadonlyMap<string, SectionKey>, queryTerms: readonly string[]): FusedCandidate[] {
  const siblings = new Map<string, number[]>(); // parent → positions of its children that count
  const asked = new Set(queryTerms);
  for (const [i, c] of list.slice(0, ROLLUP_TOP).entries()) {
    const k = keys.get(c.sectionId);
    if (!k?.parentId) continue;
    // a sibling named in the query is an answer of its own (Buffer.alloc beside Buffer.allocUnsafe)
    if (terms(k.headingPath.at(-1) ?? '').some((t) => asked.has(t))) continue;
    siblings.set(k.parentId, [...(siblings.get(k.parentId) ?? []), i]);
  }
  let parent: string | undefined;
  for (const [p, at] of siblings) if (at.length >= ROLLUP_SIBLINGS && (parent === undefined || at.length > siblings.get(parent)!.length)) parent = p;
  if (parent === undefined) return list;
  const first = siblings.get(parent)![0]!;
  const at = list.findIndex((c) => c.sectionId === parent);
  // the parent must be a candidate already (some retriever found it), and below its first sibling
  if (at < first) return list;
  const out = list.filter((c) => c.sectionId !== parent);
  out.splice(first, 0, { ...list[at]!, score: list[first]!.score * (1 + 1e-9) });
  return out;
}

/** Fused candidates looked at for the page: enough that diversity can reach past one long document. */
const WINDOW_MIN = 60;

/**
 * Past the first DIVERSITY_FREE hits of a document, each further hit from it
 * has its score multiplied by this once more (d, d², ...): a long single-page
 * manual cannot fill the list, while a page that holds a few strong answers
 * still shows them. A stronger discount, or one from the second hit on,
 * costs section Hit@5 on both dev sets (docs/benchmarks.md).
 */
export const DOC_DIVERSITY = 0.6;
/** Hits per document before the diversity discount starts. */
export const DIVERSITY_FREE = 4;

/**
 * Greedy re-ranking for per-document diversity: repeatedly takes the
 * candidate with the best score after the discount for the hits its document
 * already has. Stable: ties keep fusion order.
 */
export function diversify<T extends { score: number }>(candidates: readonly T[], docOf: (c: T) => string, decay: number, want: number): T[] {
  if (decay >= 1) return candidates.slice(0, want);
  const left = [...candidates];
  const shown = new Map<string, number>();
  const out: T[] = [];
  while (out.length < want && left.length > 0) {
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < left.length; i++) {
      const c = left[i]!;
      const adjusted = c.score * decay ** Math.max(0, (shown.get(docOf(c)) ?? 0) + 1 - DIVERSITY_FREE);
      if (adjusted > bestScore) {
        best = i;
        bestScore = adjusted;
      }
    }
    const [c] = left.splice(best, 1);
    out.push(c!);
    shown.set(docOf(c!), (shown.get(docOf(c!)) ?? 0) + 1);
  }
  return out;
}

/** Candidates of the first fusion the intent's type prior looks at. */
const PRIOR_CANDIDATES = 20;

/** Seeds for graph expansion: the best few hits of the first fusion. */
const EXPANSION_SEEDS = 5;

/** Graph retrievers walk edges regardless of filters; with filters active, drop what they exclude. */
async function keepFiltered(store: Store, list: ScoredSection[], filters: SearchFilters | undefined): Promise<ScoredSection[]> {
  if (!filters || (!filters.sourceId && !filters.sourceIds && !filters.uriPrefix && !(filters.tags && filters.tags.length > 0)) || list.length === 0) return list;
  const allowed = await store.sectionsMatching(list.map((s) => s.sectionId), filters);
  return list.filter((s) => allowed.has(s.sectionId));
}

function mergeVia(into: Map<string, Via[]>, from: Map<string, Via[]>): void {
  for (const [id, v] of from) into.set(id, [...(into.get(id) ?? []), ...v].slice(0, 5));
}

async function vectorCandidates(deps: SearchDeps, q: string, want: number, filters: SearchFilters | undefined) {
  if (!deps.embedder) throw new Error('no embedder');
  const [vec] = await deps.embedder.embed([q], 'query');
  return deps.store.vectorSearch(vec!, want, filters);
}

function round(n: number): number {
  return Math.round(n * 10000) / 10000;
}
