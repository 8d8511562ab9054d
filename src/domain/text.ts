import { stemmer } from 'stemmer';

/**
 * Code-aware tokenization shared by the lexical index, the query planner and
 * the builtin embedder, so all three see the same terms.
 *
 * A raw token such as `fs.readFile`, `worker_connections`, `--max-old-space-size`
 * or `ERR_REQUIRE_ESM` yields its whole form (lower-cased, punctuation folded
 * to `_`) and its parts split at `.`, `_`, `-`, `:`, `/` and camelCase
 * boundaries. Plain words are stemmed (Porter); whole identifiers are not.
 */

const RAW_TOKEN = /(?:--?)?[\p{L}\p{N}_$][\p{L}\p{N}_$.\-:/]*[\p{L}\p{N}_$]|[\p{L}\p{N}_$]/gu;
const SPLIT = /[^\p{L}\p{N}]+/u;
const CAMEL = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;
const MAX_TOKEN = 64;

export const STOPWORDS = new Set(
  (
    'a an and are as at be but by do does did for from had has have how i if in into is it its me my of on or our so ' +
    'than that the their them then there these they this those to too us was we were what when where which while who why ' +
    'will with would you your can could should may might must shall am been being just also any some such not no nor ' +
    'only own same very s t don want get use using used'
  ).split(' '),
);

/** One word of letters and digits, not digits alone (`k8s`, `tmp`): what a synonym variant may be. */
export const SYNONYM_WORD = /^(?=.*\p{L})[\p{L}\p{N}]+$/u;

/** Lower-cased, stemmed form of a plain word. */
export function stem(word: string): string {
  return /^[a-z]+$/.test(word) && word.length > 3 ? stemmer(word) : word;
}

/**
 * Terms of a text in order, with whole identifiers followed by their parts.
 * `keepStopwords` is for phrase-sensitive uses; indexes drop them.
 */
export function terms(text: string, keepStopwords = false): string[] {
  const out: string[] = [];
  const cache = keepStopwords ? tokenCacheAll : tokenCache;
  for (let raw of text.match(RAW_TOKEN) ?? []) {
    if (raw.length > MAX_TOKEN) raw = raw.slice(0, MAX_TOKEN);
    let list = cache.get(raw);
    if (list === undefined) {
      list = tokenTerms(raw, keepStopwords);
      if (cache.size >= TOKEN_CACHE_SIZE) cache.clear();
      cache.set(raw, list);
    }
    for (const t of list) out.push(t);
  }
  return out;
}

/**
 * Terms of one raw token, memoised: the same tokens recur across sections and
 * every section is tokenized several times (lexical index, embedder fit,
 * embedding), so this is the ingest's hottest path. Bounded: cleared when full.
 */
const tokenCache = new Map<string, readonly string[]>();
const tokenCacheAll = new Map<string, readonly string[]>();
const TOKEN_CACHE_SIZE = 100_000;

function tokenTerms(raw: string, keepStopwords: boolean): string[] {
  const out: string[] = [];
  const parts = raw.split(SPLIT).filter((p) => p !== '').flatMap((p) => p.split(CAMEL));
  if (parts.length === 0) return out;
  if (parts.length === 1) {
    const w = parts[0]!.toLowerCase();
    if (keepStopwords || !STOPWORDS.has(w)) out.push(stem(w));
    return out;
  }
  out.push(wholeForm(raw));
  for (const segment of raw.split(SPLIT)) {
    const camel = segment.split(CAMEL);
    if (camel.length > 1 && segment.length < raw.length) out.push(segment.toLowerCase());
    for (const p of camel) {
      const w = p.toLowerCase();
      if (w.length < 2 && !/\d/.test(w)) continue;
      if (keepStopwords || !STOPWORDS.has(w)) out.push(stem(w));
    }
  }
  return out;
}

/** The whole-identifier form of a raw token: lower-case, runs of punctuation folded to `_`, no leading or trailing `_`. */
export function wholeForm(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** Raw tokens as written (for snippet highlighting). */
export function rawTokens(text: string): string[] {
  return [...text.matchAll(RAW_TOKEN)].map((m) => m[0]);
}

/** What follows `](` in an inline link: its destination, an optional title, and the closing parenthesis. */
const LINK_DESTINATION = /(?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"\n]*")?\)/y;
const AUTOLINK_SCHEME = /(?:https?|mailto):/y;
const WHITESPACE = /\s/;

/**
 * Markdown reduced to what a reader reads, for indexing: link targets and
 * autolinks dropped (their text kept), so a section that merely links to a
 * page does not match that page's words. It drops what these did:
 *
 *   /(!?)\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"\n]*")?\)/g → the text
 *   /\[([^\]\n]+)\]\[[^\]\n]*\]/g → the text
 *   /<(?:https?|mailto):[^>\s]+>/g → nothing
 *
 * in the same order, but in time linear in the text: with those regexes,
 * every `[` (or `<`) of a line that never closes read the rest of the line,
 * so a fuzzed line of 377,000 `[` kept an ingest busy for minutes. Here each
 * `[` looks up where its text ends instead (`stops`).
 */
export function readableText(markdown: string): string {
  return autolinksDropped(refLinksReduced(inlineLinksReduced(markdown)));
}

/** For each index of `s`, the first index at or after it whose character `isStop` accepts (`s.length` if none). */
function stops(s: string, isStop: (code: number) => boolean): Int32Array {
  const out = new Int32Array(s.length + 1);
  let next = s.length;
  out[s.length] = next;
  for (let i = s.length - 1; i >= 0; i--) {
    if (isStop(s.charCodeAt(i))) next = i;
    out[i] = next;
  }
  return out;
}

const CLOSE_BRACKET = 93;
const NEWLINE = 10;
const closeOrNewline = (c: number): boolean => c === CLOSE_BRACKET || c === NEWLINE;

/** `[text](destination "title")` and `![alt](src)` → their text. */
function inlineLinksReduced(s: string): string {
  if (!s.includes('](')) return s;
  const stop = stops(s, closeOrNewline);
  let out = '';
  let last = 0;
  // several `[` can end at the same `](`: its destination is read once
  let destinationAt = -1;
  let destinationEnd = -1;
  for (let i = s.indexOf('['); i !== -1; i = s.indexOf('[', i + 1)) {
    const close = stop[i + 1]!;
    if (s.charCodeAt(close) !== CLOSE_BRACKET || s.charCodeAt(close + 1) !== 40 /* ( */) continue;
    if (destinationAt !== close + 2) {
      destinationAt = close + 2;
      LINK_DESTINATION.lastIndex = destinationAt;
      destinationEnd = LINK_DESTINATION.test(s) ? LINK_DESTINATION.lastIndex : -1;
    }
    if (destinationEnd < 0) continue;
    const start = i - 1 >= last && s.charCodeAt(i - 1) === 33 /* ! */ ? i - 1 : i;
    out += s.slice(last, start) + s.slice(i + 1, close);
    last = destinationEnd;
    i = destinationEnd - 1;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** `[text][label]` → its text. */
function refLinksReduced(s: string): string {
  if (!s.includes('][')) return s;
  const stop = stops(s, closeOrNewline);
  let out = '';
  let last = 0;
  for (let i = s.indexOf('['); i !== -1; i = s.indexOf('[', i + 1)) {
    const close = stop[i + 1]!;
    if (close === i + 1 || s.charCodeAt(close) !== CLOSE_BRACKET || s.charCodeAt(close + 1) !== 91 /* [ */) continue;
    const end = stop[close + 2]!;
    if (s.charCodeAt(end) !== CLOSE_BRACKET) continue;
    out += s.slice(last, i) + s.slice(i + 1, close);
    last = end + 1;
    i = end;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** `<https://…>`, `<mailto:…>` → nothing. */
function autolinksDropped(s: string): string {
  if (!s.includes('<')) return s;
  let stop: Int32Array | undefined;
  let out = '';
  let last = 0;
  for (let i = s.indexOf('<'); i !== -1; i = s.indexOf('<', i + 1)) {
    AUTOLINK_SCHEME.lastIndex = i + 1;
    if (!AUTOLINK_SCHEME.test(s)) continue;
    const from = AUTOLINK_SCHEME.lastIndex;
    stop ??= stops(s, (c) => c === 62 /* > */ || WHITESPACE.test(String.fromCharCode(c)));
    const end = stop[from]!;
    if (end === from || s.charCodeAt(end) !== 62) continue;
    out += s.slice(last, i);
    last = end + 1;
    i = end;
  }
  return last === 0 ? s : out + s.slice(last);
}
