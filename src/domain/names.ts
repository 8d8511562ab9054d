import { stem, STOPWORDS } from './text.js';
import type { EntityRecord } from './types.js';

/**
 * Word keys: how a question that describes a setting in words ("the http
 * server keep-alive timeout") meets the entity whose name spells those words
 * as one identifier (`server.keepAliveTimeout`, `--max-old-space-size`,
 * `UV_THREADPOOL_SIZE`, `options.handshakeTimeout`).
 *
 * The words of a name are those of its last segment, split at `_`, `-` and
 * camelCase, lower-cased and stemmed the way the lexical index stems plain
 * words, without stopwords (on both sides, so "no warnings" and `--no-warnings`
 * meet as `warn`, one word and so no key). A key is the sorted set of two to four of them behind a prefix no
 * real name starts with; the store files keys beside an entity's aliases. The
 * query side forms every key its own words can make, so both sides meet on
 * an exact lookup.
 */

export const WORD_KEY_PREFIX = '~words:';
/** Names of two to this many words get keys; longer runs are looked up by their sub-runs. */
const MAX_KEY_WORDS = 4;
/** Words of a query that form keys; a long question keeps its first ones. */
const MAX_QUERY_WORDS = 12;

const SPLIT = /[^\p{L}\p{N}]+/u;
const CAMEL = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;

function words(text: string, dropStopwords = false): string[] {
  return text
    .split(SPLIT)
    .flatMap((p) => p.split(CAMEL))
    .map((w) => w.toLowerCase())
    .filter((w) => w.length >= 2 && /\p{L}/u.test(w) && !(dropStopwords && STOPWORDS.has(w)))
    .map(stem);
}

/**
 * The words of an entity name: its last segment (after `.`, `:` or spaces,
 * without a call signature or `=value`), split as above.
 * `tls.createServer: options.handshakeTimeout` → handshak, timeout.
 */
export function nameWords(name: string): string[] {
  const bare = name.replace(/\(.*$/s, '').replace(/[=[].*$/s, '');
  // a flag is one segment even with a dot in it (`--tls-min-v1.3`)
  const last = /^--?[A-Za-z]/.test(bare.trim()) ? bare.trim() : (bare.split(/[.:\s]+/).filter((s) => s !== '').pop() ?? '');
  return [...new Set(words(last, true))];
}

function keyOf(ws: readonly string[]): string {
  return WORD_KEY_PREFIX + [...new Set(ws)].sort().join(' ');
}

/**
 * The word keys of a name: all its words when there are two to four, and
 * each contiguous run of two to four words of a longer or three-word name
 * (so `--max-old-space-size` is also found by "old space size"). A name of
 * one word has none: one word is not evidence of a name.
 */
export function wordKeys(name: string): string[] {
  const ws = nameWords(name);
  if (ws.length < 2) return [];
  const keys = new Set<string>();
  if (ws.length <= MAX_KEY_WORDS) keys.add(keyOf(ws));
  for (let n = 2; n <= Math.min(MAX_KEY_WORDS, ws.length - 1); n++) for (let i = 0; i + n <= ws.length; i++) keys.add(keyOf(ws.slice(i, i + n)));
  return [...keys].sort();
}

/** Every key the words of a query can make (sets of two to four of its first twelve content words). */
export function queryWordKeys(query: string): string[] {
  const qs = [...new Set(words(query, true))].slice(0, MAX_QUERY_WORDS).sort();
  const keys: string[] = [];
  const pick = (start: number, chosen: string[]): void => {
    if (chosen.length >= 2) keys.push(WORD_KEY_PREFIX + chosen.join(' '));
    if (chosen.length === MAX_KEY_WORDS) return;
    for (let i = start; i < qs.length; i++) pick(i + 1, [...chosen, qs[i]!]);
  };
  pick(0, []);
  return keys;
}

/** Entity types whose names are identifiers made of words (settings, options, API members). */
export const WORD_KEYED_TYPES: ReadonlySet<string> = new Set(['ConfigParameter']);

/**
 * What an entity is filed under for exact lookup (Store.findEntities): its
 * name, its aliases and, for names made of words, its word keys.
 */
export function aliasKeys(type: string, name: string, aliases: readonly string[]): Set<string> {
  return new Set([name, ...aliases, ...(WORD_KEYED_TYPES.has(type) ? wordKeys(name) : [])]);
}

/** Share of a name's words that the query has (0–1). */
export function wordCoverage(name: string, query: string): number {
  const ws = nameWords(name);
  if (ws.length === 0) return 0;
  const qs = new Set(words(query));
  return ws.filter((w) => qs.has(w)).length / ws.length;
}

/** How an entity may be written in code where extraction could not type it: its name and aliases, without a trailing `()`. */
export function spellings(e: Pick<EntityRecord, 'name' | 'aliases'>): string[] {
  return [...new Set([e.name, ...e.aliases].map((n) => n.replace(/\(\)$/, '')))];
}
