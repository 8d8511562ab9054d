/**
 * What several documents say about one entity, merged into the entity.
 *
 * Several documents describe one entity (a setting defined in the reference
 * and mentioned in a guide). A store keeps each document's description apart
 * (its *facts*) and derives the entity (aliases, attributes) from the facts of
 * the documents that hold it now, with `mergeFacts`: so the entity does not
 * depend on the order documents were written in, and a changed or deleted
 * document takes back what it said. Every Store implementation merges with
 * this one function, so the backends cannot disagree.
 */

/** One document's description of an entity. */
export interface EntityFact {
  /** The document defines the entity (a DEFINES edge to it), rather than only mentioning it. */
  defines: boolean;
  docId: string;
  aliases: readonly string[];
  attributes: Record<string, unknown>;
}

/**
 * The entity as the documents that hold it describe it, in a fixed order:
 * documents that define it first, then by document id. A key's value comes
 * from the first document that states it, except arrays, which are unioned
 * and sorted (as within one document, see extract/graph.ts); aliases are
 * unioned. Keys come out sorted.
 */
export function mergeFacts(facts: readonly EntityFact[]): {
  aliases: string[];
  attributes: Record<string, unknown>;
} {
  const ordered = [...facts].sort((a, b) => Number(b.defines) - Number(a.defines) || (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0));
  const aliases = new Set<string>();
  const merged: Record<string, unknown> = {};
  for (const f of ordered) {
    for (const a of f.aliases) aliases.add(a);
    for (const [k, v] of Object.entries(f.attributes)) {
      if (v === undefined) continue;
      const old = merged[k];
      if (Array.isArray(old) && Array.isArray(v)) merged[k] = [...new Set([...old, ...v].map(String))].sort();
      else if (old === undefined) merged[k] = v;
    }
  }
  const attributes: Record<string, unknown> = {};
  for (const k of Object.keys(merged).sort()) attributes[k] = merged[k];
  return { aliases: [...aliases].sort(), attributes };
}

/**
 * Whether adding `fact` (one document's description, as `mergeFacts` of it
 * alone gives it) to the facts an entity was merged from can change the
 * entity: false when it brings no alias, no array value and no other value
 * the entity does not already have (so wherever it falls in the merge order,
 * `mergeFacts` of all the facts gives the entity back unchanged). Lets a
 * write skip re-merging an entity that thousands of documents mention,
 * which made a corpus-sized write phase quadratic. Errs towards true.
 */
export function factChangesEntity(entity: { aliases: readonly string[]; attributes: Record<string, unknown> }, fact: { aliases: readonly string[]; attributes: Record<string, unknown> }): boolean {
  const contested = contestedKeys(entity, fact);
  return contested === true || contested.length > 0;
}

/**
 * What decides whether adding `fact` (as `mergeFacts` of it alone gives it)
 * changes `entity`: true when it brings an alias or an array value the entity
 * lacks (it changes it wherever it falls in the merge order); otherwise the
 * keys whose value it states differently from the entity. Such a key's value
 * comes from the first fact in the merge order that states the key, so the
 * fact changes the entity exactly when, for one of these keys, no fact that
 * merges before it (`mergesBefore`) states the key. An empty list: it cannot
 * change the entity.
 */
export function contestedKeys(entity: { aliases: readonly string[]; attributes: Record<string, unknown> }, fact: { aliases: readonly string[]; attributes: Record<string, unknown> }): string[] | true {
  const aliases = new Set(entity.aliases);
  if (fact.aliases.some((a) => !aliases.has(a))) return true;
  const contested: string[] = [];
  for (const [k, v] of Object.entries(fact.attributes)) {
    if (v === undefined) continue;
    const old = entity.attributes[k];
    if (Array.isArray(old) && Array.isArray(v)) {
      // the merge unions arrays into sorted strings: unchanged only if the entity's array already is that union
      const union = [...new Set([...old, ...v].map(String))].sort();
      if (JSON.stringify(union) !== JSON.stringify(old)) return true;
    } else if (JSON.stringify(old) !== JSON.stringify(v)) contested.push(k);
  }
  return contested;
}

/** Whether fact `a` comes before fact `b` in `mergeFacts`' order (documents that define the entity first, then by document id). */
export function mergesBefore(a: { defines: boolean; docId: string }, b: { defines: boolean; docId: string }): boolean {
  return a.defines !== b.defines ? a.defines : a.docId < b.docId;
}
