/**
 * Writing one document's part of the graph, and taking it back.
 *
 * Several documents describe one entity (a setting defined in the reference
 * and mentioned in a guide). Each document's description is kept apart in
 * `entity_facts`, and the entity row (aliases, attributes) is derived from the
 * facts of the documents that hold it now. So the entity does not depend on
 * the order documents were written in, and a changed or deleted document
 * takes back what it said: an incremental re-ingest ends with the same graph
 * as a fresh one. An entity lives as long as one document holds it. The
 * rules (how facts merge, what an entity is filed under) are the domain's
 * (domain/entity-facts.ts, domain/names.ts); this file only stores them.
 */
import type Database from 'better-sqlite3';
import type { StatementCache } from './statements.js';
import { contestedKeys, mergeFacts, mergesBefore } from '../../domain/entity-facts.js';
import { aliasKeys } from '../../domain/names.js';
import { toEntity, type EntityRow } from '../rows.js';
import type { EdgeRecord, EntityRecord, NameMention } from '../../domain/types.js';

interface FactRow {
  defines: number;
  aliases: string;
  attributes: string;
}

/** Graph writes on one connection; every method runs inside the caller's transaction. */
export class GraphWriter {
  constructor(private readonly statements: StatementCache) {}

  /**
   * Adds a document's entities (as its facts) and edges. An entity new to the
   * index is written as this document describes it; returns the entities that
   * already existed, which the caller refreshes.
   */
  write(docId: string, entities: readonly EntityRecord[], edges: readonly EdgeRecord[]): Set<string> {
    const defined = new Set(edges.filter((e) => e.type === 'DEFINES').map((e) => e.dst));
    const insEntity = this.statements.prepare('INSERT OR IGNORE INTO entities (id, type, name, aliases, attributes) VALUES (?, ?, ?, ?, ?)');
    const insAlias = this.statements.prepare('INSERT OR IGNORE INTO entity_aliases (alias, entity_id) VALUES (?, ?)');
    const insFact = this.statements.prepare(
      `INSERT INTO entity_facts (entity_id, doc_id, defines, aliases, attributes) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(entity_id, doc_id) DO UPDATE SET defines = excluded.defines, aliases = excluded.aliases, attributes = excluded.attributes`,
    );
    const current = this.statements.prepare('SELECT * FROM entities WHERE id = ?');
    const held = this.statements.prepare('SELECT doc_id AS docId, defines, attributes FROM entity_facts WHERE entity_id = ?');
    const listed = new Map<string, number>();
    for (const e of entities) listed.set(e.id, (listed.get(e.id) ?? 0) + 1);
    const existing = new Set<string>();
    for (const e of entities) {
      const defines = defined.has(e.id);
      // one fact, merged the same way refresh() merges several
      const own = mergeFacts([{ defines, docId, aliases: e.aliases, attributes: e.attributes }]);
      if (insEntity.run(e.id, e.type, e.name, JSON.stringify(own.aliases), JSON.stringify(own.attributes)).changes === 1) {
        for (const alias of aliasKeys(e.type, e.name, own.aliases)) insAlias.run(alias, e.id);
      } else {
        // an entity other documents hold is re-merged only when this fact changes it
        const stored = current.get(e.id) as EntityRow | undefined;
        if (listed.get(e.id)! > 1 || !stored || changes(toEntity(stored), own, { defines, docId }, held)) existing.add(e.id);
      }
      insFact.run(e.id, docId, defines ? 1 : 0, JSON.stringify(e.aliases), JSON.stringify(e.attributes));
    }
    const insEdge = this.statements.prepare(
      `INSERT INTO edges (doc_id, src, dst, type, weight, evidence) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(doc_id, src, dst, type) DO UPDATE SET weight = excluded.weight, evidence = excluded.evidence`,
    );
    for (const e of edges) insEdge.run(docId, e.src, e.dst, e.type, e.weight, e.evidence);
    return existing;
  }

  /** Adds a document's untyped names (see Extraction.untypedNames). */
  writeNames(docId: string, names: readonly NameMention[]): void {
    const ins = this.statements.prepare('INSERT OR REPLACE INTO name_mentions (doc_id, section_id, name, count) VALUES (?, ?, ?, ?)');
    for (const n of names) ins.run(docId, n.sectionId, n.name, n.count);
  }

  /** Removes a document's edges and facts. Returns the entities it held, to refresh. */
  remove(docId: string): Set<string> {
    this.statements.prepare('DELETE FROM name_mentions WHERE doc_id = ?').run(docId);
    const held = this.statements.prepare('SELECT entity_id FROM entity_facts WHERE doc_id = ?').pluck().all(docId) as string[];
    this.statements.prepare('DELETE FROM entity_facts WHERE doc_id = ?').run(docId);
    this.statements.prepare('DELETE FROM edges WHERE doc_id = ?').run(docId);
    return new Set(held);
  }

  /** Re-derives entities from their facts; deletes those no document holds any more (aliases go with them). */
  refresh(ids: Iterable<string>): void {
    const facts = this.statements.prepare('SELECT doc_id AS docId, defines, aliases, attributes FROM entity_facts WHERE entity_id = ?');
    const entity = this.statements.prepare('SELECT type, name FROM entities WHERE id = ?');
    const del = this.statements.prepare('DELETE FROM entities WHERE id = ?');
    const upd = this.statements.prepare('UPDATE entities SET aliases = ?, attributes = ? WHERE id = ?');
    const delAliases = this.statements.prepare('DELETE FROM entity_aliases WHERE entity_id = ?');
    const insAlias = this.statements.prepare('INSERT OR IGNORE INTO entity_aliases (alias, entity_id) VALUES (?, ?)');
    for (const id of ids) {
      const rows = facts.all(id) as (FactRow & { docId: string })[];
      if (rows.length === 0) {
        del.run(id);
        continue;
      }
      const { aliases, attributes } = mergeFacts(
        rows.map((r) => ({ defines: r.defines === 1, docId: r.docId, aliases: JSON.parse(r.aliases) as string[], attributes: JSON.parse(r.attributes) as Record<string, unknown> })),
      );
      upd.run(JSON.stringify(aliases), JSON.stringify(attributes), id);
      delAliases.run(id);
      const { type, name } = entity.get(id) as { type: string; name: string };
      for (const alias of aliasKeys(type, name, aliases)) insAlias.run(alias, id);
    }
  }
}

/**
 * Whether adding a document's fact (`own`, as mergeFacts of it alone) changes
 * the stored entity (see contestedKeys). A value it states differently wins
 * only if no fact merging before it states that key: the entity's facts are
 * read in key order until each such key is found stated by an earlier one —
 * usually the first fact read, where a re-merge reads and parses them all (a
 * scalar such as `kind` that documents state differently made one in every
 * 33 facts re-merge its entity, ~1,000 facts read a document at 6,000 of
 * 20,000 documents: quadratic over a run, docs/benchmarks.md "1M sections on
 * the fixed code").
 */
function changes(
  entity: EntityRecord,
  own: { aliases: string[]; attributes: Record<string, unknown> },
  fact: { defines: boolean; docId: string },
  held: Database.Statement,
): boolean {
  const contested = contestedKeys(entity, own);
  if (contested === true) return true;
  if (contested.length === 0) return false;
  const open = new Set(contested);
  for (const row of held.iterate(entity.id) as Iterable<{ docId: string; defines: number; attributes: string }>) {
    if (!mergesBefore({ defines: row.defines === 1, docId: row.docId }, fact)) continue;
    const attributes = JSON.parse(row.attributes) as Record<string, unknown>;
    for (const k of open) if (attributes[k] !== undefined) open.delete(k);
    if (open.size === 0) return false;
  }
  return true;
}
