import { entityId } from '../domain/ids.js';
import type { EdgeRecord, EdgeType, EntityRecord, EntityType } from '../domain/types.js';
import { tidyAliases } from './canonical.js';
import type { EntityKey, Finding } from './finding.js';
import { keyOf } from './finding.js';

interface EntityState {
  id: string;
  type: EntityType;
  name: string;
  surfaces: Set<string>;
  defined: Record<string, unknown>;
  seen: Record<string, unknown>;
}

/** How repeated edges with the same (type, src, dst) combine. */
export type EdgeMerge = 'sum' | 'max';

/**
 * Accumulates the entities and edges of one document and emits them sorted
 * and deduplicated, so the same input always yields the same output.
 *
 * Attributes: what a defining finding says wins over what a mention says; the
 * first definition in document order wins a key, except array values, which
 * are unioned and sorted.
 */
export class GraphBuilder {
  private readonly entities = new Map<string, EntityState>();
  private readonly edges = new Map<string, EdgeRecord>();

  /** Registers a finding's entity and returns its id. */
  add(f: Finding): string {
    const key = keyOf(f);
    let e = this.entities.get(key);
    if (!e) {
      e = { id: entityId(f.type, f.name), type: f.type, name: f.name, surfaces: new Set(), defined: {}, seen: {} };
      this.entities.set(key, e);
    }
    if (f.surfaces) for (const s of f.surfaces) e.surfaces.add(s);
    if (f.attributes) mergeAttributes(f.role === 'defines' ? e.defined : e.seen, f.attributes);
    return e.id;
  }

  /** Registers an entity known only by key (the far end of a relation) and returns its id. */
  ref(k: EntityKey): string {
    return this.add({ type: k.type, name: k.name, role: 'mentions' });
  }

  edge(type: EdgeType, src: string, dst: string, weight: number, evidence: string | null, merge: EdgeMerge = 'max'): void {
    if (src === dst) return;
    const key = type + '\u001f' + src + '\u001f' + dst;
    const old = this.edges.get(key);
    if (!old) {
      this.edges.set(key, { src, dst, type, weight, evidence });
      return;
    }
    old.weight = merge === 'sum' ? old.weight + weight : Math.max(old.weight, weight);
  }

  build(): { entities: EntityRecord[]; edges: EdgeRecord[] } {
    const entities: EntityRecord[] = [];
    for (const e of this.entities.values()) {
      const attributes = sortKeys({ ...e.seen, ...e.defined });
      entities.push({ id: e.id, type: e.type, name: e.name, aliases: tidyAliases(e.name, e.surfaces), attributes });
    }
    entities.sort((a, b) => cmp(a.id, b.id));
    const edges = [...this.edges.values()].sort((a, b) => cmp(a.type, b.type) || cmp(a.src, b.src) || cmp(a.dst, b.dst));
    return { entities, edges };
  }
}

function mergeAttributes(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    const old = into[k];
    if (Array.isArray(old) && Array.isArray(v)) into[k] = [...new Set([...old, ...v].map(String))].sort();
    else if (old === undefined) into[k] = Array.isArray(v) ? [...v].map(String).sort() : v;
  }
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
