/**
 * Graph traversal over the Store's edge lookup, shared by every Store
 * implementation: a backend answers `edgesOf` (one hop, strongest first) its
 * own way, and the breadth-first walk — which edges count once, at which
 * depth, where it stops — is this one function.
 */
import type { Store, TraversalStep, TraverseOptions } from './store.js';

/**
 * Breadth-first traversal from `from` up to `options.depth` hops, each edge
 * (src, dst, type) reported once with the hop it was first reached at, at
 * most `options.limit` edges. Each hop asks `edgesOf` for up to four times the
 * limit, so a hub's strongest edges come first.
 */
export async function traverseEdges(edgesOf: Store['edgesOf'], from: readonly string[], options: TraverseOptions): Promise<TraversalStep[]> {
  const seenNodes = new Set(from);
  const seenEdges = new Set<string>();
  const out: TraversalStep[] = [];
  let frontier = [...from];
  for (let depth = 1; depth <= options.depth && frontier.length > 0 && out.length < options.limit; depth++) {
    const edges = await edgesOf(frontier, options.direction, options.types, options.limit * 4);
    const next: string[] = [];
    for (const e of edges) {
      const key = `${e.src}|${e.dst}|${e.type}`;
      if (seenEdges.has(key)) continue;
      seenEdges.add(key);
      out.push({ ...e, depth });
      if (out.length >= options.limit) break;
      for (const node of [e.src, e.dst]) {
        if (!seenNodes.has(node)) {
          seenNodes.add(node);
          next.push(node);
        }
      }
    }
    frontier = next;
  }
  return out;
}
