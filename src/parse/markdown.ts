import type { Token, Tokens } from 'marked';
import GithubSlugger from 'github-slugger';
import { isScalar, parseDocument } from 'yaml';
import { append } from '../domain/arrays.js';
import { UnsupportedFileError } from '../domain/errors.js';
import type { DocumentMeta, SectionLink } from '../domain/types.js';
import { InlineTooDeep, lexMarkdown } from './inline-lexer.js';
import { resolveLink } from './links.js';
import type { ParsedDocument, ParseOptions } from './model.js';
import { normalizeSpace, sectionize, type Block } from './sectionize.js';

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;
const COMMENT_ONLY = /^\s*(<!--[\s\S]*?-->\s*)+$/;
/** An empty `<a id|name>` link target: invisible when rendered, so not text. */
const EMPTY_ANCHOR = /<a\s+(?:id|name)\s*=\s*(["'])([^"'<>]*)\1\s*>\s*<\/a>/gi;
const ANCHORS_ONLY = /^\s*(?:<a\s+(?:id|name)\s*=\s*(["'])[^"'<>]*\1\s*>\s*<\/a>\s*)+$/i;
/** A custom heading id (`## Options {#options}`), as kramdown, Pandoc, MkDocs and Docusaurus write it. */
const HEADING_ID = /\s*\{#([\w.:-]+)\}\s*$/;
/** A list item that opens with an empty anchor: `- <a id="opt-x"></a>`--x`: ...`. */
const ANCHORED_ITEM = /^\s*<a\s+(?:id|name)\s*=\s*(["'])([^"'<>]+)\1\s*>\s*<\/a>\s*/i;

/**
 * Deepest block nesting (blockquotes, lists) docgraph parses. marked re-lexes
 * a container's content once per level, so time and memory grow with the cube
 * of the depth: a 4 MB file of 2,000 nested list items took minutes, 6,000
 * nested quotes ran out of memory. Real documents stay near 10 levels.
 */
export const MAX_NESTING = 100;
/** Container markers opening a line, with the indentation around them. */
const CONTAINER_PREFIX = /^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))+/gm;
const MARKER = />|[-+*]|\d{1,9}[.)]/g;

/**
 * Parses GitHub-flavoured Markdown (tables, task lists, YAML front matter)
 * into the Section model. Bodies are slices of the source, so code blocks and
 * tables stay exactly as written; anchors are GitHub slugs, deduplicated the
 * way GitHub does (`-1`, `-2`). Uses marked's lexer: ~30x faster than
 * remark on the Node.js docs (docs/architecture.md).
 */
export function parseMarkdown(uri: string, source: string, options: ParseOptions = {}): ParsedDocument {
  let body = source.replace(/^\uFEFF/, '');
  let meta: DocumentMeta = {};
  let bodyLine = 1;
  const fm = FRONT_MATTER.exec(body);
  if (fm) {
    meta = frontMatter(fm[1] ?? '');
    body = body.slice(fm[0].length);
    bodyLine = fm[0].split('\n').length;
  }
  checkNesting(uri, body, bodyLine);
  let tokens: Token[];
  try {
    tokens = lexMarkdown(boundRuns(body), MAX_NESTING).tokens;
  } catch (e) {
    if (!(e instanceof InlineTooDeep)) throw e;
    const { depth, line } = inlineNesting(body);
    const where = depth > MAX_NESTING ? `about ${depth} levels at line ${bodyLine + line - 1}` : `more than ${MAX_NESTING} levels`;
    throw new UnsupportedFileError(uri, 'too-deep', `${uri} nests emphasis too deeply to parse (${where}; the limit is ${MAX_NESTING})`);
  }
  const slugger = new GithubSlugger();
  let firstH1: string | undefined;
  const blocks: Block[] = [];
  let headingLevel = 0;
  for (const token of tokens) {
    if (token.type === 'space' || token.type === 'def') continue;
    if (token.type === 'html' && COMMENT_ONLY.test(token.raw)) continue;
    if (token.type === 'html' && ANCHORS_ONLY.test(token.raw)) {
      // `<a id="ERR_X"></a>` on a line of its own: no text, a target of what follows (sectionize.ts)
      blocks.push({ kind: 'body', text: '', links: [], ids: anchorIds(token.raw) });
      continue;
    }
    if (token.type === 'heading') {
      const h = token as Tokens.Heading;
      const custom = HEADING_ID.exec(h.text);
      const source = custom ? h.text.slice(0, custom.index) : h.text;
      const plain = normalizeSpace(plainText(h.tokens).replace(HEADING_ID, ''));
      if (h.depth === 1 && firstH1 === undefined) firstH1 = plain;
      blocks.push({ kind: 'heading', level: h.depth, source, plain, anchor: custom ? custom[1]! : slugger.slug(plain), links: linksIn(h, uri) });
      headingLevel = h.depth;
      continue;
    }
    if (token.type === 'list' && (token as Tokens.List).items.some((i) => ANCHORED_ITEM.test(i.text))) {
      append(blocks, anchoredItems(token as Tokens.List, Math.min(6, headingLevel + 1), uri));
      continue;
    }
    const code = token.type === 'code';
    const ids = code ? [] : anchorIds(token.raw);
    blocks.push({ kind: 'body', text: code ? token.raw : token.raw.replace(EMPTY_ANCHOR, ''), code, links: linksIn(token, uri), ...(ids.length > 0 ? { ids } : {}) });
  }
  const sections = sectionize(blocks, options.maxSectionTokens ?? 400);
  const title = stringField(meta.title) ?? firstH1 ?? baseName(uri);
  return { uri, format: 'markdown', title, meta, sections };
}

/** The ids of the empty `<a id|name>` targets in Markdown source. */
function anchorIds(raw: string): string[] {
  return [...raw.matchAll(EMPTY_ANCHOR)].map((m) => m[2]!).filter((id) => id !== '');
}

/**
 * A list whose items open with an empty anchor: each such item is an entry
 * citable by that id (its first line is the heading, the rest its body);
 * other items stay text of the section that holds the list.
 */
function anchoredItems(list: Tokens.List, level: number, uri: string): Block[] {
  const blocks: Block[] = [];
  let inEntry = false;
  for (const item of list.items) {
    const m = ANCHORED_ITEM.exec(item.text);
    if (!m) {
      if (inEntry) blocks.push({ kind: 'end', level });
      inEntry = false;
      const ids = anchorIds(item.raw);
      blocks.push({ kind: 'body', text: item.raw.replace(EMPTY_ANCHOR, ''), links: linksIn(item, uri), ...(ids.length > 0 ? { ids } : {}) });
      continue;
    }
    const rest = item.text.slice(m[0].length);
    const newline = rest.indexOf('\n');
    const first = newline < 0 ? rest : rest.slice(0, newline);
    // the term: a leading code span, or the text before a colon or dash
    const term = /^`[^`]+`/.exec(first)?.[0] ?? first.split(/\s*(?::\s|\s[—–-]\s)/)[0]!.slice(0, 120);
    const plain = normalizeSpace(term.replace(/`/g, ''));
    blocks.push({ kind: 'heading', level, source: term, plain, anchor: m[2]!, links: [] });
    inEntry = true;
    const body = (first.slice(term.length).replace(/^\s*(?::|[—–-])\s*/, '') + (newline < 0 ? '' : rest.slice(newline))).replace(EMPTY_ANCHOR, '').trim();
    const ids = anchorIds(rest);
    if (body !== '' || ids.length > 0) blocks.push({ kind: 'body', text: body, links: linksIn(item, uri), ...(ids.length > 0 ? { ids } : {}) });
  }
  if (inEntry) blocks.push({ kind: 'end', level });
  return blocks;
}

/**
 * Refuses a document nested deeper than MAX_NESTING before the lexer sees it.
 * A line's depth is estimated from its prefix: one level per marker plus one
 * per two columns of indentation beyond the space after each marker (nested
 * list items are indented, not marked).
 */
function checkNesting(uri: string, body: string, firstLine: number): void {
  for (const m of body.matchAll(CONTAINER_PREFIX)) {
    const prefix = m[0];
    let columns = 0;
    for (const ch of prefix) columns += ch === ' ' ? 1 : ch === '\t' ? 4 : 0;
    const markers = prefix.match(MARKER)?.length ?? 0;
    const depth = markers + Math.floor(Math.max(0, columns - markers) / 2);
    if (depth > MAX_NESTING) {
      const line = firstLine + body.slice(0, m.index).split('\n').length - 1;
      throw new UnsupportedFileError(uri, 'too-deep', `${uri} nests block quotes or lists too deeply to parse (about ${depth} levels at line ${line}; the limit is ${MAX_NESTING})`);
    }
  }
}

/**
 * Longest run of text lines (outside fenced code) handed to marked in one
 * piece, in characters. marked's block rules (lheading, paragraph, def,
 * space) match a whole paragraph with regexes that take one backtracking
 * step per character, and V8's regex stack overflows near 8.4 million: an
 * 8.5 MB paragraph or line threw RangeError. Longer runs are cut into
 * paragraphs, at line ends, a line longer than this at a space. Real
 * paragraphs, even tables of a few thousand rows, stay far below it.
 */
const MAX_RUN = 1 << 20;
const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;
const BLANK_LINE = /^[ \t]*$/;

/**
 * The body with every run of text lines outside fenced code (and of blank
 * lines) bounded by MAX_RUN: a run is ended by a blank line where it would
 * grow past it, a longer line is cut at spaces into paragraphs, and blank
 * lines past MAX_RUN characters in a row are dropped. Code inside fences is
 * never touched (marked's fence rule has no such limit). A body shorter than
 * MAX_RUN is returned as it is. Linear in the body's length.
 */
function boundRuns(body: string): string {
  if (body.length <= MAX_RUN) return body;
  // marked reads \r\n and \r as \n too
  const text = body.replace(/\r\n?/g, '\n');
  const out: string[] = [];
  let fence: string | undefined;
  let run = 0;
  let blank = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (fence !== undefined) {
      const close = FENCE_CLOSE.exec(line)?.[1];
      if (close !== undefined && close[0] === fence[0] && close.length >= fence.length) fence = undefined;
      out.push(line);
      continue;
    }
    const open = FENCE_OPEN.exec(line)?.[1];
    if (open !== undefined) {
      fence = open;
      run = blank = 0;
      out.push(line);
      continue;
    }
    if (BLANK_LINE.test(line)) {
      run = 0;
      blank += line.length + 1;
      if (blank <= MAX_RUN) out.push(line);
      continue;
    }
    blank = 0;
    if (run > 0 && run + line.length + 1 > MAX_RUN) {
      out.push('');
      run = 0;
    }
    if (line.length <= MAX_RUN) {
      out.push(line);
      run += line.length + 1;
      continue;
    }
    for (const piece of cutLine(line)) {
      if (run > 0) out.push('');
      out.push(piece);
      run = piece.length + 1;
    }
  }
  return out.join('\n');
}

/** A line longer than MAX_RUN in pieces of at most MAX_RUN characters, cut at a space where there is one in the second half. */
function cutLine(line: string): string[] {
  const pieces: string[] = [];
  let from = 0;
  while (line.length - from > MAX_RUN) {
    let cut = line.lastIndexOf(' ', from + MAX_RUN);
    if (cut < from + MAX_RUN / 2) {
      cut = from + MAX_RUN;
      if (/[\uD800-\uDBFF]/.test(line[cut - 1]!)) cut--; // never between the halves of a surrogate pair
    }
    pieces.push(line.slice(from, cut));
    from = cut;
    while (line[from] === ' ') from++;
  }
  pieces.push(line.slice(from));
  return pieces;
}

/**
 * How deeply the body nests inline constructs, estimated without parsing:
 * the longest run of emphasis delimiters (`*`, `_`, `~`) and the deepest
 * unclosed `[` or `(` within a paragraph, with the line where it is deepest.
 * marked recurses once per level of these; `parseText` (parse.ts) asks when the lexer
 * ran out of stack, to tell deep input from a flat input that should have
 * parsed. Linear.
 */
export function inlineNesting(body: string): { depth: number; line: number } {
  let depth = 0;
  let at = 1;
  let line = 1;
  let run = 0;
  let open = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    run = c === 42 || c === 95 || c === 126 ? run + 1 : 0; // * _ ~
    if (c === 91 || c === 40) open++; // [ (
    else if ((c === 93 || c === 41) && open > 0) open--; // ] )
    else if (c === 10) {
      line++;
      if (body.charCodeAt(i + 1) === 10) open = 0; // a blank line ends the paragraph
    }
    if (run > depth || open > depth) {
      depth = Math.max(run, open);
      at = line;
    }
  }
  return { depth, line: at };
}

/** Text a reader sees in inline tokens: code spans without backticks, no HTML tags. */
function plainText(tokens: Token[] | undefined): string {
  if (!tokens) return '';
  let out = '';
  const stack: Token[] = [...tokens].reverse();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.type === 'html') continue;
    const children = (t as { tokens?: Token[] }).tokens;
    if (children && children.length > 0) {
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
      continue;
    }
    out += 'text' in t && typeof t.text === 'string' ? decodeEntities(t.text) : '';
  }
  return out;
}

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _m);
}

/** Links in a token tree in document order, walked without recursion (documents may nest thousands deep). */
function linksIn(root: Token, uri: string): SectionLink[] {
  const links: SectionLink[] = [];
  const stack: Token[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.type === 'link') {
      const l = t as Tokens.Link;
      links.push(resolveLink(uri, l.href, normalizeSpace(plainText(l.tokens))));
      continue;
    }
    const rec = t as { tokens?: Token[]; items?: Token[]; header?: { tokens: Token[] }[]; rows?: { tokens: Token[] }[][] };
    const children: Token[] = [];
    if (rec.tokens) append(children, rec.tokens);
    if (rec.items) append(children, rec.items);
    if (rec.header) for (const cell of rec.header) append(children, cell.tokens);
    if (rec.rows) for (const row of rec.rows) for (const cell of row) append(children, cell.tokens);
    // pushed last-first so they pop in document order
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return links;
}

function frontMatter(yamlText: string): DocumentMeta {
  try {
    const doc = parseDocument(yamlText);
    if (doc.errors.length > 0) throw doc.errors[0];
    const data: unknown = doc.toJS();
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
    const record = data as Record<string, unknown>;
    const meta: DocumentMeta = { ...record };
    if (typeof record.tags === 'string') meta.tags = record.tags.split(',').map((t) => t.trim()).filter(Boolean);
    else if (Array.isArray(record.tags)) meta.tags = record.tags.map(String);
    else delete meta.tags;
    // a version is text as written: YAML reads `version: 1.10` as the number 1.1
    const version = doc.get('version', true);
    if (isScalar(version) && version.value !== null) meta.version = typeof version.value === 'string' ? version.value : (version.source ?? String(version.value));
    else delete meta.version;
    return meta;
  } catch (e) {
    return { frontMatterError: e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e) };
  }
}

function stringField(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** File name without directory and extension, the title of last resort. */
export function baseName(uri: string): string {
  const name = uri.split('/').pop() ?? uri;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
