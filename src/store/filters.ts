/**
 * What `SearchFilters` mean, in one place for every Store implementation:
 * each backend turns the clauses into its own query language (SQL, an
 * in-memory check ...), and `matchesFilters` is the reference the contract
 * tests hold them to.
 */
import type { DocumentRecord } from '../domain/types.js';
import type { SearchFilters } from './store.js';

/** One condition a document must meet; a filter is the AND of its clauses. */
export type FilterClause =
  /** The document's source id is one of `values`. */
  | { field: 'source'; values: readonly string[] }
  /** The document's uri starts with `value` (case-sensitive, no glob). */
  | { field: 'uriPrefix'; value: string }
  /** The document's front-matter `tags` hold `value` (exactly; a single tag written as a string counts as a list of one). */
  | { field: 'tag'; value: string };

/** The clauses of `filters`, in a fixed order; empty strings and absent fields add none (no clauses: everything passes). */
export function filterClauses(filters: SearchFilters | undefined): FilterClause[] {
  const out: FilterClause[] = [];
  if (filters?.sourceId) out.push({ field: 'source', values: [filters.sourceId] });
  if (filters?.sourceIds) out.push({ field: 'source', values: filters.sourceIds });
  if (filters?.uriPrefix) out.push({ field: 'uriPrefix', value: filters.uriPrefix });
  for (const tag of filters?.tags ?? []) out.push({ field: 'tag', value: tag });
  return out;
}

/** Whether a document passes `filters` (the reference semantics). */
export function matchesFilters(doc: Pick<DocumentRecord, 'sourceId' | 'uri' | 'meta'>, filters: SearchFilters | undefined): boolean {
  const raw: unknown = doc.meta.tags;
  const tags: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return filterClauses(filters).every((c) =>
    c.field === 'source' ? c.values.includes(doc.sourceId) : c.field === 'uriPrefix' ? doc.uri.startsWith(c.value) : tags.some((t) => t === c.value),
  );
}
