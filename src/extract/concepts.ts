import { append } from '../domain/arrays.js';
import { collapseSpace, conceptAliases, conceptName } from './canonical.js';
import type { Finding, SectionContext } from './finding.js';
import { firstSentence } from './scan.js';

/**
 * Concept rules: defined terms. A concept is defined by
 * - a heading whose section opens by defining it ("Program entry point" /
 *   "The program entry point is a specifier-like string."), or "What is X?";
 * - a heading, list entry or opening sentence inside a glossary/terminology section;
 * - an emphasised term followed by a definition ("_Addons_ are dynamically-linked ...");
 * - a definition list (HTML `dl`, which the parser turns into "- term" + indented
 *   definition) or Markdown-extra `Term` / `: definition`.
 */

const GLOSSARY = /\b(?:glossary|terminology|definitions|key (?:terms|concepts)|vocabulary|concepts)\b/i;
const DEFINING_VERB = '(?:is|are|refers? to|means?|represents?|describes?|denotes?|is defined as|is called)';
/** A heading's opening sentence defines it only with a copula and an article, or an explicit defining verb ("are shared by" is not a definition). */
const HEADING_DEFINING_VERB = '(?:(?:is|are) (?:an?|the|one|any|some|used to)\\b|refers? to|means?|represents?|describes?|denotes?|is defined as|is called)';
/** Headings that never name a concept. */
const GENERIC = new Set(
  (
    'introduction overview notes note examples example usage summary background api apis reference options ' +
    'details description caveats limitations see also returns parameters arguments events methods properties ' +
    'terminology glossary definitions concepts warning tip important faq changelog history contributing license ' +
    'installation setup configuration troubleshooting requirements prerequisites compatibility performance security'
  ).split(' '),
);
const PRONOUN_START = /^(?:this|that|these|those|it|they|there|here|each|every|some|all|any|one|both|such|which|what|when|if)\b/i;

function term(raw: string): string | undefined {
  const t = collapseSpace(raw.replace(/[*_]/g, ''));
  const words = t.split(' ');
  if (words.length === 0 || words.length > 5 || t.length < 3 || t.length > 60) return undefined;
  if (GENERIC.has(t.toLowerCase()) || PRONOUN_START.test(t)) return undefined;
  if (!/^[A-Za-z][A-Za-z0-9 '+./-]*$/.test(t)) return undefined;
  // identifiers (camelCase, snake_case) belong to the API and config rules
  if (words.length === 1 && (/^[a-z]+[A-Z]/.test(t) || /_/.test(t))) return undefined;
  return t;
}

function concept(raw: string, definition: string | undefined): Finding | undefined {
  const t = term(raw);
  if (!t) return undefined;
  const name = conceptName(t);
  const attributes: Record<string, unknown> = {};
  const d = definition?.replace(/^[\s.!?:;,]+/, '');
  if (d) attributes.definition = d.length > 300 ? d.slice(0, 297).trimEnd() + '…' : d;
  return { type: 'Concept', name, role: 'defines', surfaces: [t, ...conceptAliases(name)], attributes };
}

const ARTICLE = /an? |the /iy;
const SPACES = /\s+/y;
const DEFINING_AFTER_TERM = new RegExp(`\\s+${HEADING_DEFINING_VERB}`, 'iy');

/**
 * Whether `sentence` opens with the term `t` (after an article or not, each
 * word maybe plural) and a defining verb: what
 * `new RegExp('^(?:an? |the )?' + words.join('\\s+') + '\\s+' + HEADING_DEFINING_VERB, 'i')`
 * matches, without compiling a regular expression per heading (232 for the
 * Node docs: one cold extraction pass over them took a median x0.89 of the
 * CPU without them). `t` is ASCII (see `term`), and the
 * `i` flag without `u` folds ASCII letters only, as `sameAscii` does.
 */
function opensDefining(sentence: string, t: string): boolean {
  const words = t.split(' ').map((w) => w.toLowerCase().replace(/s$/, ''));
  ARTICLE.lastIndex = 0;
  return (ARTICLE.test(sentence) && wordsThenVerb(sentence, ARTICLE.lastIndex, words)) || wordsThenVerb(sentence, 0, words);
}

function wordsThenVerb(s: string, at: number, words: readonly string[]): boolean {
  let i = at;
  for (const [k, w] of words.entries()) {
    if (k > 0) {
      SPACES.lastIndex = i;
      if (!SPACES.test(s)) return false;
      i = SPACES.lastIndex;
    }
    if (!sameAscii(s, i, w)) return false;
    i += w.length;
    // `s?` then whitespace: an s there must be taken (a non-space follows it otherwise)
    if (s[i] === 's' || s[i] === 'S') i++;
  }
  DEFINING_AFTER_TERM.lastIndex = i;
  return DEFINING_AFTER_TERM.test(s);
}

/** Whether `s` holds the lower-case `w` at `at`, ASCII letters matched in either case. */
function sameAscii(s: string, at: number, w: string): boolean {
  if (at + w.length > s.length) return false;
  for (let j = 0; j < w.length; j++) {
    const c = s.charCodeAt(at + j);
    if (c !== w.charCodeAt(j) && !(c >= 65 && c <= 90 && c + 32 === w.charCodeAt(j))) return false;
  }
  return true;
}

function inGlossary(ctx: SectionContext): boolean {
  return ctx.ancestors.some((h) => GLOSSARY.test(h));
}

/** A heading that names a concept its section defines. */
export function conceptHeading(heading: string, plain: string, ctx: SectionContext): Finding[] {
  if (heading.includes('`')) return [];
  const p = plain.trim();
  const what = /^What (?:is|are) (?:an? |the )?(.+?)\??$/i.exec(p);
  const glossary = inGlossary(ctx);
  const t = term(p);
  if (!what && !glossary && !t) return [];
  // the heading-sentence rule needs the heading's first word near the start of the body
  if (!what && !glossary && !ctx.view.prose.slice(0, 400).toLowerCase().includes(t!.split(' ')[0]!.toLowerCase().replace(/s$/, ''))) return [];
  const sentence = firstSentence(ctx.view.prose.slice(0, 1000).replace(/`/g, ''));
  if (what) {
    const f = concept(what[1]!, sentence || undefined);
    return f ? [f] : [];
  }
  if (glossary) {
    // "ALPN and SNI": two terms under one heading
    const parts = /^(\S+(?: \S+){0,2}) (?:and|&) (\S+(?: \S+){0,2})$/.exec(p);
    return (parts ? [parts[1]!, parts[2]!] : [p]).flatMap((t) => concept(t, sentence || undefined) ?? []);
  }
  if (!t || sentence === '' || !sentence.toLowerCase().includes(t.split(' ')[0]!.toLowerCase().replace(/s$/, ''))) return [];
  if (!opensDefining(sentence.replace(/[*_]/g, ''), t)) return [];
  const f = concept(t, sentence);
  return f ? [f] : [];
}

const EMPHASISED = new RegExp(
  `(?:^|[.!?]\\s+|\\n)(?:(?:An?|The)\\s+)?(\\*\\*|\\*|_)([A-Za-z][A-Za-z0-9 '-]{1,48}?)\\1(?:\\s+\\([^)]{1,40}\\))?,?\\s+${DEFINING_VERB}\\s[^\\n]*`,
  'g',
);
const GLOSSARY_SENTENCE = new RegExp(`(?:^|\\n\\s*\\n)(?:An?|The)\\s+([a-z][a-z -]{2,48}?)\\s+${DEFINING_VERB}\\s[^\\n]*`, 'g');
const BOLD_ENTRY = /^(?:\*\*([^*]{2,60})\*\*|__([^_]{2,60})__|\*([^*]{2,60})\*)\s*(?:[:—–]|\s-)\s*(\S.*)$/s;

/** Concepts defined in running text and lists of a section. */
export function conceptsInText(ctx: SectionContext): Finding[] {
  const out: Finding[] = [];
  const prose = ctx.view.prose;
  if (/[*_]/.test(prose)) {
    for (const m of prose.matchAll(EMPHASISED)) {
      const f = concept(m[2]!, collapseSpace(m[0]));
      if (f) out.push(f);
    }
  }
  const glossary = inGlossary(ctx) || GLOSSARY.test(ctx.section.headingPath[ctx.section.headingPath.length - 1] ?? '');
  if (glossary) {
    for (const m of prose.matchAll(GLOSSARY_SENTENCE)) {
      const f = concept(m[1]!, collapseSpace(m[0]));
      if (f) out.push(f);
    }
    for (const item of ctx.view.items) {
      if (item.parent !== -1) continue;
      const b = BOLD_ENTRY.exec(item.text);
      if (!b) continue;
      const f = concept(b[1] ?? b[2] ?? b[3] ?? '', firstSentence(b[4]!));
      if (f) out.push(f);
    }
  }
  append(out, definitionList(ctx));
  return out;
}

/** `- term` + blank line + indented definition, for every item of a list (what an HTML `dl` becomes); or `Term` / `: definition`. */
function definitionList(ctx: SectionContext): Finding[] {
  const out: Finding[] = [];
  const top = ctx.view.items.filter((i) => i.parent === -1 && !i.ordered);
  const shaped = top.map((i) => /^([^\n`]{2,60})\n\s*\n(\S[\s\S]*)$/.exec(i.text));
  if (top.length >= 2 && shaped.every((m) => m && !/[.:;,]$/.test(m[1]!.trim()))) {
    for (const m of shaped) {
      const f = concept(m![1]!, firstSentence(m![2]!));
      if (f) out.push(f);
    }
  }
  if (!ctx.view.prose.includes('\n:')) return out;
  for (const m of ctx.view.prose.matchAll(/(?:^|\n)([A-Za-z][^\n:]{1,60})\n: {1,3}(\S[^\n]*)/g)) {
    const f = concept(m[1]!, collapseSpace(m[2]!));
    if (f) out.push(f);
  }
  return out;
}
