/**
 * Canonical names and the strings that are never entities. Every rule goes
 * through here, so `worker_connections`, `worker-connections` and
 * "worker connections" meet on one id, and a version number or a file path is
 * rejected the same way everywhere.
 */

/** Words that docs put in backticks as values or types; never entities on their own. */
const VALUE_WORDS = new Set(
  (
    'true false null undefined nil none nan infinity yes no on off string number boolean bigint symbol object ' +
    'array function int integer float double char byte bytes void any unknown never foo bar baz qux quux ' +
    'this self super default auto all error errors value values key keys name names id type types data file ' +
    'files path dir directory url uri callback options option args arg argv argc err cb fn result results ok'
  ).split(' '),
);

/** Extensions that mark a file name. Words that are also common member names (`log`, `pid`, `env`, `node`, `map`, `key`) are left out. */
const FILE_EXT =
  /\.(?:m?js|cjs|jsx|tsx?|mts|cts|json5?|jsonc|md|mdx|markdown|txt|html?|xhtml|css|scss|wasm|so|dylib|dll|exe|ya?ml|toml|ini|conf|cnf|cfg|sh|bash|zsh|ps1|bat|cmd|py|rb|go|rs|java|jar|c|cc|cpp|cxx|h|hh|hpp|gyp|gypi|pem|crt|cer|pfx|p12|csr|der|gz|tgz|zip|tar|bz2|xz|7z|blob|sqlite|csv|tsv|xml|svg|png|jpe?g|gif|ico|pdf|cpuprofile|heapprofile|heapsnapshot)$/i;

const TLD = /\.(?:com|org|net|io|dev|edu|gov|co|uk|de|fr|jp|info|example|test|localhost|local|internal)$/i;

/** `v18.0.0`, `18.x`, `1.2`, `^1.2.3`, `>=16`. */
export function isVersion(s: string): boolean {
  return /^(?:[~^]|[<>]=?|=)?v?\d+(?:\.(?:\d+|x|\*)){1,3}(?:[-+][\w.]+)?$/i.test(s) || /^v\d+$/.test(s);
}

/** Plain, hex, signed or unit-suffixed numbers (`1000`, `0x1F`, `-1`, `512MB`, `1e6`, `100%`). */
export function isNumber(s: string): boolean {
  return /^[-+]?(?:0x[\da-f]+|0b[01]+|0o[0-7]+|\d[\d_,]*(?:\.\d+)?(?:e[-+]?\d+)?)(?:[a-z]{1,3}|%)?$/i.test(s);
}

export function isUrl(s: string): boolean {
  return /^[a-z][a-z\d+.-]*:\/\//i.test(s) || /^www\./i.test(s) || /^mailto:/i.test(s) || /^(?:localhost|[\d.]+):\d+/.test(s);
}

/** Absolute, relative and home paths, Windows paths, and bare file names with a known extension. */
export function isFilePath(s: string): boolean {
  if (/\s/.test(s.trim())) return false;
  if (/^(?:\.{1,2}[/\\]|~[/\\]|\/[\w.~-]|[A-Za-z]:\\|\\\\)/.test(s)) return true;
  if (/^[\w.@-]+(?:\/[\w.@*-]+)+\/?$/.test(s) && !/^node:/.test(s)) return true;
  return FILE_EXT.test(s) && /^[\w.@*/-]+$/.test(s);
}

/** True for domain names such as `example.com`. */
export function isHostName(s: string): boolean {
  return /^[a-z\d-]+(?:\.[a-z\d-]+)+$/i.test(s) && TLD.test(s);
}

/**
 * Strings that are never entities whatever the rule: prose words and values
 * in backticks, versions, numbers, URLs, file paths, punctuation.
 */
export function isNoise(raw: string): boolean {
  let known = noiseMemo.get(raw);
  if (known === undefined) {
    known = noise(raw);
    if (noiseMemo.size >= 20_000) noiseMemo.clear();
    noiseMemo.set(raw, known);
  }
  return known;
}

/** The same short strings (`true`, `null`, `callback`) recur in every document; a bounded memo of a pure function. */
const noiseMemo = new Map<string, boolean>();

function noise(raw: string): boolean {
  const s = raw.trim();
  if (s.length < 2 || s.length > 200) return true;
  if (!/[A-Za-z]/.test(s)) return true;
  const unquoted = stripQuotes(s);
  if (VALUE_WORDS.has(unquoted.toLowerCase())) return true;
  return isVersion(s) || isNumber(s) || isUrl(s) || isFilePath(s) || isHostName(s);
}

/** Removes one level of matching quotes. */
export function stripQuotes(s: string): string {
  const m = /^(['"`])(.*)\1$/.exec(s);
  return m ? m[2]! : s;
}

export function collapseSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Lower-case words of a setting name split at `_`, `-`, `.` and spaces. */
function settingWords(s: string): string[] {
  return s
    .trim()
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter((w) => w !== '');
}

/**
 * Canonical name of a configuration setting: lower-case snake case when the
 * name is written in snake, kebab or spaced form (`worker_connections`,
 * `worker-connections`, "worker connections" → `worker_connections`); names
 * with capitals (`maxBuffer`, `NODE_OPTIONS`) are case-sensitive and kept.
 */
export function settingName(raw: string): string {
  const s = raw.trim();
  if (/[A-Z]/.test(s)) return s;
  return settingWords(s).join('_');
}

/** The spellings under which a setting may be written. */
export function settingAliases(name: string): string[] {
  if (/[A-Z]/.test(name) || !name.includes('_')) return [];
  const words = name.split('_');
  return [words.join('-'), words.join(' ')];
}

/**
 * Canonical flag: the value is dropped and, in long flags, `_` folds to `-`
 * (`--pending_deprecation=1` → `--pending-deprecation`). Flags are
 * case-sensitive (`-C` is not `-c`). Single-dash words (`-xzf`, `-version`)
 * are ambiguous between clusters and long options and are rejected.
 */
export function flagName(raw: string): string | undefined {
  const m = /^(--?)([A-Za-z][\w-]*?)(?:\[?=.*|\s.*)?$/.exec(raw.trim());
  if (!m) return undefined;
  const body = m[2]!;
  if (m[1] === '-' && body.length > 1) return undefined;
  return m[1] === '--' ? '--' + body.replace(/_/g, '-') : '-' + body;
}

/** English plural to singular for the last word of a term, conservatively. */
function singular(word: string): string {
  if (word.length <= 3 || /(ss|us|is|ous|ics)$/.test(word)) return word;
  if (/ies$/.test(word)) return word.slice(0, -3) + 'y';
  if (/(ch|sh|x|z)es$/.test(word)) return word.slice(0, -2);
  if (/s$/.test(word)) return word.slice(0, -1);
  return word;
}

/**
 * Canonical name of a defined term: spaces collapsed, lower-cased unless it
 * carries inner capitals (acronyms, product names), last word singular.
 */
export function conceptName(raw: string): string {
  const s = collapseSpace(raw.replace(/[*_`]/g, '')).replace(/[.:;,]+$/, '');
  // Title Case and lower-case words fold; acronyms and inner capitals (`HTTPS`, `Node-API`, `WebAssembly`) stay
  const words = s.split(' ').map((w) => (/^[A-Z]?[a-z'-]*$/.test(w) && !/-[A-Z]/.test(w) ? w.toLowerCase() : w));
  const last = words.length - 1;
  if (last >= 0 && /^[a-z'-]+$/.test(words[last]!)) words[last] = singular(words[last]!);
  return words.join(' ');
}

/** Plural spelling used as an alias of a concept. */
export function conceptAliases(name: string): string[] {
  const words = name.split(' ');
  const last = words[words.length - 1]!;
  if (last.length <= 2 || !/^[a-z'-]+$/.test(last)) return [];
  const plural = /(s|x|z|ch|sh)$/.test(last) ? last + 'es' : /[^aeiou]y$/.test(last) ? last.slice(0, -1) + 'ies' : last + 's';
  return [[...words.slice(0, -1), plural].join(' ')];
}

/**
 * Canonical form of an error message: the text after the class and code,
 * whitespace collapsed, trailing punctuation dropped. Placeholders stay as
 * written so one documented message is one entity.
 */
export function messageName(raw: string): string {
  return stripQuotes(collapseSpace(raw)).replace(/[.\s]+$/, '');
}

/** Sorted, unique, without the canonical name itself and without empty strings. */
export function tidyAliases(name: string, surfaces: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const s of surfaces) {
    const t = collapseSpace(s);
    if (t !== '' && t !== name && t.length <= 200) set.add(t);
  }
  return [...set].sort();
}
