/**
 * Libraries: the sources of an index grouped by name, each with its
 * versions (`list_libraries`), and the resolver that turns what a user calls
 * a library ("React", "node.js", "nextjs") into the names and versions the
 * index holds (`resolve_library`, as Context7's resolver does for its ids).
 */
import { distance } from 'fastest-levenshtein';
import { InvalidInputError } from '../domain/errors.js';
import { sourceLabel } from '../domain/sources.js';

/** What the resolver and the listing need of a source (Store.listSources gives it). */
export interface LibrarySource {
  name: string;
  version: string | null;
  kind: string;
  documents: number;
  refreshedAt: string | null;
  createdAt: string;
}

export interface LibraryVersion {
  /** null: the unversioned source of this name. */
  version: string | null;
  /** `name@version` (or `name`): the prefix of a citation, the `library`/`version` of search_docs. */
  id: string;
  kind: string;
  documents: number;
  refreshedAt: string | null;
}

export interface Library {
  name: string;
  /** Newest first (by version number where both are numbers, else text), unversioned last. */
  versions: LibraryVersion[];
  documents: number;
}

export interface LibraryMatch extends Library {
  /** 0–1: 1 for the same name (case and punctuation aside). */
  score: number;
}

/** The sources grouped by name, in name order. */
export function groupLibraries(sources: readonly LibrarySource[]): Library[] {
  const byName = new Map<string, LibrarySource[]>();
  for (const s of sources) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  return [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, list]) => ({
      name,
      versions: list.sort((a, b) => compareVersions(b.version, a.version)).map((s) => ({ version: s.version, id: sourceLabel(s), kind: s.kind, documents: s.documents, refreshedAt: s.refreshedAt })),
      documents: list.reduce((n, s) => n + s.documents, 0),
    }));
}

/** Orders versions: numeric parts as numbers (18.2 > 18.10 is false), null (unversioned) lowest. */
function compareVersions(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a.localeCompare(b, 'en', { numeric: true });
}

/** A name as compared: lower case, without punctuation and a trailing js ("Node.js", "node-js", "nodejs" → "node"). */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '').replace(/(.)js$/, '$1');
}

function words(name: string): string[] {
  return name.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** Least score a library needs to be offered. */
const MIN_SCORE = 0.35;

/**
 * How well `query` names `name`, 0–1: the same name (case, punctuation and
 * a `.js` aside) 1; one a prefix of the other 0.9–0.8; a whole word of it
 * 0.75; else the share of words in common or the edit similarity of the
 * normalized names, whichever is higher.
 */
export function nameScore(query: string, name: string): number {
  const q = normalize(query);
  const n = normalize(name);
  if (q === '' || n === '') return 0;
  if (q === n) return 1;
  if (n.startsWith(q) || q.startsWith(n)) return 0.8 + 0.1 * (Math.min(q.length, n.length) / Math.max(q.length, n.length));
  const qw = words(query);
  const nw = words(name);
  if (qw.length > 0 && nw.some((w) => qw.includes(w))) {
    const common = nw.filter((w) => qw.includes(w)).length;
    return Math.max(0.75 * (common / Math.max(qw.length, nw.length)) + 0.25 * (common / nw.length), 0.6);
  }
  if (n.includes(q) || q.includes(n)) return 0.6;
  return Math.max(0, 1 - distance(q, n) / Math.max(q.length, n.length)) * 0.7;
}

/**
 * The libraries `query` may name, best first (score, then documents, then
 * name), at most `limit`. An `@version` in the query keeps only that
 * version of each library. Throws InvalidInputError for an empty query.
 */
export function resolveLibrary(sources: readonly LibrarySource[], query: string, limit = 5): LibraryMatch[] {
  const raw = query.trim();
  if (raw === '') throw new InvalidInputError('the library name is empty', { field: 'name', allowed: 'a library name such as react, node or postgresql, optionally with @version' });
  const at = raw.lastIndexOf('@');
  const name = at > 0 ? raw.slice(0, at) : raw;
  const version = at > 0 ? raw.slice(at + 1) : undefined;
  const out: LibraryMatch[] = [];
  for (const lib of groupLibraries(sources)) {
    const score = Math.round(nameScore(name, lib.name) * 1000) / 1000;
    if (score < MIN_SCORE) continue;
    const versions = version === undefined ? lib.versions : lib.versions.filter((v) => v.version === version);
    if (versions.length === 0) continue;
    out.push({ ...lib, versions, score });
  }
  out.sort((a, b) => b.score - a.score || b.documents - a.documents || (a.name < b.name ? -1 : 1));
  return out.slice(0, limit);
}
