import { rawTokens, stem, SYNONYM_WORD, terms } from '../domain/text.js';
import { bm25Idf } from '../store/lexical.js';
import type { TermWeights } from '../store/store.js';

/**
 * Words people type for a thing the documentation names otherwise: mostly
 * abbreviations (dir, temp, env, config, arg, repo…), and a few everyday
 * words for a technical one (folder for directory, duplicate for copy).
 * Each group is `[canonical, ...variants]`: a query word that is a variant
 * also asks for the canonical words, never the other way round ("error" does
 * not ask for `err`, which every code sample holds). Only plain query words
 * expand; an identifier (`ERR_X`, `maxListeners`, `dictConfig`) asks for
 * itself alone. Measured on both dev sets in docs/benchmarks.md ("Synonyms").
 */
export const BUILTIN_SYNONYMS: readonly (readonly string[])[] = [
  ['directory', 'dir', 'folder'],
  ['temporary', 'temp', 'tmp'],
  ['environment', 'env'],
  ['configuration', 'config', 'conf', 'cfg'],
  ['argument', 'arg', 'args'],
  ['parameter', 'param', 'params'],
  ['repository', 'repo'],
  ['authentication', 'auth'],
  ['database', 'db'],
  ['message', 'msg'],
  ['information', 'info'],
  ['documentation', 'docs'],
  ['library', 'lib'],
  ['package', 'pkg'],
  ['initialize', 'init', 'initialise'],
  ['execute', 'exec'],
  ['function', 'func', 'fn'],
  ['variable', 'var'],
  ['maximum', 'max'],
  ['minimum', 'min'],
  ['number', 'num'],
  ['length', 'len'],
  ['string', 'str'],
  ['integer', 'int'],
  ['boolean', 'bool'],
  ['object', 'obj'],
  ['utility', 'util', 'utils'],
  ['specification', 'spec'],
  ['implementation', 'impl'],
  ['copy', 'duplicate'],
  ['error', 'err'],
  ['request', 'req'],
  ['response', 'resp'],
  ['password', 'passwd'],
  ['certificate', 'cert'],
  ['connection', 'conn'],
  ['process', 'proc'],
  ['memory', 'mem'],
  ['synchronous', 'sync'],
  ['asynchronous', 'async'],
  ['previous', 'prev'],
  ['attribute', 'attr'],
  ['reference', 'ref'],
  ['command', 'cmd'],
  ['character', 'char'],
  ['administrator', 'admin'],
  ['statistics', 'stats'],
  ['dependency', 'dep', 'deps'],
  ['development', 'dev'],
  ['production', 'prod'],
];

/** What a query asks for besides its own words. */
export interface Expansion {
  /** Index terms of the canonical words, less those the query holds. */
  terms: string[];
  /** The canonical words, as written in the table (for the query's embedding). */
  words: string[];
  /**
   * Each variant word of the query with the words it asks for, as index terms (the variant's
   * first): one concept, which lexical search counts as one term would (`groupWeights` below).
   */
  groups: string[][];
}

/** Variant (stemmed, lower-case) → canonical words, built once per configuration. */
export class SynonymTable {
  private readonly byVariant = new Map<string, string[]>();

  constructor(groups: readonly (readonly string[])[]) {
    for (const [canonical, ...variants] of groups) {
      if (canonical === undefined) continue;
      for (const v of variants) {
        const key = variantKey(v);
        const list = this.byVariant.get(key) ?? [];
        if (!list.includes(canonical)) list.push(canonical);
        this.byVariant.set(key, list);
      }
    }
  }

  get size(): number {
    return this.byVariant.size;
  }

  /** The canonical words a query's plain words ask for, and their terms the query does not hold already. */
  expand(query: string, queryTerms: readonly string[]): Expansion {
    if (this.byVariant.size === 0) return { terms: [], words: [], groups: [] };
    const have = new Set(queryTerms);
    const words = new Set<string>();
    const groups: string[][] = [];
    for (const raw of rawTokens(query)) {
      if (!SYNONYM_WORD.test(raw)) continue;
      const canonical = this.byVariant.get(variantKey(raw)) ?? [];
      for (const c of canonical) words.add(c);
      if (canonical.length > 0) groups.push([...new Set([...terms(raw), ...canonical.flatMap((c) => terms(c))])]);
    }
    const out = new Set<string>();
    const kept: string[] = [];
    for (const w of words) {
      const added = terms(w).filter((t) => !have.has(t));
      // a canonical word the query already holds in full adds nothing
      if (added.length > 0) kept.push(w);
      for (const t of added) out.add(t);
    }
    return { terms: [...out], words: kept, groups };
  }
}

function variantKey(word: string): string {
  return stem(word.toLowerCase());
}

/** The table a configuration asks for: the builtin groups (unless turned off) and then the user's. */
export function synonymTable(options: { builtin: boolean; groups: readonly (readonly string[])[] }): SynonymTable {
  return new SynonymTable([...(options.builtin ? BUILTIN_SYNONYMS : []), ...options.groups]);
}

let builtinOnly: SynonymTable | undefined;
/** The builtin groups alone, built on first use (stemming every variant is work a command that never searches should not pay). */
export function defaultSynonyms(): SynonymTable {
  return (builtinOnly ??= synonymTable({ builtin: true, groups: [] }));
}

/**
 * A query word and the words it stands for ("folder" and "directory") name one
 * thing, so lexical search counts them as BM25 counts one term: each member's contribution is
 * scaled to the idf of the group, that of its most frequent member (the sections holding any of
 * them are at least as many). Without it, the member the docs seldom use weighs most in the
 * query ("folder" in docs that say "directory"), and the odd section that does use it (a mail
 * folder) ranks first. Measured on both dev sets in docs/benchmarks.md ("Session 21: a word and its synonym weigh as one term").
 */
export function groupWeights(groups: readonly (readonly string[])[], sections: number, counts: ReadonlyMap<string, number>): TermWeights | undefined {
  const out = new Map<string, number>();
  for (const group of groups) {
    const held = group.filter((t) => (counts.get(t) ?? 0) > 0);
    if (held.length < 2) continue;
    const groupIdf = bm25Idf(sections, Math.max(...held.map((t) => counts.get(t)!)));
    for (const t of held) {
      const w = Math.min(1, groupIdf / bm25Idf(sections, counts.get(t)!));
      if (w < (out.get(t) ?? 1)) out.set(t, w);
    }
  }
  return out.size > 0 ? out : undefined;
}
