/**
 * Writing one document's part of the graph on PostgreSQL, and taking it
 * back: the same rules as store/sqlite/graph-writes.ts (each document's facts
 * kept apart, the entity derived from the facts of the documents that hold it
 * now; domain/entity-facts.ts and domain/names.ts), in a few set-based
 * statements per document instead of one per row.
 *
 * Rows shared between documents (entities, their aliases) are locked in id
 * order, so two concurrent writers wait for each other instead of deadlocking.
 * A write locks every entity it names that exists already, and every one its
 * document held before, in one statement before it reads them: whether its
 * fact changes an entity is decided on the row as the last writer committed
 * it, and no writer can re-merge the entity from facts that miss this one's
 * until it commits. Reading without the lock let two writers each merge
 * without the other's fact, and the one that committed last won.
 */
import { contestedKeys, mergeFacts } from '../../domain/entity-facts.js';
import { aliasKeys } from '../../domain/names.js';
import { DocgraphError } from '../../domain/errors.js';
import { toEntity, type EntityRow } from '../rows.js';
import type { EdgeRecord, EntityRecord, NameMention } from '../../domain/types.js';
import type { Queryable } from './database.js';

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Adds a document's entities (as its facts) and edges. An entity new to the
 * index is written as this document describes it; returns the entities that
 * already existed, which the caller refreshes. `held`: the entities the
 * document's previous version held (removeGraph), which the caller refreshes
 * too: they are locked with the others, in one id order. Runs inside the
 * caller's transaction.
 */
export async function writeGraph(
  c: Queryable,
  docId: string,
  entities: readonly EntityRecord[],
  edges: readonly EdgeRecord[],
  held: ReadonlySet<string> = new Set(),
): Promise<Set<string>> {
  const defined = new Set(edges.filter((e) => e.type === 'DEFINES').map((e) => e.dst));
  const existing = new Set<string>();
  // the last description of an entity listed twice wins its fact, and the entity is refreshed (as on SQLite)
  const last = new Map<string, EntityRecord>();
  for (const e of entities) {
    if (last.has(e.id)) existing.add(e.id);
    last.set(e.id, e);
  }
  const first = new Map<string, EntityRecord>();
  for (const e of entities) if (!first.has(e.id)) first.set(e.id, e);
  const ids = [...first.keys()].sort(byId);
  if (ids.length > 0) {
    const own = ids.map((id) => {
      const e = first.get(id)!;
      return mergeFacts([{ defines: defined.has(id), docId, aliases: e.aliases, attributes: e.attributes }]);
    });
    const ownOf = new Map(ids.map((id, i) => [id, own[i]!]));
    /** Writes the entities of `list` (sorted) that are not there, as this document describes them; returns those it wrote. */
    const insert = async (list: readonly string[]): Promise<Set<string>> =>
      new Set(
        (
          await c.query<{ id: string }>(
            `INSERT INTO entities (id, type, name, aliases, attributes)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) ORDER BY 1
             ON CONFLICT (id) DO NOTHING RETURNING id`,
            [list, list.map((id) => first.get(id)!.type), list.map((id) => first.get(id)!.name), list.map((id) => JSON.stringify(ownOf.get(id)!.aliases)), list.map((id) => JSON.stringify(ownOf.get(id)!.attributes))],
          )
        ).rows.map((r) => r.id),
      );
    /** Locks the rows of `list` (sorted) until the transaction ends, and reads them as committed. */
    const lock = async (list: readonly string[]): Promise<EntityRow[]> =>
      list.length === 0 ? [] : (await c.query<EntityRow>('SELECT * FROM entities WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [list])).rows;
    const created = await insert(ids);
    const there = ids.filter((id) => !created.has(id));
    // the entities there already, and those the document held (refreshed after), locked in one id order before they are read
    const locked = await lock([...new Set([...there, ...held])].sort(byId));
    const stored = new Map(locked.map((r) => [r.id, toEntity(r)]));
    // deleted since the insert looked (the last document that held one let it go): written again, and
    // re-merged from every fact like an entity this write changes; bounded, as another writer may race it again
    for (let missing = there.filter((id) => !stored.has(id)), round = 1; missing.length > 0; round++) {
      if (round > 3) throw new DocgraphError('STORE_FAILED', `entities ${missing.join(', ')} keep being deleted while ${docId} is written`, { retryable: true });
      for (const id of missing) existing.add(id);
      await insert(missing);
      for (const r of await lock(missing)) stored.set(r.id, toEntity(r));
      missing = missing.filter((id) => !stored.has(id));
    }
    // an entity that was there already is re-merged only when this document's fact changes it (as on SQLite, see changed())
    const aliasRows: [string, string][] = [];
    const contested: { id: string; keys: string[] }[] = [];
    ids.forEach((id, i) => {
      if (!created.has(id)) {
        const row = stored.get(id);
        if (existing.has(id) || !row) {
          existing.add(id);
          return;
        }
        const keys = contestedKeys(row, own[i]!);
        if (keys === true) existing.add(id);
        else if (keys.length > 0) contested.push({ id, keys });
        return;
      }
      const e = first.get(id)!;
      for (const alias of aliasKeys(e.type, e.name, own[i]!.aliases)) aliasRows.push([alias, id]);
    });
    for (const id of await changed(c, docId, contested, defined)) existing.add(id);
    await insertAliases(c, aliasRows);
    const facts = ids.map((id) => last.get(id)!);
    await c.query(
      `INSERT INTO entity_facts (entity_id, doc_id, defines, aliases, attributes)
       SELECT f.id, $2, f.defines, f.aliases, f.attributes FROM unnest($1::text[], $3::boolean[], $4::text[], $5::text[]) AS f(id, defines, aliases, attributes)
       ON CONFLICT (entity_id, doc_id) DO UPDATE SET defines = excluded.defines, aliases = excluded.aliases, attributes = excluded.attributes`,
      [ids, docId, ids.map((id) => defined.has(id)), facts.map((e) => JSON.stringify(e.aliases)), facts.map((e) => JSON.stringify(e.attributes))],
    );
  }
  await upsertEdges(c, docId, edges);
  return existing;
}

/**
 * Of the entities whose stored value of some keys this document's fact states
 * differently (contestedKeys), those the fact changes: a value it states
 * differently wins only if no fact merging before it (mergesBefore: facts of
 * documents that define the entity first, then by document id) states that
 * key — store/sqlite/graph-writes.ts's rule, as one query: each (entity, key)
 * pair looks for an earlier fact stating the key and stops at the first
 * (usually the first fact read; a re-merge reads and parses them all).
 */
async function changed(c: Queryable, docId: string, contested: readonly { id: string; keys: string[] }[], defined: ReadonlySet<string>): Promise<string[]> {
  const pairs = contested.flatMap(({ id, keys }) => keys.map((key) => ({ id, key })));
  if (pairs.length === 0) return [];
  const settled = (
    await c.query<{ id: string; key: string }>(
      `SELECT p.id, p.key FROM unnest($1::text[], $2::text[], $3::boolean[]) AS p(id, key, defines)
       WHERE EXISTS (
         SELECT 1 FROM entity_facts f
         WHERE f.entity_id = p.id AND (f.defines > p.defines OR (f.defines = p.defines AND f.doc_id < $4)) AND f.attributes::jsonb ? p.key
       )`,
      [pairs.map((p) => p.id), pairs.map((p) => p.key), pairs.map((p) => defined.has(p.id)), docId],
    )
  ).rows;
  const stated = new Set(settled.map((s) => `${s.id}\u001f${s.key}`));
  return contested.filter(({ id, keys }) => keys.some((k) => !stated.has(`${id}\u001f${k}`))).map((x) => x.id);
}

/** Adds or replaces edges of a document (the last of duplicates wins, as sequential upserts would). */
export async function upsertEdges(c: Queryable, docId: string, edges: readonly EdgeRecord[]): Promise<void> {
  if (edges.length === 0) return;
  const unique = new Map<string, EdgeRecord>();
  for (const e of edges) unique.set(`${e.src}\u001f${e.dst}\u001f${e.type}`, e);
  const rows = [...unique.values()];
  await c.query(
    `INSERT INTO edges (doc_id, src, dst, type, weight, evidence)
     SELECT $1, e.src, e.dst, e.type, e.weight, e.evidence FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::text[]) AS e(src, dst, type, weight, evidence)
     ON CONFLICT (doc_id, src, dst, type) DO UPDATE SET weight = excluded.weight, evidence = excluded.evidence`,
    [docId, rows.map((e) => e.src), rows.map((e) => e.dst), rows.map((e) => e.type), rows.map((e) => e.weight), rows.map((e) => e.evidence)],
  );
}

/** Adds a document's untyped names (see Extraction.untypedNames); the last of duplicates wins. */
export async function writeNames(c: Queryable, docId: string, names: readonly NameMention[]): Promise<void> {
  if (names.length === 0) return;
  const unique = new Map<string, NameMention>();
  for (const n of names) unique.set(`${n.sectionId}\u001f${n.name}`, n);
  const rows = [...unique.values()];
  await c.query(
    `INSERT INTO name_mentions (doc_id, section_id, name, count)
     SELECT $1, n.section_id, n.name, n.count FROM unnest($2::text[], $3::text[], $4::int[]) AS n(section_id, name, count)
     ON CONFLICT (section_id, name) DO UPDATE SET doc_id = excluded.doc_id, count = excluded.count`,
    [docId, rows.map((n) => n.sectionId), rows.map((n) => n.name), rows.map((n) => n.count)],
  );
}

/** Removes a document's names, edges and facts. Returns the entities it held, to refresh. */
export async function removeGraph(c: Queryable, docId: string): Promise<Set<string>> {
  await c.query('DELETE FROM name_mentions WHERE doc_id = $1', [docId]);
  const held = (await c.query<{ entity_id: string }>('DELETE FROM entity_facts WHERE doc_id = $1 RETURNING entity_id', [docId])).rows.map((r) => r.entity_id);
  await c.query('DELETE FROM edges WHERE doc_id = $1', [docId]);
  return new Set(held);
}

/** Re-derives entities from their facts; deletes those no document holds any more (aliases go with them). */
export async function refreshEntities(c: Queryable, ids: Iterable<string>): Promise<void> {
  const list = [...new Set(ids)].sort(byId);
  if (list.length === 0) return;
  // lock the entities in id order first: concurrent writers then queue instead of deadlocking
  const entities = (
    await c.query<{ id: string; type: string; name: string }>('SELECT id, type, name FROM entities WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE', [list])
  ).rows;
  const facts = (
    await c.query<{ entity_id: string; doc_id: string; defines: boolean; aliases: string; attributes: string }>(
      'SELECT entity_id, doc_id, defines, aliases, attributes FROM entity_facts WHERE entity_id = ANY($1::text[]) ORDER BY entity_id, doc_id',
      [list],
    )
  ).rows;
  const factsOf = new Map<string, typeof facts>();
  for (const f of facts) {
    let l = factsOf.get(f.entity_id);
    if (!l) factsOf.set(f.entity_id, (l = []));
    l.push(f);
  }
  const gone: string[] = [];
  const upd: { id: string; aliases: string; attributes: string }[] = [];
  const aliasRows: [string, string][] = [];
  for (const e of entities) {
    const rows = factsOf.get(e.id);
    if (!rows) {
      gone.push(e.id);
      continue;
    }
    const { aliases, attributes } = mergeFacts(
      rows.map((r) => ({ defines: r.defines, docId: r.doc_id, aliases: JSON.parse(r.aliases) as string[], attributes: JSON.parse(r.attributes) as Record<string, unknown> })),
    );
    upd.push({ id: e.id, aliases: JSON.stringify(aliases), attributes: JSON.stringify(attributes) });
    for (const alias of aliasKeys(e.type, e.name, aliases)) aliasRows.push([alias, e.id]);
  }
  if (gone.length > 0) await c.query('DELETE FROM entities WHERE id = ANY($1::text[])', [gone]);
  if (upd.length > 0) {
    await c.query(
      `UPDATE entities e SET aliases = u.aliases, attributes = u.attributes
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, aliases, attributes) WHERE e.id = u.id`,
      [upd.map((u) => u.id), upd.map((u) => u.aliases), upd.map((u) => u.attributes)],
    );
    await c.query('DELETE FROM entity_aliases WHERE entity_id = ANY($1::text[])', [upd.map((u) => u.id)]);
    await insertAliases(c, aliasRows);
  }
}

async function insertAliases(c: Queryable, rows: readonly [alias: string, entityId: string][]): Promise<void> {
  if (rows.length === 0) return;
  await c.query(
    `INSERT INTO entity_aliases (alias, entity_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    [rows.map((r) => r[0]), rows.map((r) => r[1])],
  );
}
