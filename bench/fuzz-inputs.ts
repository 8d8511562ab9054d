/**
 * Seeded generation of odd Markdown and HTML for the parser fuzz
 * (bench/fuzz.ts, test/parser-fuzz.test.ts): fast-check arbitraries for
 * documents (random nesting, unclosed tags, huge attributes, odd Unicode,
 * NULs, mixed line endings, long lines, deep-but-legal and too-deep nesting,
 * entity soup), byte-level mutations of them, and `checkInput`, which runs
 * the real parser and extraction on one input and says what went wrong.
 */
import fc from 'fast-check';
import { UnsupportedFileError, type SkipReason } from '../src/domain/errors.js';
import { extractDocument } from '../src/extract/extract.js';
import { toRecords } from '../src/ingest/records.js';
import { elementNesting } from '../src/parse/html.js';
import { inlineNesting, MAX_NESTING } from '../src/parse/markdown.js';
import { parseFile } from '../src/parse/parse-file.js';

/** One generated file. */
export interface FuzzInput {
  uri: string;
  bytes: Uint8Array;
}

/** How large the generated parts may get: `short` for the test suite, `long` for bench runs. */
export type FuzzScale = 'short' | 'long';

/** Reasons parseFile documents for refusing a file (UnsupportedFileError); anything else thrown is a failure. */
const DOCUMENTED: ReadonlySet<SkipReason> = new Set<SkipReason>(['binary', 'invalid-utf8', 'too-large', 'empty', 'unsupported-type', 'too-deep']);

// ---------------------------------------------------------------------------
// Text pieces

const WORDS = ['the', 'config', 'timeout', 'worker_connections', 'ERR_REQUIRE_ESM', 'git rebase', 'fs.readFile()', '--verbose', 'ENOENT', 'Error:', 'x', 'λ', '数据', '🙂', 'a_b', '$HOME'];
const ODD = ['\u0000', '\u0001', '\u001b', '\u00a0', '\u200b', '\u200d', '\u2028', '\u2029', '\ufeff', '\ufffd', '\ud800', '\udfff', '\u0301', '\u202e', '\t', '\r', '\f', '\v'];
const ENTITIES = ['&amp;', '&lt;', '&gt;', '&quot;', '&#39;', '&#x1F600;', '&#0;', '&#xD800;', '&#1114112;', '&nbsp;', '&bogus;', '&', '&#', '&#x;', '&amp', '&AElig', '&lt'];
const MD_INLINE = ['*', '**', '_', '__', '~~', '`', '``', '[', ']', '(', ')', '![', '](', '<', '>', '\\', '<br>', '<!--', '-->', '{#id}', 'https://example.com/a_b', '<span>', '</span>'];

const word = fc.constantFrom(...WORDS);
/** Odd characters; NUL (which makes a file `binary`) one time in a hundred. */
const odd = fc.oneof({ weight: 99, arbitrary: fc.constantFrom(...ODD.slice(1)) }, { weight: 1, arbitrary: fc.constant(ODD[0]!) });
const entity = fc.constantFrom(...ENTITIES);

/** Running text: words, odd characters, entities and arbitrary Unicode (lone surrogates included). */
const text = fc
  .array(fc.oneof({ weight: 12, arbitrary: word }, { weight: 2, arbitrary: odd }, { weight: 2, arbitrary: entity }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) }), { maxLength: 12 })
  .map((parts) => parts.join(' '));

const mdInline = fc.array(fc.oneof({ weight: 3, arbitrary: text }, { weight: 2, arbitrary: fc.constantFrom(...MD_INLINE) }), { maxLength: 16 }).map((p) => p.join(''));

/** A long line: one piece repeated up to `max` characters. */
function longLine(max: number): fc.Arbitrary<string> {
  return fc.tuple(fc.oneof(mdInline, fc.constantFrom('a', ' ', 'word ', '`c` ', '* ', '[', '![](()', '[a](<', '&amp;', '`&lt', 'ab_', '<b>x</b>')), fc.integer({ min: 1, max })).map(([piece, n]) => (piece === '' ? 'x' : piece).repeat(Math.ceil(n / Math.max(1, piece.length))));
}

const newline = fc.constantFrom('\n', '\n', '\n', '\r\n', '\r');

function joinLines(lines: string[], endings: string[]): string {
  let out = '';
  lines.forEach((l, i) => (out += l + (endings[i % Math.max(1, endings.length)] ?? '\n')));
  return out;
}

// ---------------------------------------------------------------------------
// Markdown

function markdownBlock(scale: FuzzScale): fc.Arbitrary<string> {
  const big = scale === 'long' ? 600_000 : 20_000;
  const deep = scale === 'long' ? 3_000 : 400;
  return fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 7 }), mdInline).map(([n, t]) => '#'.repeat(n) + ' ' + t),
    mdInline,
    longLine(big),
    // nested lists and quotes: mostly legal, sometimes past the limit
    fc.tuple(fc.integer({ min: 1, max: 140 }), fc.constantFrom('- ', '1. ', '> ', '* ', '> - ')).map(([n, m]) => Array.from({ length: Math.min(n, 30) }, (_, i) => '  '.repeat(i) + m + 'level ' + i).join('\n') + '\n' + m.repeat(n) + 'deep'),
    fc.tuple(fc.integer({ min: 1, max: deep }), fc.constantFrom('*', '_', '[', '(', '**', '<b>')).map(([n, d]) => d.repeat(n) + 'x' + [...d].reverse().join('').replace('[', ']').replace('(', ')').repeat(n)),
    // code: fenced (sometimes unclosed), indented
    fc.tuple(fc.constantFrom('```', '~~~', '````'), fc.constantFrom('', 'sh', 'js', 'ini', 'console', 'sql'), fc.array(fc.oneof(text, fc.constantFrom('$ node --flag x', 'Error: ENOENT: no such file', 'key = value', 'SELECT 1;')), { maxLength: 40 }), fc.boolean()).map(
      ([f, lang, lines, closed]) => f + lang + '\n' + lines.join('\n') + (closed ? '\n' + f : ''),
    ),
    fc.array(text, { maxLength: 8 }).map((lines) => lines.map((l) => '    ' + l).join('\n')),
    // tables, HTML blocks, definitions, front-matter-like fences
    fc.tuple(fc.integer({ min: 1, max: 6 }), fc.array(fc.array(text, { maxLength: 6 }), { maxLength: 30 })).map(([cols, rows]) => ['|' + ' h |'.repeat(cols), '|' + '---|'.repeat(cols), ...rows.map((r) => '| ' + r.join(' | ') + ' |')].join('\n')),
    fc.tuple(fc.constantFrom('<div>', '<pre>', '<table>', '<!--', '<details>', '<a id="x"></a>'), text).map(([open, t]) => open + '\n' + t),
    fc.tuple(word, text).map(([w, t]) => `[${w}]: https://example.com/${encodeURIComponent(w)} "${t}"`),
    fc.constantFrom('---', '***', '===', '- - -', '---\ntitle: [unclosed\n---', '...'),
    // a huge run of blank lines, or of one character
    fc.tuple(fc.constantFrom('\n', ' \n', '-', '=', '|', '>'), fc.integer({ min: 1, max: big })).map(([c, n]) => c.repeat(n)),
  );
}

/** A Markdown document: optional front matter, then blocks separated by blank lines or not, with mixed line endings. */
export function markdownDocument(scale: FuzzScale): fc.Arbitrary<string> {
  const frontMatter = fc.option(fc.oneof(fc.constant('---\ntitle: Fuzz\nversion: 1.10\ntags: a, b\n---\n'), text.map((t) => `---\n${t}\n---\n`)), { nil: undefined });
  return fc
    .tuple(frontMatter, fc.array(markdownBlock(scale), { minLength: 1, maxLength: 16 }), fc.array(fc.constantFrom('\n\n', '\n', '\r\n\r\n', '\r\r'), { minLength: 1, maxLength: 4 }), fc.array(newline, { minLength: 1, maxLength: 3 }))
    .map(([fm, blocks, seps, endings]) => (fm ?? '') + blocks.map((b, i) => joinLines(b.split('\n'), endings) + (seps[i % seps.length] ?? '\n\n')).join(''));
}

// ---------------------------------------------------------------------------
// HTML

const TAGS = ['div', 'p', 'span', 'b', 'i', 'em', 'strong', 'a', 'h1', 'h2', 'h3', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'tr', 'td', 'th', 'pre', 'code', 'section', 'article', 'main', 'nav', 'aside', 'header', 'footer', 'br', 'hr', 'img', 'script', 'style', 'template', 'svg', 'math', 'blockquote', 'details', 'summary', 'sup', 'small', 'font', 'x-custom', 'iframe', 'noscript', 'wbr', 'select', 'option', 'input', 'textarea', 'title'];
const ATTRS = ['id', 'class', 'href', 'name', 'role', 'hidden', 'lang', 'title', 'alt', 'src', 'data-x', 'style'];
const CLASSES = ['body', 'document', 'section', 'theme-doc-markdown', 'md-content', 'sphinxsidebar', 'headerlink', 'fragment', 'language-js', 'highlight-sh', 'sig', 'footer', 'navbar', 'toc', 'skip-link', 'top', 'src', 'def', 'odoc-spec', 'spec', 'table', 'title', 'note', 'variablelist'];

function attribute(scale: FuzzScale): fc.Arbitrary<string> {
  const huge = scale === 'long' ? 400_000 : 10_000;
  return fc.oneof(
    fc.tuple(fc.constantFrom(...ATTRS), fc.oneof(fc.constantFrom(...CLASSES), text, fc.constantFrom('#x', 'main', 'main.html#a', 'javascript:x', '../up.html'))).map(([n, v]) => ` ${n}="${v.replace(/"/g, '&quot;')}"`),
    fc.tuple(fc.constantFrom(...ATTRS), fc.integer({ min: 1, max: huge })).map(([n, len]) => ` ${n}="${'v'.repeat(len)}"`),
    fc.constantFrom(' id=unquoted', " class='single'", ' href', ' =', ' a="unterminated', ' id="dup" id="dup"'),
  );
}

interface HtmlTree {
  tag: string;
  attrs: string[];
  children: (HtmlTree | string)[];
  closed: boolean | 'self';
}

function htmlTree(scale: FuzzScale): fc.Arbitrary<HtmlTree> {
  const { tree } = fc.letrec<{ tree: HtmlTree; node: HtmlTree | string }>((tie) => ({
    tree: fc.record({
      tag: fc.constantFrom(...TAGS),
      attrs: fc.array(attribute(scale), { maxLength: 3 }),
      children: fc.array(tie('node'), { maxLength: 6 }),
      closed: fc.constantFrom(true, true, false, false, 'self' as const), // unclosed about 2 in 5, self-closed (XHTML style) 1 in 5
    }),
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, text, tie('tree')),
  }));
  return tree;
}

function renderHtml(t: HtmlTree | string): string {
  if (typeof t === 'string') return t.replace(/</g, '&lt;');
  if (t.closed === 'self') return `<${t.tag}${t.attrs.join('')}/>` + t.children.map(renderHtml).join('');
  return `<${t.tag}${t.attrs.join('')}>` + t.children.map(renderHtml).join('') + (t.closed ? `</${t.tag}>` : '');
}

function htmlBlock(scale: FuzzScale): fc.Arbitrary<string> {
  const big = scale === 'long' ? 600_000 : 20_000;
  const deep = scale === 'long' ? 20_000 : 3_000;
  return fc.oneof(
    { weight: 4, arbitrary: htmlTree(scale).map(renderHtml) },
    fc.array(entity, { maxLength: 40 }).map((e) => e.join('')),
    // deep nesting: legal depths and far past every limit, closed or not
    fc.tuple(fc.constantFrom('div', 'span', 'b', 'li', 'table', 'p', 'ul', 'blockquote', 'a'), fc.integer({ min: 1, max: deep }), fc.boolean()).map(([tag, n, close]) => `<${tag}>`.repeat(n) + 'deep' + (close ? `</${tag}>`.repeat(n) : '')),
    // flat and long: many siblings, one huge text, one long line of inline markup
    fc.tuple(fc.constantFrom('<p>w</p>', '<span>s</span> ', '<b>b</b> ', '<br>', '<li>i', '<tr><td>c', 'word ', '<a href="#x">l</a>', '<a id="x"/>', '<a ', ' '), fc.integer({ min: 1, max: big / 8 })).map(([piece, n]) => piece.repeat(n)),
    fc.constantFrom('<!DOCTYPE html>', '<![CDATA[x]]>', '<!-- unclosed comment', '<?xml version="1.0"?>', '</p></div></body>', '<html><html><body><body>', '<title>T — Site</title>', '<meta name="keywords" content="a, b">'),
  );
}

const HEADS: Record<string, string> = {
  html: '<!DOCTYPE html><html><head><title>Fuzz page</title></head><body>',
  // an XML tool's output: self-closed elements are closed before parsing
  xhtml: '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Fuzz page</title></head><body>',
};

/** An HTML page: optional head (HTML or XHTML), blocks of random trees, flat runs and deep chains, with mixed line endings. */
export function htmlDocument(scale: FuzzScale): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('', '', 'html', 'xhtml'), fc.array(htmlBlock(scale), { minLength: 1, maxLength: 12 }), fc.array(fc.constantFrom('', '\n', '\r\n', '\r'), { minLength: 1, maxLength: 3 }))
    .map(([head, blocks, seps]) => (HEADS[head] ?? '') + blocks.map((b, i) => b + (seps[i % seps.length] ?? '')).join(''));
}

// ---------------------------------------------------------------------------
// Files and mutations

/** Byte-level damage: flips, insertions (NUL, high bytes), cuts and duplicated slices. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat({ max: 64 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.nat({ max: 64 }), times: fc.integer({ min: 2, max: 200 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = bytes;
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip' && b.length > 0) {
      b = b.slice();
      b[at] = m.byte;
    } else if (m.kind === 'insert') {
      b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
    } else if (m.kind === 'cut') {
      b = concat(b.subarray(0, at), b.subarray(at + m.length));
    } else if (m.kind === 'repeat') {
      const slice = b.subarray(at, at + m.length);
      b = concat(b.subarray(0, at), ...Array.from({ length: m.times }, () => slice), b.subarray(at + m.length));
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A generated file: Markdown or HTML (by extension), mutated at the byte level a quarter of the time. */
export function fuzzInput(scale: FuzzScale): fc.Arbitrary<FuzzInput> {
  const md = fc.tuple(fc.constantFrom('doc.md', 'doc.markdown', 'doc.mdx'), markdownDocument(scale));
  const html = fc.tuple(fc.constantFrom('page.html', 'page.htm', 'page.xhtml'), htmlDocument(scale));
  return fc.tuple(fc.oneof(md, html), fc.array(mutation, { maxLength: 4 }), fc.nat({ max: 3 })).map(([[uri, source], mutations, pick]) => {
    const bytes = new TextEncoder().encode(source);
    return { uri, bytes: pick === 0 ? mutate(bytes, mutations) : bytes };
  });
}

// ---------------------------------------------------------------------------
// The check

/** Budgets for one input: time and peak memory grow with its size. */
export interface FuzzBudget {
  /** Milliseconds allowed: base + perKb per KB of input. */
  baseMs: number;
  perKbMs: number;
  /** Peak RSS growth allowed: base + perByte times the input's size (bytes). */
  baseBytes: number;
  perByte: number;
}

/**
 * Linear budgets with room for a busy machine: the costliest flat input,
 * HTML of tiny blocks (`<p>w</p>` repeated), converts at ~7.5 ms per KB on
 * a quiet core (about 60 µs per block, half of it in hast-util-minify-whitespace).
 */
export const DEFAULT_BUDGET: FuzzBudget = { baseMs: 2_000, perKbMs: 20, baseBytes: 256 * 1024 * 1024, perByte: 64 };

export interface FuzzOutcome {
  /** 'indexed', or the documented reason the file was refused. */
  result: 'indexed' | SkipReason;
  ms: number;
  /** Growth of the process's peak RSS during the input (0 when an earlier input set the peak higher). */
  peakGrowth: number;
  sections: number;
}

/** Thrown for an input that broke a rule: what broke, and the input to replay. */
export class FuzzFailure extends Error {
  constructor(
    message: string,
    readonly input: FuzzInput,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Parses and extracts one input the way an ingest job does and checks it:
 * only documented refusals may be thrown; too-deep only for input that nests
 * past the limit (by an estimate independent of the parser's own check); the
 * section tree is well formed; time and peak memory stay within `budget`.
 */
export function checkInput(input: FuzzInput, budget: FuzzBudget = DEFAULT_BUDGET): FuzzOutcome {
  const { uri, bytes } = input;
  const rssBefore = process.memoryUsage().rss;
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const start = performance.now();
  let result: FuzzOutcome['result'] = 'indexed';
  let sections = 0;
  try {
    const doc = parseFile(uri, bytes);
    sections = doc.sections.length;
    doc.sections.forEach((s, i) => {
      if (s.parent >= i || s.parent < -1) throw new FuzzFailure(`${uri}: section ${i} has parent ${s.parent}`, input);
      if (typeof s.text !== 'string' || (s.level === 0) !== (s.headingPath.length === 0)) throw new FuzzFailure(`${uri}: section ${i} is malformed`, input);
    });
    const records = toRecords('fuzz', doc, 'sum', bytes.length, '2024-01-01T00:00:00Z');
    extractDocument({ sourceId: 'fuzz', docId: records.document.id, uri, title: doc.title, sections: records.sections });
  } catch (e) {
    if (e instanceof FuzzFailure) throw e;
    if (!(e instanceof UnsupportedFileError) || !DOCUMENTED.has(e.reason)) {
      throw new FuzzFailure(`${uri} (${bytes.length} bytes) threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, input, { cause: e });
    }
    if (e.reason === 'too-deep') {
      const depth = nestingEstimate(uri, bytes);
      if (depth <= MAX_NESTING / 2) throw new FuzzFailure(`${uri} was refused as too-deep but nests only about ${depth} levels: ${e.message}`, input, { cause: e });
    }
    result = e.reason;
  }
  const ms = performance.now() - start;
  const peakGrowth = Math.max(0, process.resourceUsage().maxRSS * 1024 - Math.max(peakBefore, rssBefore));
  const allowedMs = budget.baseMs + (budget.perKbMs * bytes.length) / 1024;
  if (ms > allowedMs) throw new FuzzFailure(`${uri} (${bytes.length} bytes) took ${ms.toFixed(0)} ms, over its budget of ${allowedMs.toFixed(0)} ms`, input);
  const allowedBytes = budget.baseBytes + budget.perByte * bytes.length;
  if (peakGrowth > allowedBytes) throw new FuzzFailure(`${uri} (${bytes.length} bytes) raised peak memory by ${(peakGrowth / 1e6).toFixed(0)} MB, over its budget of ${(allowedBytes / 1e6).toFixed(0)} MB`, input);
  return { result, ms, peakGrowth, sections };
}

/**
 * Nesting by a count that does not use the parser's own checks: for HTML the
 * element depth parse5 builds; for Markdown the inline estimate, or the
 * container markers and indentation opening the deepest line.
 */
function nestingEstimate(uri: string, bytes: Uint8Array): number {
  const source = new TextDecoder().decode(bytes);
  if (/\.(x?html?|htm)$/i.test(uri)) return elementNesting(source);
  let block = 0;
  for (const line of source.split(/\r\n?|\n/)) {
    const prefix = /^[\s>*+\-\d.)]*/.exec(line)?.[0] ?? '';
    let n = 0;
    for (const ch of prefix) n += ch === ' ' ? 0.5 : ch === '\t' ? 2 : ch === '>' || ch === '-' || ch === '*' || ch === '+' || ch === '.' || ch === ')' ? 1 : 0;
    block = Math.max(block, n);
  }
  return Math.max(block, inlineNesting(source).depth);
}
