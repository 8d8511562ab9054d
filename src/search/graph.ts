import type { EdgeType, EntityRecord, EntityType, GraphPath } from '../domain/types.js';
import { conceptName, flagName, settingName } from '../extract/canonical.js';
import type { ScoredSection, Store } from '../store/store.js';
import type { FusedCandidate } from './fusion.js';
import type { Intent, QueryPlan } from './planner.js';

/** How a hit was reached through the graph; every graph-found hit carries at least one. */
export type Via = GraphPath;

export interface GraphList {
  list: ScoredSection[];
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
const INCIDENTAL = 0.25;
const MENTIONS_PER_ENTITY = 5;

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
  const via = new Map<string, Via[]>();
  if (keys.length === 0) return { list: [], via };
  const preferred = PREFERRED[plan.intent];
  const found = await store.findEntities(keys);
  // Concepts found only through incidental phrases are weak evidence; named things are strong.
  const named = new Set(plan.names.flatMap(lookupKeys));
  const ranked = found
    .map((e) => ({ e, w: (preferred.includes(e.type) ? 1 : 0.6) * (isNamed(e, named) ? 1 : INCIDENTAL) }))
    .sort((a, b) => b.w - a.w || a.e.name.localeCompare(b.e.name))
    .slice(0, MAX_ENTITIES);
  const scores = new Map<string, number>();
  for (const { e, w } of ranked) {
    // mentions are weak evidence, except for errors: the sections that mention an error are where it is raised
    const types: EdgeType[] = plan.intent === 'error' ? ['DEFINES', 'RESOLVES', 'MENTIONS'] : ['DEFINES', 'RESOLVES'];
    const edges = await store.edgesOf([e.id], 'in', types, 200);
    let mentions = 0;
    for (const edge of edges) {
      if (!edge.src.startsWith('s_')) continue;
      const type = edge.type as keyof typeof EDGE_SCORE;
      if (type === 'MENTIONS' && ++mentions > MENTIONS_PER_ENTITY) continue;
      let s = EDGE_SCORE[type] * w;
      if (type === 'RESOLVES' && plan.intent === 'error') s = w;
      if (type === 'MENTIONS') s *= Math.min(1, edge.weight / 3);
      scores.set(edge.src, (scores.get(edge.src) ?? 0) + s);
      push(via, edge.src, { kind: 'entity', entity: e.name, type: e.type, edge: type });
    }
  }
  const list = [...scores].map(([sectionId, score]) => ({ sectionId, score })).sort(byScore).slice(0, limit);
  return { list, via };
}

function isNamed(e: EntityRecord, named: Set<string>): boolean {
  return named.has(e.name) || e.aliases.some((a) => named.has(a));
}

/** Hop decay per edge kind; relationship questions lean on links more. */
function decay(intent: Intent): Record<'PARENT_OF' | 'CHILD_OF' | 'LINKS_TO', number> {
  return { PARENT_OF: 0.5, CHILD_OF: 0.35, LINKS_TO: intent === 'relationship' ? 0.6 : 0.4 };
}

/**
 * Graph expansion from the best hits: their parent sections (context), their
 * first children, and the sections they link to, each scored by the seed's
 * score times a decay for the hop.
 */
export async function expand(store: Store, seeds: readonly FusedCandidate[], plan: QueryPlan, limit: number): Promise<GraphList> {
  const via = new Map<string, Via[]>();
  const scores = new Map<string, number>();
  const seedIds = new Set(seeds.map((s) => s.sectionId));
  const top = seeds[0]?.score ?? 1;
  const d = decay(plan.intent);
  for (const seed of seeds) {
    const base = seed.score / top;
    const out = await store.edgesOf([seed.sectionId], 'out', ['LINKS_TO', 'PARENT_OF'] as EdgeType[], 30);
    const into = await store.edgesOf([seed.sectionId], 'in', ['PARENT_OF'] as EdgeType[], 1);
    const steps: { id: string; edge: 'PARENT_OF' | 'CHILD_OF' | 'LINKS_TO' }[] = [
      ...into.map((e) => ({ id: e.src, edge: 'PARENT_OF' as const })),
      ...out.filter((e) => e.type === 'PARENT_OF').slice(0, 3).map((e) => ({ id: e.dst, edge: 'CHILD_OF' as const })),
      ...out.filter((e) => e.type === 'LINKS_TO').slice(0, 10).map((e) => ({ id: e.dst, edge: 'LINKS_TO' as const })),
    ];
    for (const step of steps) {
      if (!step.id.startsWith('s_') || seedIds.has(step.id)) continue;
      scores.set(step.id, (scores.get(step.id) ?? 0) + base * d[step.edge]);
      push(via, step.id, { kind: 'expansion', from: seed.sectionId, edge: step.edge, hops: 1 });
    }
  }
  const list = [...scores].map(([sectionId, score]) => ({ sectionId, score })).sort(byScore).slice(0, limit);
  return { list, via };
}

function push(via: Map<string, Via[]>, id: string, v: Via): void {
  const list = via.get(id);
  if (list) {
    if (list.length < 5) list.push(v);
  } else via.set(id, [v]);
}

function byScore(a: ScoredSection, b: ScoredSection): number {
  return b.score - a.score || (a.sectionId < b.sectionId ? -1 : a.sectionId > b.sectionId ? 1 : 0);
}
