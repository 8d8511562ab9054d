import { queryWordKeys, spellings, wordCoverage } from '../domain/names.js';
import type { EdgeType, EntityRecord, EntityType, GraphPath } from '../domain/types.js';
import { conceptName, flagName, settingName } from '../extract/canonical.js';
import type { ScoredSection, Store } from '../store/store.js';
import type { FusedCandidate, RankedSection } from './fusion.js';
import type { Intent, QueryPlan } from './planner.js';

/** How a hit was reached through the graph; every graph-found hit carries at least one. */
export type Via = GraphPath;

export interface GraphList {
  list: RankedSection[];
  via: Map<string, Via[]>;
}

/** Entity types a query of each intent most likely names. */
const PREFERRED: Record<Intent, readonly EntityType[]> = {
  error: ['ErrorCode', 'ErrorMessage'],
  config: ['ConfigParameter'],
  command: ['Command', 'ConfigParameter'],
  api: ['APISymbol', 'ConfigParameter'],
  concept: ['Concept', 'APISymbol'],
  relationship: ['APISymbol', 'Concept', 'Command'],
  howto: ['Procedure', 'APISymbol', 'Command', 'ConfigParameter'],
};

const EDGE_SCORE = { DEFINES: 1, RESOLVES: 0.8, MENTIONS: 0.15 } as const;
const MAX_ENTITIES = 12;
/** Evidence weight of an entity found only through a phrase of the query rather than a name it spells out. */
export const INCIDENTAL = 0.25;
const MENTIONS_PER_ENTITY = 5;
/** Weight of an entity of a type the intent does not prefer. */
const NOT_PREFERRED = 0.6;
/** Evidence weight of an entity found by the words of its name (times the share of its words the query has). */
const WORDS = 0.5;
const MAX_WORD_ENTITIES = 6;
/** Evidence of a section that mentions every thing the query names (shared by the things it mentions). */
const COVER = 1;

/** The exact keys under which a name may be stored: as written, without `()`, and its canonical setting/flag/concept forms. */
export function lookupKeys(name: string): string[] {
  const bare = name.replace(/\(\)$/, '');
  const keys = new Set([name, bare, bare + '()']);
  const flag = flagName(bare);
  if (flag) keys.add(flag);
  if (/^[\w.-]+$/.test(bare)) keys.add(settingName(bare));
  if (/\s/.test(bare)) keys.add(conceptName(bare));
  return [...keys].filter((k) => k !== '');
}

/** Multi-word phrases of the query (2–3 words) that may name a defined concept. */
function conceptPhrases(query: string): string[] {
  const words = query.toLowerCase().match(/[a-z][a-z0-9-]*/g) ?? [];
  const out: string[] = [];
  for (let n = 2; n <= 3; n++) for (let i = 0; i + n <= words.length; i++) out.push(conceptName(words.slice(i, i + n).join(' ')));
  return out;
}

/**
 * The entity retriever: sections that define, resolve or mention the things
 * the query names, found by exact lookup. Definitions outrank resolutions,
 * which outrank mentions; entities of the types the intent prefers count fully.
 */
export async function entityRetriever(store: Store, plan: QueryPlan, limit: number): Promise<GraphList> {
  const keys = [...new Set([...plan.names.flatMap(lookupKeys), ...conceptPhrases(plan.query)])];
  // words of the names the query spells out are looked up as those names, not as loose words
  const plain = plan.names.reduce((q, n) => q.split(n).join(' '), plan.query);
  const wordKeys = queryWordKeys(plain);
  const via = new Map<string, Via[]>();
  if (keys.length === 0 && wordKeys.length === 0) return { list: [], via };
  const preferred = PREFERRED[plan.intent];
  // an error question asks about the error: another thing it names (the exception class the error is an
  // instance of, the API that raised it) is context there, weighed like a thing the query names in passing
  const otherType = plan.intent === 'error' ? INCIDENTAL : NOT_PREFERRED;
  const typeWeight = (e: EntityRecord): number => (preferred.includes(e.type) ? 1 : otherType);
  const found = await store.findEntities(keys);
  // Concepts found only through incidental phrases are weak evidence; named things are strong.
  const named = new Set(plan.names.flatMap(lookupKeys));
  const byName = found.map((e) => ({ e, w: typeWeight(e) * (isNamed(e, named) ? 1 : INCIDENTAL) }));
  // Things the query describes in the words of their name ("keep-alive timeout" → `keepAliveTimeout`)
  const seen = new Set(found.map((e) => e.id));
  const byWords = (wordKeys.length > 0 ? await store.findEntities(wordKeys) : [])
    .filter((e) => !seen.has(e.id))
    .map((e) => ({ e, w: typeWeight(e) * WORDS * wordCoverage(e.name, plain) }))
    .filter((x) => x.w > 0)
    .sort((a, b) => b.w - a.w || a.e.name.localeCompare(b.e.name))
    .slice(0, MAX_WORD_ENTITIES);
  const ranked = [...byName, ...byWords].sort((a, b) => b.w - a.w || a.e.name.localeCompare(b.e.name)).slice(0, MAX_ENTITIES);
  const scores = new Map<string, number>();
  const add = (sectionId: string, score: number, e: EntityRecord, edge: 'DEFINES' | 'RESOLVES' | 'MENTIONS'): void => {
    scores.set(sectionId, (scores.get(sectionId) ?? 0) + score);
    push(via, sectionId, { kind: 'entity', entity: e.name, type: e.type, edge });
  };
  // a section that mentions several of the things the query names is about how they meet
  const namedFound = new Set(ranked.filter(({ e }) => isNamed(e, named)).map(({ e }) => e.id)).size;
  // Mentions count for an error (the sections that mention it are where it is raised) and, when the query
  // names two things or more, for the named ones (a section mentioning them all). Otherwise they are not
  // read: a common name has thousands of them in a large index, and their rows cost more than the rest.
  const wantsMentions = (e: EntityRecord): boolean => plan.intent === 'error' || (namedFound >= 2 && isNamed(e, named));
  // section → the named entities it mentions (typed edges or untyped names)
  const mentioning = new Map<string, Set<EntityRecord>>();
  // untyped names of the ranked entities, fetched at once
  const untyped = new Map<string, { sectionId: string; count: number }[]>();
  const spelled = [...new Set(ranked.filter(({ e }) => wantsMentions(e)).flatMap(({ e }) => spellings(e)))];
  for (const n of spelled.length > 0 ? await store.sectionsNaming(spelled, ranked.length * 400) : []) {
    untyped.set(n.name, [...(untyped.get(n.name) ?? []), n]);
  }
  for (const { e, w } of ranked) {
    const withMentions = wantsMentions(e);
    const edges = await store.edgesOf([e.id], 'in', withMentions ? ['DEFINES', 'RESOLVES', 'MENTIONS'] : ['DEFINES', 'RESOLVES'], 400);
    const mentions: { sectionId: string; weight: number }[] = [];
    for (const edge of edges) {
      if (!edge.src.startsWith('s_')) continue;
      if (edge.type === 'MENTIONS') mentions.push({ sectionId: edge.src, weight: edge.weight });
      else if (edge.type === 'DEFINES' || edge.type === 'RESOLVES') add(edge.src, (edge.type === 'RESOLVES' && plan.intent === 'error' ? 1 : EDGE_SCORE[edge.type]) * w, e, edge.type);
    }
    if (!withMentions) continue;
    for (const sp of spellings(e)) for (const n of untyped.get(sp) ?? []) mentions.push({ sectionId: n.sectionId, weight: n.count });
    if (isNamed(e, named)) for (const m of mentions) mentioning.set(m.sectionId, (mentioning.get(m.sectionId) ?? new Set()).add(e));
    // mentions are weak evidence, except for errors: the sections that mention an error are where it is raised
    if (plan.intent !== 'error') continue;
    for (const m of mentions.sort((x, y) => y.weight - x.weight).slice(0, MENTIONS_PER_ENTITY)) add(m.sectionId, EDGE_SCORE.MENTIONS * w * Math.min(1, m.weight / 3), e, 'MENTIONS');
  }
  if (namedFound >= 2) {
    for (const [sectionId, set] of mentioning) {
      if (set.size < 2) continue;
      // COVER × the share of the named things it mentions, split among them
      for (const e of set) add(sectionId, COVER / namedFound, e, 'MENTIONS');
    }
  }
  const list = [...scores].map(([sectionId, score]) => ({ sectionId, score })).sort(byScore).slice(0, limit);
  return { list, via };
}

function isNamed(e: EntityRecord, named: Set<string>): boolean {
  return named.has(e.name) || e.aliases.some((a) => named.has(a));
}

type Hop = 'PARENT_OF' | 'CHILD_OF' | 'LINKS_TO' | 'DEFINED_BY';

/** Hop decay per edge kind; relationship questions lean on links more. */
function decay(intent: Intent): Record<Hop, number> {
  return { PARENT_OF: 0.5, CHILD_OF: 0.35, LINKS_TO: intent === 'relationship' ? 0.6 : 0.4, DEFINED_BY: 1 };
}

/** Edges read for all seeds at once: far above what a few seeds hold (a hub page links a few hundred). */
const EXPANSION_EDGE_LIMIT = 100_000;

/** Entities a seed mentions that are followed to their definitions, most mentioned first. */
const MENTIONED_PER_SEED = 8;

/**
 * Graph expansion from the best hits: their parent sections (context), their
 * first children, the sections they link to, and the definitions of the
 * things they mention, each scored by the seed's score times a decay for the hop.
 */
export async function expand(store: Store, seeds: readonly FusedCandidate[], plan: QueryPlan, limit: number): Promise<GraphList> {
  const via = new Map<string, Via[]>();
  const scores = new Map<string, number>();
  const seedIds = new Set(seeds.map((s) => s.sectionId));
  const top = seeds[0]?.score ?? 1;
  const d = decay(plan.intent);
  const definitions = await definitionsOfMentioned(store, [...seedIds], PREFERRED[plan.intent]);
  // every seed's edges in two lookups; each seed keeps its own first few, in the store's order
  const ids = [...seedIds];
  const outAll = ids.length > 0 ? await store.edgesOf(ids, 'out', ['LINKS_TO', 'PARENT_OF'] as EdgeType[], EXPANSION_EDGE_LIMIT) : [];
  const inAll = ids.length > 0 ? await store.edgesOf(ids, 'in', ['PARENT_OF'] as EdgeType[], EXPANSION_EDGE_LIMIT) : [];
  for (const seed of seeds) {
    const base = seed.score / top;
    const out = outAll.filter((e) => e.src === seed.sectionId).slice(0, 30);
    const into = inAll.filter((e) => e.dst === seed.sectionId).slice(0, 1);
    const steps: { id: string; edge: Hop; w: number }[] = [
      ...into.map((e) => ({ id: e.src, edge: 'PARENT_OF' as const, w: 1 })),
      ...out.filter((e) => e.type === 'PARENT_OF').slice(0, 3).map((e) => ({ id: e.dst, edge: 'CHILD_OF' as const, w: 1 })),
      ...out.filter((e) => e.type === 'LINKS_TO').slice(0, 10).map((e) => ({ id: e.dst, edge: 'LINKS_TO' as const, w: 1 })),
      ...(definitions.get(seed.sectionId) ?? []),
    ];
    for (const step of steps) {
      if (!step.id.startsWith('s_') || seedIds.has(step.id)) continue;
      scores.set(step.id, (scores.get(step.id) ?? 0) + base * d[step.edge] * step.w);
      push(via, step.id, { kind: 'expansion', from: seed.sectionId, edge: step.edge, hops: step.edge === 'DEFINED_BY' ? 2 : 1 });
    }
  }
  const list = [...scores].map(([sectionId, score]) => ({ sectionId, score })).sort(byScore).slice(0, limit);
  return { list, via };
}

/**
 * Mention → definition: the sections that define the things a seed talks
 * about (of the types the intent prefers), e.g. the flag a troubleshooting
 * section names in passing. Weighted by how often the seed mentions it.
 */
async function definitionsOfMentioned(store: Store, seeds: readonly string[], types: readonly EntityType[]): Promise<Map<string, { id: string; edge: 'DEFINED_BY'; w: number }[]>> {
  const out = new Map<string, { id: string; edge: 'DEFINED_BY'; w: number }[]>();
  // (seed, entity) → occurrences, from typed MENTIONS edges and from untyped names resolved now
  const typed = await store.edgesOf(seeds, 'out', ['MENTIONS'], seeds.length * 50);
  const untyped = await store.namesIn(seeds);
  const entities = new Map((await store.getEntities([...new Set(typed.map((m) => m.dst))])).map((e) => [e.id, e]));
  const byName = new Map<string, EntityRecord[]>();
  if (untyped.length > 0) {
    for (const e of await store.findEntities([...new Set(untyped.flatMap((n) => [n.name, n.name + '()']))], types)) {
      for (const sp of spellings(e)) byName.set(sp, [...(byName.get(sp) ?? []), e]);
    }
  }
  const mentioned = new Map<string, Map<string, number>>();
  const note = (seed: string, e: EntityRecord | undefined, count: number): void => {
    if (!e || !types.includes(e.type)) return;
    const m = mentioned.get(seed) ?? new Map<string, number>();
    m.set(e.id, Math.max(m.get(e.id) ?? 0, count));
    mentioned.set(seed, m);
  };
  for (const m of typed) note(m.src, entities.get(m.dst), m.weight);
  for (const n of untyped) for (const e of byName.get(n.name) ?? []) note(n.sectionId, e, n.count);
  // the most mentioned few of each seed
  const followed = new Map<string, Map<string, number>>();
  for (const [seed, m] of mentioned) {
    const top = [...m].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, MENTIONED_PER_SEED);
    followed.set(seed, new Map(top.map(([id, count]) => [id, Math.min(1, count / 2)])));
  }
  const ids = [...new Set([...followed.values()].flatMap((m) => [...m.keys()]))];
  if (ids.length === 0) return out;
  const defs = await store.edgesOf(ids, 'in', ['DEFINES'], ids.length * 20);
  for (const [seed, m] of followed) {
    out.set(seed, defs.filter((d) => d.src !== seed && m.has(d.dst)).map((d) => ({ id: d.src, edge: 'DEFINED_BY' as const, w: m.get(d.dst)! })));
  }
  return out;
}

/**
 * The intent's type prior: among the best candidates of the first fusion, the
 * sections that define a thing of a type the intent asks for (a setting for a
 * config question, an error code for an error question). Each keeps its rank
 * in the first fusion, so the prior nudges close candidates and cannot lift a
 * weak one over a strong one; a section that defines many (a function's option
 * list) counts less than one that defines one.
 */
export async function definitionPrior(store: Store, candidates: readonly FusedCandidate[], plan: QueryPlan): Promise<GraphList> {
  const via = new Map<string, Via[]>();
  const types = [...(PRIOR_TYPES[plan.intent] ?? []), ...(plan.also ? (PRIOR_TYPES[plan.also] ?? []) : [])];
  if (types.length === 0 || candidates.length === 0) return { list: [], via };
  const ids = candidates.map((c) => c.sectionId);
  const defs = await store.edgesOf(ids, 'out', ['DEFINES'], ids.length * 20);
  const entities = new Map((await store.getEntities([...new Set(defs.map((d) => d.dst))])).map((e) => [e.id, e]));
  // a section that defines one setting is about it; one that defines twenty options is a function's reference
  const count = new Map<string, number>();
  const first = new Map<string, EntityRecord>();
  for (const d of defs) {
    const e = entities.get(d.dst);
    if (!e || !types.includes(e.type)) continue;
    count.set(d.src, (count.get(d.src) ?? 0) + 1);
    if (!first.has(d.src)) first.set(d.src, e);
  }
  const list: RankedSection[] = [];
  candidates.forEach((c, i) => {
    const n = count.get(c.sectionId);
    if (n === undefined) return;
    list.push({ sectionId: c.sectionId, score: 1 / Math.sqrt(n), rank: i + 1 });
    const e = first.get(c.sectionId)!;
    push(via, c.sectionId, { kind: 'entity', entity: e.name, type: e.type, edge: 'DEFINES' });
  });
  return { list, via };
}

/** What each intent's answer usually is: a how-to is often answered by a procedure or by a setting. */
const PRIOR_TYPES: Partial<Record<Intent, readonly EntityType[]>> = {
  config: ['ConfigParameter'],
  command: ['Command', 'ConfigParameter'],
  error: ['ErrorCode', 'ErrorMessage'],
  howto: ['Procedure', 'ConfigParameter'],
};

function push(via: Map<string, Via[]>, id: string, v: Via): void {
  const list = via.get(id);
  if (list) {
    if (list.length < 5) list.push(v);
  } else via.set(id, [v]);
}

function byScore(a: ScoredSection, b: ScoredSection): number {
  return b.score - a.score || (a.sectionId < b.sectionId ? -1 : a.sectionId > b.sectionId ? 1 : 0);
}
