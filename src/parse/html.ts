import GithubSlugger from 'github-slugger';
import type { Element, ElementContent, Root, Text } from 'hast';
import { fromParse5 } from 'hast-util-from-parse5';
import { defaultHandlers, type Handle } from 'hast-util-to-mdast';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { toMarkdown, type Options as ToMarkdownOptions } from 'mdast-util-to-markdown';
import { parse, type DefaultTreeAdapterTypes as P5 } from 'parse5';
import { append } from '../domain/arrays.js';
import type { DocumentMeta, SectionLink } from '../domain/types.js';
import { resolveLink } from './links.js';
import { textHandle } from './markdown-text.js';
import { mdastConverter } from './to-mdast.js';
import { baseName } from './markdown.js';
import type { ParsedDocument, ParseOptions } from './model.js';
import { normalizeSpace, sectionize, type Block } from './sectionize.js';

// ---------------------------------------------------------------------------
// Rule tables. Selectors are compound CSS (`tag.class#id[attr=v][attr*=v]`),
// matched by a small iterative matcher: hast-util-select is 10x slower here
// and recurses.

/**
 * Where generators put the documentation body: hints for `contentRoot`,
 * tried in order. The first rule with a matching element that holds text
 * names the candidates; the root is what all of them have in common, widened
 * to every heading and to most of the body's text. No match: `<body>`.
 */
const CONTENT_ROOTS = rules([
  '.theme-doc-markdown', // Docusaurus: the doc body without breadcrumbs, TOC and footer
  'article.md-content__inner', // MkDocs Material
  'main', // HTML5: Javadoc 11+, Material, Furo, mdBook, rustdoc
  '[role=main]', // Sphinx (div.body), MkDocs, Read the Docs
  'article',
  'div.body, div.document', // Sphinx themes without landmarks
  '.md-content, div.markdown', // MkDocs Material, Docusaurus v1
  'div.set, div.book, div.part, div.article, div.chapter, div.appendix, div.preface, div.reference, div.refentry, div.sect1, div.section', // DocBook
  'div.contents', // Doxygen
]);

/** Page furniture a reader skips: removed before the content root is chosen. */
const CHROME = rules([
  'nav, aside, footer, script, style, noscript, template, title, form, button, select, textarea, svg, dialog, object, embed, canvas',
  '[role=navigation], [role=banner], [role=contentinfo], [role=search], [role=complementary], [hidden]',
  '[class*=skip], [class*=breadcrumb], [class*=edit-this-page], .pagination-nav, .prev-next-area, .related-pages, .rst-footer-buttons, .footer, #footer', // #footer: asciidoc, asciidoctor
  '.navbar, .modal', // Bootstrap's navigation bar and dialogs (hidden until opened): MkDocs' default theme, many Sphinx and Jekyll themes
  'a.headerlink, a.hash-link, span.permalink, .linenos, .linenodiv, .lineno', // permalinks, line numbers in code
  'div.sphinxsidebar, div.related, .bd-sidebar-primary, .bd-sidebar-secondary', // Sphinx, its PyData theme
  '.md-sidebar, .md-header, .md-footer, .md-tabs, a.md-content__button', // MkDocs Material
  '#menu-bar', // mdBook: the book's name over every page, and its buttons
  '.theme-doc-toc-desktop, .theme-doc-toc-mobile, .table-of-contents, .theme-doc-version-badge, .theme-doc-version-banner', // Docusaurus
  'div.navheader, div.navfooter, div.toc, div.indexdiv', // DocBook (indexdiv: the back-of-book index's letter groups)
  'table.indextable', // Sphinx: the general and module indexes (genindex, py-modindex)
  '.topNav, .subNav, .bottomNav, .skipNav, .legalCopy, .top-nav, .sub-nav', // Javadoc
  'div#top, #side-nav, #nav-path, div.navpath', // Doxygen
  'div.contents.topic', // Sphinx (docutils): a page's own table of contents
  'div#hd, div#ft, div.yui-b#sidebar', // Django's Sphinx theme (YUI grids): header with global navigation, footer, sidebar
  'div.navigationbar', // QDoc: the breadcrumb over every page
  'div#menu', // YARD: the breadcrumb in the header
  'div#package-header', // Haddock: package name and its Contents / Index links
  'ul#index', // pod2html: the page's table of contents
  'td.listing_lines', // GTK-Doc: the line numbers beside a listing
  'a.srclink', // rustdoc, Haddock, gi-docgen: "[src]" / "source" links beside a declaration
  'a[href="#"]', // a script's toggle or button ("collapse", "expand"): it links nowhere
]);

/** Link texts that are page furniture wherever they appear. */
const CHROME_LINK_TEXT = /^(skip to .*|skip navigation.*|edit (this|on|the) .*|edit page|show source|view (page )?source|\[(src|source)\]|return to main contents)$/i;
/** A link out of the page with exactly this text points at the code that defines what it stands beside (Haddock's "Source"; the bracketed forms are in CHROME_LINK_TEXT). */
const SOURCE_LINK_TEXT = /^Source$/;

/**
 * Deeper elements are flattened to their text before conversion: hast and
 * mdast utilities recurse (hast-util-from-parse5 overflows near 2,000
 * levels), and no real documentation page nests this deep.
 */
const MAX_DEPTH = 128;

/**
 * Emphasis nested deeper than this is unwrapped: mdast-util-to-markdown's
 * emphasis pairing grows steeply with nesting (64 nested <b><i> take seconds).
 */
const MAX_EMPHASIS = 3;
/**
 * Emphasis around more children than this is unwrapped too: the converter
 * spreads all of one emphasis node's output into a call's arguments, and a
 * `<b>` holding tens of thousands of nodes overflows the stack (the fuzzer's
 * `<b>` + 30,000 × `<b>b</b> `).
 */
const MAX_EMPHASIS_CHILDREN = 1000;
const EMPHASIS = new Set(['b', 'strong', 'i', 'em', 'u', 's', 'strike', 'del', 'mark', 'cite', 'dfn', 'var']);

const HEADING = /^h[1-6]$/;
/** Elements that set a definition-list term in code. */
const CODE_TERM = new Set(['code', 'tt', 'kbd', 'samp', 'var']);
/** Containers that are descended into, their content re-cut into blocks. */
const WRAPPERS = new Set(['html', 'body', 'main', 'article', 'section', 'div', 'header', 'hgroup', 'center', 'search', 'li', 'dd', 'dt', 'td', 'th', 'thead', 'tbody', 'tfoot', 'caption', 'figcaption', 'summary']);
/** Blocks converted whole (unless they hold a heading). */
const LEAF_BLOCKS = new Set(['p', 'ul', 'ol', 'dl', 'menu', 'dir', 'table', 'blockquote', 'figure', 'details', 'address', 'fieldset', 'listing', 'xmp', 'plaintext']);
/** Block-level elements, where flattened text gets a line break. */
const BLOCK_LEVEL = new Set([...WRAPPERS, ...LEAF_BLOCKS, 'pre', 'tr', 'hr', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'nav', 'aside', 'footer']);
/** Elements whose text is a fallback no current browser shows (parse5 keeps it as raw text). */
const UNRENDERED_TEXT = new Set(['iframe', 'noembed', 'noframes']);
/** Elements that count as content even without text. */
const MEDIA = new Set(['img', 'picture', 'video', 'audio', 'iframe', 'math']);
const CODE_LANG = /^(?:language|lang|highlight|brush)-(.+)$/;
const NO_LANG = new Set(['default', 'none']);
const TITLE_SUFFIX = [' — ', ' | ', ' – ', ' - '];
/** Separates blocks in the one batch conversion; parse5 turns U+0000 into U+FFFD, so no document contains it. */
const SPLIT = '\u0000docgraph-split\u0000';

const MARKDOWN_OPTIONS: ToMarkdownOptions = { extensions: [gfmToMarkdown()], bullet: '-', rule: '-', fences: true, handlers: { text: textHandle } };

/**
 * Parses an HTML page into the Section model: keeps the documentation body
 * (see CONTENT_ROOTS), drops page furniture (CHROME), and converts body
 * blocks to Markdown (GFM tables, fenced code with its language). Anchors
 * are the ids a browser scrolls to: the heading's id, an `<a id|name>` in
 * or just before it, the id of the section/div it opens, else the id of the
 * innermost element around it, else none (the page): never an id the page lacks.
 * Never throws on malformed or pathologically nested HTML.
 */
export function parseHtml(uri: string, source: string, options: ParseOptions = {}): ParsedDocument {
  const { head, root } = readPage(source);
  const blocks = root ? convert(collect(root, uri, options.headingSlugs ? new GithubSlugger() : undefined)) : [];
  const sections = sectionize(blocks, options.maxSectionTokens ?? 400);
  const firstH1 = blocks.find((b) => b.kind === 'heading' && b.level === 1);
  const title = head.title || (firstH1?.kind === 'heading' ? normalizeSpace(firstH1.plain) : '') || baseName(uri);
  return { uri, format: 'html', title, meta: head.meta, sections };
}

/**
 * The page's head and its content root as hast. The parse5 tree, the
 * largest structure of the parse (about 18 times the size of a flat page),
 * is garbage once this returns, before conversion starts.
 */
function readPage(source: string): { head: { title?: string; meta: DocumentMeta }; root?: Element } {
  const html = childElement(parsePage(source), 'html');
  const head = html ? headInfo(html) : { meta: {} };
  const body = html ? (childElement(html, 'body') ?? html) : undefined;
  if (!body) return { head };
  clean(body, 2);
  return { head, root: fromParse5(contentRoot(body)) as Element };
}

/**
 * The text a reader of the page sees: `<body>` without what is never
 * rendered (script, style, noscript, template, `[hidden]`, the fallback
 * text of iframe, noembed and noframes) and without the
 * page furniture that `parseHtml` removes before it looks for the content
 * (the CHROME table: nav, aside, footer, landmarks, sidebars, skip and edit
 * links, header banners). Block elements end lines. It is the denominator
 * of the coverage measure (eval/coverage.ts): what `parseHtml` drops beyond
 * this is content lost.
 */
export function visibleText(source: string): string {
  const html = childElement(parsePage(source), 'html');
  const body = html ? (childElement(html, 'body') ?? html) : undefined;
  if (!body) return '';
  clean(body, 2);
  return textP5(body, true);
}

/**
 * Where a browser can scroll on a page: every element's id and every
 * `<a name>` (as parse5 reads them, entities decoded). A citation
 * `page#anchor` lands only if its anchor is one of them.
 */
export function pageTargets(source: string): Set<string> {
  const targets = new Set<string>();
  const stack: P5.ParentNode[] = [parsePage(source)];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isElement(node)) {
      for (const a of node.attrs) if (a.name === 'id' || (a.name === 'name' && node.tagName === 'a')) targets.add(a.value);
      if (node.tagName === 'template') stack.push((node as P5.Template).content);
    }
    for (const c of node.childNodes) if ('childNodes' in c) stack.push(c);
  }
  return targets;
}

/**
 * The deepest element nesting of a page as parse5 builds it (iterative).
 * `parseText` (parse.ts) asks when conversion ran out of stack, to tell deep input from
 * a flat input that should have parsed.
 */
export function elementNesting(source: string): number {
  let deepest = 0;
  const stack: [P5.ParentNode, number][] = [[parsePage(source), 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    for (const c of node.childNodes) if (isElement(c)) stack.push([c, depth + 1]);
  }
  return deepest;
}

/**
 * The page as parse5 builds it. An XHTML page (an `<?xml` prolog, or the
 * XHTML namespace on `<html>`) written out by an XML tool closes empty
 * elements as `<a id="x"/>`; read as HTML, that `<a>` stays open, wraps the
 * heading it marks and is copied into what follows (HTML's reopening of
 * formatting elements), so the next heading would start with the previous
 * one's id (DocBook XSL's xhtml output: Debian's reference cited 9.7.3 by
 * 9.7.2's id). Such a page's self-closed elements are closed, as an XML
 * reader (and a browser given `.xhtml`) closes them.
 */
function parsePage(source: string): P5.Document {
  return parse(isXhtml(source) ? source.replace(SELF_CLOSED, (tag: string, name: string, attrs: string | undefined) => (VOID.has(name.toLowerCase()) ? tag : `<${name}${attrs ?? ''}></${name}>`)) : source);
}

function isXhtml(source: string): boolean {
  const start = source.slice(0, 4096).trimStart().replace(/^\uFEFF/, '');
  return start.startsWith('<?xml') || /<html\b[^>]*xmlns=["']http:\/\/www\.w3\.org\/1999\/xhtml["']/i.test(start);
}
// greedy and bounded by the next < or >: linear in the page (a lazy attribute run before `\s*\/>` is quadratic on a long unclosed tag)
const SELF_CLOSED = /<([a-zA-Z][a-zA-Z0-9:-]*)(\s[^<>]*)?\/>/g;
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'basefont', 'bgsound', 'frame', 'keygen']);

// ---------------------------------------------------------------------------
// Selectors

interface Compound {
  tag?: string;
  classes: string[];
  attrs: { name: string; op: string; value: string }[];
}

/** Rules compiled for lookup by tag, class or id; `rule` is the index of the selector list. */
interface RuleTable {
  size: number;
  byKey: Map<string, { rule: number; c: Compound }[]>;
  /** Compounds with neither tag, class nor id: checked on every element. */
  rest: { rule: number; c: Compound }[];
}

function rules(selectorLists: string[]): RuleTable {
  const table: RuleTable = { size: selectorLists.length, byKey: new Map(), rest: [] };
  selectorLists.forEach((list, rule) => {
    for (const selector of list.split(',')) {
      const c = compound(selector.trim());
      const id = c.attrs.find((a) => a.name === 'id' && a.op === '=');
      const key = c.classes[0] !== undefined ? `.${c.classes[0]}` : id ? `#${id.value}` : c.tag;
      if (key === undefined) table.rest.push({ rule, c });
      else table.byKey.set(key, [...(table.byKey.get(key) ?? []), { rule, c }]);
    }
  });
  return table;
}

function compound(selector: string): Compound {
  const tag = /^[a-z][a-z0-9-]*/i.exec(selector)?.[0];
  const c: Compound = { tag: tag?.toLowerCase(), classes: [], attrs: [] };
  for (const m of selector.slice(tag?.length ?? 0).matchAll(/\.([\w-]+)|#([\w-]+)|\[([\w-]+)(?:([*^]?=)"?([^\]"]*)"?)?\]/g)) {
    if (m[1] !== undefined) c.classes.push(m[1]);
    else if (m[2] !== undefined) c.attrs.push({ name: 'id', op: '=', value: m[2] });
    else c.attrs.push({ name: m[3]!.toLowerCase(), op: m[4] ?? '', value: m[5] ?? '' });
  }
  return c;
}

function attr(el: P5.Element, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name) return a.value;
  return undefined;
}

function matches(el: P5.Element, classes: string[], c: Compound): boolean {
  if (c.tag !== undefined && el.tagName !== c.tag) return false;
  for (const name of c.classes) if (!classes.includes(name)) return false;
  for (const a of c.attrs) {
    const v = attr(el, a.name);
    if (v === undefined) return false;
    if (a.op === '=' && v !== a.value) return false;
    if (a.op === '*=' && !v.includes(a.value)) return false;
    if (a.op === '^=' && !v.startsWith(a.value)) return false;
  }
  return true;
}

/** Index of the first rule (below `below`) the element matches, or -1. Called on every element, twice: no allocation unless it has a class. */
function ruleIndex(el: P5.Element, table: RuleTable, below = table.size): number {
  let cls: string | undefined;
  let id: string | undefined;
  for (const a of el.attrs) {
    if (a.name === 'class') cls ??= a.value;
    else if (a.name === 'id') id ??= a.value;
  }
  const classes = cls ? cls.split(/\s+/) : NO_CLASSES;
  let best = consider(table.byKey.get(el.tagName), el, classes, below);
  for (const name of classes) best = consider(table.byKey.get(`.${name}`), el, classes, best);
  if (id) best = consider(table.byKey.get(`#${id}`), el, classes, best);
  best = consider(table.rest, el, classes, best);
  return best < below ? best : -1;
}

const NO_CLASSES: string[] = [];

/** The lowest rule below `best` in `list` that the element matches, else `best`. */
function consider(list: readonly { rule: number; c: Compound }[] | undefined, el: P5.Element, classes: string[], best: number): number {
  if (list === undefined) return best;
  for (const { rule, c } of list) if (rule < best && matches(el, classes, c)) best = rule;
  return best;
}

// ---------------------------------------------------------------------------
// parse5 side: head, chrome, depth, content root

function isElement(node: P5.Node): node is P5.Element {
  return 'tagName' in node;
}

function childElement(parent: P5.ParentNode, tag: string): P5.Element | undefined {
  for (const c of parent.childNodes) if (isElement(c) && c.tagName === tag) return c;
  return undefined;
}

function headInfo(html: P5.Element): { title?: string; meta: DocumentMeta } {
  const meta: DocumentMeta = {};
  const lang = attr(html, 'lang');
  if (lang) meta.lang = lang;
  let title: string | undefined;
  const head = childElement(html, 'head');
  // text before <html> (a CGI header, man2html) pushes <title> into the body
  const titleEl = head && childElement(head, 'title') ? undefined : firstDescendant(html, 'title');
  if (titleEl) title = trimTitle(normalizeSpace(textP5(titleEl)));
  for (const el of head?.childNodes ?? []) {
    if (!isElement(el)) continue;
    if (el.tagName === 'title' && title === undefined) title = trimTitle(normalizeSpace(textP5(el)));
    if (el.tagName !== 'meta') continue;
    const name = attr(el, 'name')?.toLowerCase();
    const content = attr(el, 'content')?.trim();
    if (!content) continue;
    if (name === 'keywords') meta.tags = [...(meta.tags ?? []), ...content.split(',').map((t) => t.trim()).filter(Boolean)];
    else if (name === 'generator') meta.generator = content;
  }
  return { title, meta };
}

/** "Installing — Demo 1.0 documentation" → "Installing": the site name after the last separator goes. */
function trimTitle(title: string): string {
  for (const sep of TITLE_SUFFIX) {
    const at = title.lastIndexOf(sep);
    if (at > 0) return title.slice(0, at).trim();
  }
  return title;
}

/**
 * Removes comments and page furniture below `root` (on a `<body>`, also
 * man2html's header and index), and flattens whatever
 * nests deeper than MAX_DEPTH into its text. Iterative: the tree may be
 * arbitrarily deep here.
 */
function clean(root: P5.Element, rootDepth: number): void {
  if (root.tagName === 'body') dropMan2htmlFurniture(root);
  const stack: [el: P5.Element, depth: number, emphasis: number][] = [[root, rootDepth, 0]];
  while (stack.length > 0) {
    const [el, depth, emphasis] = stack.pop()!;
    if (depth >= MAX_DEPTH && el.childNodes.some(isElement)) {
      el.childNodes = [{ nodeName: '#text', value: textP5(el, true), parentNode: el }];
      continue;
    }
    const kept: P5.ChildNode[] = [];
    const pending = el.childNodes.slice().reverse(); // popped in document order
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (!isElement(c)) {
        if (c.nodeName === '#text') kept.push(c);
      } else if (EMPHASIS.has(c.tagName) && (emphasis >= MAX_EMPHASIS || c.childNodes.length > MAX_EMPHASIS_CHILDREN)) {
        // unwrap: a reader sees no difference past bold italic, nor in the style of a whole page of text
        for (let k = c.childNodes.length - 1; k >= 0; k--) pending.push(c.childNodes[k]!);
      } else if (!isChrome(c)) {
        kept.push(c);
      }
    }
    el.childNodes = kept;
    for (const c of kept) if (isElement(c)) stack.push([c, depth + 1, emphasis + (EMPHASIS.has(c.tagName) ? 1 : 0)]);
  }
  hoistEmphasisSpace(root);
}

/**
 * Moves white space at the edges of emphasis out of it (`<em>class </em>x`
 * becomes `<em>class</em> x`), as a reader sees it: Markdown cannot open or
 * close emphasis next to a space, so the converter would write
 * `*class&#x20;*&#x78;` and the index would hold `x78` where the page says
 * `x` (every Sphinx signature: `<em class="property">class </em>`).
 */
function hoistEmphasisSpace(root: P5.Element): void {
  const edge = (el: P5.Element, last: boolean): P5.TextNode | undefined => {
    let n: P5.Node = el;
    while (isElement(n) && n.childNodes.length > 0) n = n.childNodes[last ? n.childNodes.length - 1 : 0]!;
    return n.nodeName === '#text' ? (n as P5.TextNode) : undefined;
  };
  const space = (parent: P5.Element): P5.TextNode => ({ nodeName: '#text', value: ' ', parentNode: parent });
  const stack: P5.Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    if (el.childNodes.some((c) => isElement(c) && EMPHASIS.has(c.tagName))) {
      el.childNodes = el.childNodes.flatMap((c): P5.ChildNode[] => {
        if (!isElement(c) || !EMPHASIS.has(c.tagName)) return [c];
        const [head, tail] = [edge(c, false), edge(c, true)];
        if (!head || !tail || textP5(c).trim() === '') return [c];
        const before = /^\s/.test(head.value);
        const after = /\s$/.test(tail.value);
        head.value = head.value.trimStart();
        tail.value = tail.value.trimEnd();
        return [...(before ? [space(el)] : []), c, ...(after ? [space(el)] : [])];
      });
    }
    for (const c of el.childNodes) if (isElement(c)) stack.push(c);
  }
}

function isChrome(el: P5.Element): boolean {
  if (ruleIndex(el, CHROME) >= 0) return true;
  // a page header (banner) holds no heading; an article's <header> holds its title
  if (el.tagName === 'header') return !hasDescendant(el, (d) => HEADING.test(d.tagName));
  if (el.tagName === 'a') {
    const text = normalizeSpace(textP5(el));
    if (CHROME_LINK_TEXT.test(text)) return true;
    // a declaration's link to its code (Haddock's "Source"), not a link to a thing named source
    return SOURCE_LINK_TEXT.test(text) && !(attr(el, 'href') ?? '#').startsWith('#') && !hasDescendant(el, (d) => d.tagName === 'code');
  }
  return false;
}

function hasDescendant(root: P5.Element, test: (el: P5.Element) => boolean): boolean {
  return findDescendant(root, test) !== undefined;
}

/** First matching element below `root` in document order; svg subtrees are skipped. */
function findDescendant(root: P5.Element, test: (el: P5.Element) => boolean): P5.Element | undefined {
  const stack: P5.Node[] = [...root.childNodes].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!isElement(n) || n.tagName === 'svg') continue;
    if (test(n)) return n;
    for (let i = n.childNodes.length - 1; i >= 0; i--) stack.push(n.childNodes[i]!);
  }
  return undefined;
}

function firstDescendant(root: P5.Element, tag: string): P5.Element | undefined {
  return findDescendant(root, (el) => el.tagName === tag);
}

/** Text of a parse5 subtree; with `lines`, block elements start new lines and furniture is skipped. */
function textP5(root: P5.Element, lines = false): string {
  let out = '';
  const stack: (P5.Node | '\n')[] = [...root.childNodes].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === '\n') out += n;
    else if (n.nodeName === '#text') out += (n as P5.TextNode).value;
    else if (isElement(n) && n.tagName !== 'template') {
      if (lines && (isChrome(n) || UNRENDERED_TEXT.has(n.tagName))) continue;
      const block = lines && BLOCK_LEVEL.has(n.tagName);
      if (block) stack.push('\n');
      for (let i = n.childNodes.length - 1; i >= 0; i--) stack.push(n.childNodes[i]!);
      if (block) out += '\n';
    }
  }
  return out;
}

/**
 * The main content never holds less than this share of the body's text
 * (after chrome removal): a smaller root is widened. The same figure as the
 * per-page coverage bar (docs/benchmarks.md), so a rule can never by itself
 * push a page below it.
 */
const MIN_ROOT_SHARE = 0.8;

/**
 * The element holding the documentation body (after `clean`), chosen by the
 * page's structure; the CONTENT_ROOTS rules are hints, not the answer:
 * 1. the first rule that matches an element with text names the candidates,
 *    and the root is what they have in common (their lowest common
 *    ancestor), never just the first: asciidoc repeats `div.sect1`, a blog
 *    index repeats `article`;
 * 2. it is widened to take in every heading left on the page: a heading
 *    outside it is content outside it (asciidoc puts the title and NAME in
 *    `div#header`, beside `div#content`);
 * 3. it is widened while it holds less than MIN_ROOT_SHARE of the body's text.
 * Without a matching rule the body (minus chrome) is the content. Iterative;
 * one pass over the tree, and widening walks at most the tree's depth per
 * heading, which `clean` bounds.
 */
function contentRoot(body: P5.Element): P5.Element {
  const tree = layout(body);
  const inside = (el: P5.Element, root: P5.Element): boolean => {
    const [r, d] = [tree.info.get(root)!, tree.info.get(el)!];
    return r.pre <= d.pre && d.pre <= r.end;
  };
  let root: P5.Element | undefined;
  for (const el of tree.matches) root = root === undefined ? el : commonAncestor(root, el, tree.info);
  if (root === undefined) return body;
  for (const h of tree.headings) if (!inside(h, root)) root = commonAncestor(root, h, tree.info);
  const total = tree.info.get(body)!.ink;
  while (root !== body && tree.info.get(root)!.ink < MIN_ROOT_SHARE * total) root = tree.info.get(root)!.parent ?? body;
  return root;
}

interface NodeInfo {
  parent?: P5.Element;
  depth: number;
  /** Preorder index, and the largest preorder index in the subtree: `a` holds `d` iff a.pre ≤ d.pre ≤ a.end. */
  pre: number;
  end: number;
  /** Non-blank characters of text below, plus one per media element: how much a reader sees. */
  ink: number;
}

/**
 * One pass over the tree: where each element sits, how much text it holds,
 * the headings with text, and the outermost elements with text that the
 * first matching CONTENT_ROOTS rule names, in document order.
 */
function layout(body: P5.Element): { info: Map<P5.Element, NodeInfo>; headings: P5.Element[]; matches: P5.Element[] } {
  const info = new Map<P5.Element, NodeInfo>();
  const order: P5.Element[] = [];
  const ruleOf = new Map<P5.Element, number>();
  const stack: [P5.Element, P5.Element | undefined, number][] = [[body, undefined, 0]];
  while (stack.length > 0) {
    const [el, parent, depth] = stack.pop()!;
    info.set(el, { parent, depth, pre: order.length, end: order.length, ink: MEDIA.has(el.tagName) ? 1 : 0 });
    order.push(el);
    const rule = ruleIndex(el, CONTENT_ROOTS);
    if (rule >= 0) ruleOf.set(el, rule);
    for (let i = el.childNodes.length - 1; i >= 0; i--) {
      const c = el.childNodes[i]!;
      if (isElement(c)) stack.push([c, el, depth + 1]);
      else if (c.nodeName === '#text') info.get(el)!.ink += ink((c as P5.TextNode).value);
    }
  }
  // reverse preorder visits children before parents: sum ink and subtree ends upwards
  for (let i = order.length - 1; i > 0; i--) {
    const n = info.get(order[i]!)!;
    const p = info.get(n.parent!)!;
    p.ink += n.ink;
    p.end = Math.max(p.end, n.end);
  }
  const headings = order.filter((el) => HEADING.test(el.tagName) && info.get(el)!.ink > 0);
  let best = CONTENT_ROOTS.size;
  for (const [el, rule] of ruleOf) if (rule < best && info.get(el)!.ink > 0) best = rule;
  const matches: P5.Element[] = [];
  for (const el of order) {
    if (ruleOf.get(el) !== best || info.get(el)!.ink === 0) continue;
    const last = matches[matches.length - 1];
    if (last === undefined || info.get(el)!.pre > info.get(last)!.end) matches.push(el); // outermost only
  }
  return { info, headings, matches };
}

function commonAncestor(a: P5.Element, b: P5.Element, info: Map<P5.Element, NodeInfo>): P5.Element {
  let [x, y] = [a, b];
  while (x !== y) {
    const [nx, ny] = [info.get(x)!, info.get(y)!];
    if (nx.depth >= ny.depth) x = nx.parent ?? x;
    if (ny.depth >= nx.depth) y = ny.parent ?? y;
    if (nx.parent === undefined && ny.parent === undefined) break; // unreachable: one tree, one root
  }
  return x;
}

/** Non-blank characters in a text. */
function ink(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 32 && c !== 160) n++;
  }
  return n;
}

/**
 * man2html pages have no containers: a header (a CGI line, the title,
 * section and date, "Return to Main Contents"), an <hr>, the manual's
 * sections, then an <hr>, an Index of in-page links and a "created by
 * man2html" trailer. Page furniture, like CHROME: drops all but the middle.
 */
function dropMan2htmlFurniture(body: P5.Element): void {
  const kids = body.childNodes;
  const credit = kids.some((c) => isElement(c) && c.tagName === 'a' && (attr(c, 'href') ?? '').includes('man2html'));
  if (!credit) return;
  const start = kids.findIndex((c) => isElement(c) && c.tagName === 'hr');
  let end = kids.findIndex((c) => isElement(c) && c.tagName === 'a' && attr(c, 'name') === 'index');
  if (end < 0) end = kids.length;
  while (end > start + 1 && isElement(kids[end - 1]!) && (kids[end - 1] as P5.Element).tagName === 'hr') end--;
  if (start < 0 || end <= start + 1) return;
  body.childNodes = kids.slice(start + 1, end);
}

// ---------------------------------------------------------------------------
// hast side: cut the content root into headings and body blocks

type Item =
  | { kind: 'heading'; el: Element; level: number; plain: string; anchor: string; links: SectionLink[]; source?: string; entry?: boolean; shape?: string; group?: number; aliases?: string[] }
  | { kind: 'body'; el: Element; links: SectionLink[]; ids?: string[] }
  | { kind: 'code'; text: string; links: SectionLink[]; ids?: string[] }
  | { kind: 'end'; level: number }
  /** Ids met where there is no text (an empty `<span id>`, a wrapper's id): they land on what comes next (sectionize.ts). */
  | { kind: 'ids'; ids: string[] };

interface Frame {
  el: Element;
  next: number;
  /** Inline content waiting to become a paragraph. */
  run: ElementContent[];
  /** A heading has been seen inside this element. */
  sawHeading: boolean;
  /** For a definition list whose terms carry ids: the section level its entries open. */
  entryLevel?: number;
  /** For a titled block with an id (a DocBook table or example): the section level it opened, closed when it ends. */
  blockLevel?: number;
  /** For a definition list with entries: the position in `items` of the last entry it opened. */
  lastEntryAt?: number;
}

/**
 * Walks the content root in document order, descending into containers that
 * hold headings (and into plain wrappers like div/section), and emits
 * headings, code blocks and body blocks. Iterative.
 */
function collect(root: Element, uri: string, slugger: GithubSlugger | undefined): Item[] {
  const { withHeadings, repeated } = headingsOf(root);
  const items: Item[] = [];
  /** A number per element that holds a heading or an entry directly (see `group` in sectionize.ts). */
  const groups = new Map<Element, number>();
  const groupOf = (el: Element): number => {
    let g = groups.get(el);
    if (g === undefined) groups.set(el, (g = groups.size));
    return g;
  };
  /** An empty `<a id|name>` seen since the last content: the target of a following heading. */
  let pendingAnchor: string | undefined;
  /** Level of the last heading: a definition list's entries open sections one below it. */
  let headingLevel = 0;
  const frames: Frame[] = [{ el: root, next: 0, run: [], sawHeading: false }];

  /** Every id of `el` (with its descendants) lands where `el` goes: see `aliases` in parse/model.ts. */
  const idsItem = (el: Element): void => {
    const ids = idsIn(el);
    if (ids.length > 0) items.push({ kind: 'ids', ids });
  };
  const ownId = (el: Element): void => {
    const id = stringProp(el, 'id');
    if (id) items.push({ kind: 'ids', ids: [id] });
  };
  const emitBody = (el: Element): void => {
    if (hasContent(el)) {
      // the first part keeps the element's properties, so its ids include the element's own
      for (const part of inlineParts(el)) items.push({ kind: 'body', el: part, links: linksIn(part, uri), ids: idsIn(part) });
      pendingAnchor = trailingTarget(el);
    } else {
      idsItem(el);
      pendingAnchor = targetIn(el, false) ?? pendingAnchor;
    }
  };
  const flush = (frame: Frame): void => {
    if (frame.run.length === 0) return;
    const run = frame.run;
    frame.run = [];
    let last = run.length; // trailing empty anchors belong to what follows
    while (last > 0 && !hasContent(run[last - 1]!)) last--;
    const trailing = run.slice(last);
    if (last > 0) emitBody(element('div', run.slice(0, last)));
    for (const n of trailing) {
      if (n.type !== 'element') continue;
      idsItem(n);
      pendingAnchor = targetIn(n, false) ?? pendingAnchor;
    }
  };

  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    const child = frame.el.children[frame.next++];
    if (child === undefined) {
      flush(frame);
      frames.pop();
      // a last entry with nothing in its definition (Sphinx autodoc's `<dd></dd>`, its text in the paragraphs
      // after the list) stays open: what follows is its text, up to the next heading or entry
      const emptyLast = frame.lastEntryAt !== undefined && !items.slice(frame.lastEntryAt + 1).some((i) => i.kind === 'body' || i.kind === 'code');
      if (frame.entryLevel !== undefined && !emptyLast) items.push({ kind: 'end', level: frame.entryLevel });
      if (frame.blockLevel !== undefined) items.push({ kind: 'end', level: frame.blockLevel });
      continue;
    }
    if (child.type === 'text') {
      if (frame.run.length > 0 || child.value.trim() !== '') frame.run.push(child);
      continue;
    }
    if (child.type !== 'element') continue;
    const tag = child.tagName;
    const block = tag === 'div' && !withHeadings.has(child) ? titledBlock(child) : undefined;
    const declaration = tag === 'div' && !block ? declarationBlock(child) : undefined;
    if (HEADING.test(tag) && (isAdmonition(frame.el) || repeated.has(stringProp(child, 'id') ?? ''))) {
      // a note's or warning's title ("Note", "Warning") belongs to the section around the box, not a section of its own;
      // so does a heading whose id the page gives several headings (Erlang's `<h3 id="types">Types</h3>` in every
      // function): a link to it lands on the first, and it labels a part of the function, not a section
      flush(frame);
      ownId(child);
      emitBody(element('p', [element('strong', child.children)]));
    } else if (HEADING.test(tag)) {
      flush(frame);
      // an unclosed heading swallows the blocks after it: its title is the inline part before them; a heading
      // that opens with blocks (Erlang's `<h3><div class="title-name">Module</div>…`) has its title in them
      const split = unclosedAt(child);
      const heading = headingItem(split < 0 ? child : { ...child, children: child.children.slice(0, split) }, frames, pendingAnchor, slugger, uri);
      pendingAnchor = undefined;
      if (heading?.kind === 'heading') {
        items.push({ ...heading, group: groupOf(frame.el), aliases: idsIn(child) });
        headingLevel = heading.level;
      } else {
        idsItem(child);
      }
      if (split >= 0) frames.push({ el: element('div', child.children.slice(split)), next: 0, run: [], sawHeading: true });
    } else if (isCodeBlock(child) && !withHeadings.has(child)) {
      flush(frame);
      const text = codeText(child);
      if (text.trim() !== '') {
        items.push({ kind: 'code', text: fence(text, codeLanguage(child, frames)), links: linksIn(child, uri), ids: idsIn(child) });
        pendingAnchor = undefined;
      } else {
        idsItem(child);
      }
    } else if (tag === 'dt' && entryLevelOf(frames) !== undefined && entryTarget(child) !== undefined) {
      flush(frame);
      const entry = entryItem(child, entryLevelOf(frames)!, entryTarget(child)!, uri);
      if (entry) {
        // entries of consecutive lists stack (Sphinx writes a dl per object: hashlib's blake2b / blake2s constants
        // over one paragraph), so an entry's holder is what holds its list
        const listAt = frames.findLastIndex((f) => f.entryLevel !== undefined);
        items.push({ ...entry, group: groupOf(frames[Math.max(0, listAt - 1)]!.el), aliases: idsIn(child) });
        frames[listAt]!.lastEntryAt = items.length - 1;
      } else {
        idsItem(child);
      }
      pendingAnchor = undefined;
    } else if (declaration) {
      flush(frame);
      // a declaration (Haddock's div.top, odoc's div.odoc-spec) is an entry: its signature the heading, the rest its text
      const level = Math.min(6, (entryLevelOf(frames) ?? headingLevel) + 1);
      const entry = entryItem(declaration.signature, level, declaration.anchor, uri, true);
      ownId(child);
      if (entry) items.push({ ...entry, group: groupOf(child), aliases: idsIn(declaration.signature) });
      else idsItem(declaration.signature);
      pendingAnchor = undefined;
      // a heading inside it (Haddock's "Instances") is cited by the declaration's id, not by an id around the page
      frames.push({ el: { ...child, properties: { ...child.properties, id: declaration.anchor }, children: declaration.rest }, next: 0, run: [], sawHeading: true, blockLevel: level });
    } else if (block) {
      flush(frame);
      // a numbered table or example with its own id ("Table 9.45. json and jsonb Operators") is cited by that id
      const { title, rest, anchor } = block;
      const level = Math.min(6, (entryLevelOf(frames) ?? headingLevel) + 1);
      cleanHeading(title);
      const plain = normalizeSpace(textOf(title));
      ownId(child);
      items.push({ kind: 'heading', el: title, level, plain, anchor, links: linksIn(title, uri), aliases: idsIn(title) });
      pendingAnchor = undefined;
      frames.push({ el: { ...child, children: rest }, next: 0, run: [], sawHeading: true, blockLevel: level });
    } else if (tag === 'dl' && !withHeadings.has(child) && hasEntries(child)) {
      flush(frame);
      // entries nest one level below the entry or heading that holds the list
      const outer = entryLevelOf(frames);
      ownId(child);
      frames.push({ el: child, next: 0, run: [], sawHeading: false, entryLevel: Math.min(6, (outer ?? headingLevel) + 1) });
    } else if (withHeadings.has(child) || WRAPPERS.has(tag)) {
      flush(frame);
      ownId(child);
      frames.push({ el: child, next: 0, run: [], sawHeading: false });
    } else if (tag === 'tr' || (tag === 'table' && rowsOf(child).length === 1)) {
      flush(frame); // a lone row (layout tables: Doxygen member lists) reads as a line of text
      ownId(child);
      if (tag === 'table') for (const row of rowsOf(child)) ownId(row);
      emitBody(element('div', rowsOf(child).flatMap((row) => cellsAsRun(row))));
    } else if (LEAF_BLOCKS.has(tag)) {
      flush(frame);
      emitBody(child);
    } else if (tag === 'hr') {
      flush(frame);
      ownId(child);
    } else if (tag !== 'br' || frame.run.length > 0) {
      frame.run.push(child);
    }
  }
  return items;
}

/**
 * Where an unclosed heading's title ends: at the first block that follows
 * text and holds more than signs (`<h2>Title<p>…` as parse5 reads an `<h2>`
 * never closed), or -1. Blocks before any text are part of the title.
 */
function unclosedAt(heading: Element): number {
  let text = false;
  return heading.children.findIndex((c) => {
    // a block of signs only (Erlang's `<div class="title-anchors"><a href="#module">¶</a></div>`) is the heading's permalink
    if (text && c.type === 'element' && BLOCK_LEVEL.has(c.tagName) && c.tagName !== 'br' && !/^[\s\p{P}\p{S}\u200b]*$/u.test(textOf(c))) return true;
    if (hasContent(c)) text = true;
    return false;
  });
}

/**
 * A paragraph (or run of inline content) converted in one piece holds at
 * most this many child nodes and characters of text. hast-util-to-mdast
 * merges adjacent text nodes by appending to the first and re-scanning it,
 * so its work grows with the square of a paragraph's size (100,000 spans in
 * one `<p>` took minutes); bounding the piece bounds that work. Real
 * paragraphs stay far below both.
 */
const MAX_INLINE_NODES = 1000;
const MAX_INLINE_CHARS = 64 * 1024;

/**
 * `el` cut between its children into paragraphs within MAX_INLINE_NODES and
 * MAX_INLINE_CHARS (only `<p>` and runs of inline content; a single child is
 * never cut). A paragraph within both comes back as it is.
 */
function inlineParts(el: Element): Element[] {
  if (el.tagName !== 'p' && el.tagName !== 'div') return [el];
  if (el.children.length <= MAX_INLINE_NODES && textLength(el, MAX_INLINE_CHARS) <= MAX_INLINE_CHARS) return [el];
  const parts: Element[] = [];
  let children: ElementContent[] = [];
  let chars = 0;
  for (const c of el.children) {
    const n = textLength(c, Infinity);
    if (children.length > 0 && (children.length >= MAX_INLINE_NODES || chars + n > MAX_INLINE_CHARS)) {
      parts.push({ ...el, properties: parts.length === 0 ? el.properties : {}, children });
      children = [];
      chars = 0;
    }
    children.push(c);
    chars += n;
  }
  parts.push({ ...el, properties: parts.length === 0 ? el.properties : {}, children });
  return parts;
}

/** Characters of text below `node`, counting stopped once past `limit`. */
function textLength(node: ElementContent | Element, limit: number): number {
  let n = 0;
  const stack: (ElementContent | Element)[] = [node];
  while (stack.length > 0 && n <= limit) {
    const c = stack.pop()!;
    if (c.type === 'text') n += c.value.length;
    else if (c.type === 'element') append(stack, c.children);
  }
  return n;
}

function headingItem(el: Element, frames: Frame[], pendingAnchor: string | undefined, slugger: GithubSlugger | undefined, uri: string): Item | undefined {
  cleanHeading(el);
  const plain = normalizeSpace(textOf(el));
  // the id of the innermost enclosing section/div that this heading opens
  let sectionId: string | undefined;
  for (let i = frames.length - 1; i >= 0 && !frames[i]!.sawHeading; i--) {
    const f = frames[i]!;
    const id = stringProp(f.el, 'id');
    if (sectionId === undefined && id && (f.el.tagName === 'section' || f.el.tagName === 'div')) sectionId = id;
    f.sawHeading = true;
  }
  if (plain === '') return undefined;
  const anchor = stringProp(el, 'id') || targetIn(el, true) || pendingAnchor || sectionId || enclosingId(frames) || slugger?.slug(plain) || '';
  const classes = classesOf(el);
  return { kind: 'heading', el, level: Number(el.tagName.slice(1)), plain, anchor, links: linksIn(el, uri), ...(classes.length > 0 ? { shape: [el.tagName, ...classes].join('.') } : {}) };
}

/**
 * The id of the innermost element around a heading that has none of its own
 * (DocBook's `Synopsis` inside `div.refentry#SQL-COPY`, asciidoc's `NAME`
 * inside `div#header`): the place a browser scrolls to that holds the
 * heading. A page's HTML is final, so an id it lacks (a slug of the heading)
 * would be a citation that lands nowhere; with no id around the heading
 * either, the section is cited by its page ('') unless slugs were asked for
 * (`ParseOptions.headingSlugs`: HTML converted from Word).
 */
function enclosingId(frames: readonly Frame[]): string | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const id = stringProp(frames[i]!.el, 'id');
    if (id) return id;
  }
  return undefined;
}

/**
 * The id a definition-list term is cited by: its own id (Sphinx `dt#json.dumps`,
 * `dt#envvar-PYTHONPATH`), or a target at its start (DocBook
 * `<dt><span class="term"><a id="guc-work-mem">`, `<span id>` before an option).
 */
function entryTarget(dt: Element): string | undefined {
  const own = stringProp(dt, 'id');
  if (own) return own;
  const stack: ElementContent[] = [...dt.children].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text' && n.value.trim() !== '') return undefined; // text came first: a target later in the term is not the term's own
    if (n.type !== 'element') continue;
    const id = stringProp(n, 'id') ?? (n.tagName === 'a' && stringProp(n, 'href') === undefined ? stringProp(n, 'name') : undefined);
    if (id) return id;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return undefined;
}

/**
 * A DocBook formal object, a `div.table`, `div.example` or `div.figure` with
 * an id and a title (`p.title`) before its contents: the title, the id, and
 * the rest. The id is the div's, or an empty `<a id>` before the title
 * (Debian's DocBook XSL output: `<div class="table"><a id="…"/><p class="title">`).
 */
function titledBlock(el: Element): { title: Element; anchor: string; rest: ElementContent[] } | undefined {
  if (el.tagName !== 'div' || !classesOf(el).some((c) => FORMAL_BLOCK.has(c))) return undefined;
  let anchor = stringProp(el, 'id');
  let first = el.children.findIndex((c) => c.type === 'element');
  const lead = el.children[first];
  if (lead?.type === 'element' && lead.tagName === 'a' && stringProp(lead, 'href') === undefined && textOf(lead).trim() === '' && stringProp(lead, 'id')) {
    anchor ??= stringProp(lead, 'id');
    first = el.children.findIndex((c, i) => i > first && c.type === 'element');
  }
  const title = el.children[first];
  if (!anchor || title?.type !== 'element' || title.tagName !== 'p' || !classesOf(title).includes('title') || normalizeSpace(textOf(title)) === '') return undefined;
  return { title, anchor, rest: el.children.slice(first + 1) };
}
const FORMAL_BLOCK = new Set(['table', 'example', 'figure']);

/**
 * Declaration blocks of reference generators that do not use definition
 * lists: the block, the signature that is its first element, and where in
 * the signature the id it is cited by sits ('' = the signature's own id).
 * Hints, like the content-root rules: a generator not listed keeps its
 * declarations as text of the section around them.
 */
const DECLARATIONS: readonly { block: string; signature: string; target: string }[] = [
  { block: 'top', signature: 'src', target: 'def' }, // Haddock: div.top > p.src > a.def#t:Chan
  { block: 'odoc-spec', signature: 'spec', target: '' }, // odoc: div.odoc-spec > div.spec#type-t
];

/** A declaration block (DECLARATIONS): its signature, the id it is cited by, and the rest of it. */
function declarationBlock(el: Element): { signature: Element; anchor: string; rest: ElementContent[] } | undefined {
  const classes = classesOf(el);
  const rule = DECLARATIONS.find((r) => classes.includes(r.block));
  if (!rule) return undefined;
  const first = el.children.findIndex((c) => c.type === 'element');
  const signature = el.children[first];
  if (signature?.type !== 'element' || !classesOf(signature).includes(rule.signature)) return undefined;
  const anchor = rule.target === '' ? stringProp(signature, 'id') : [...descendants(signature)].find((d) => classesOf(d).includes(rule.target) && stringProp(d, 'id'))?.properties.id;
  if (typeof anchor !== 'string' || anchor === '') return undefined;
  return { signature, anchor, rest: el.children.slice(first + 1) };
}

/** The entry level of the innermost definition list being walked, if it has entries. */
function entryLevelOf(frames: Frame[]): number | undefined {
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.entryLevel !== undefined) return frames[i]!.entryLevel;
  return undefined;
}

/** A definition list some of whose terms carry an id: each such term opens a citable entry. */
function hasEntries(dl: Element): boolean {
  for (const c of dl.children) {
    if (c.type !== 'element') continue;
    if (c.tagName === 'dt' && entryTarget(c) !== undefined) return true;
    // HTML allows <div> around each dt/dd group
    if (c.tagName === 'div' && c.children.some((d) => d.type === 'element' && d.tagName === 'dt' && entryTarget(d) !== undefined)) return true;
  }
  return false;
}

/** A term with an id as a heading one level below its list's holder; its definition becomes the body. */
function entryItem(dt: Element, level: number, anchor: string, uri: string, signature = false): Extract<Item, { kind: 'heading' }> | undefined {
  cleanHeading(dt);
  const plain = normalizeSpace(textOf(dt));
  if (plain === '') return undefined;
  // a term set in code (a signature, an option, a variable) reads as code, like `fs.readFile(path)` headings in Markdown
  const code = signature || [dt, ...descendants(dt)].some((d) => CODE_TERM.has(d.tagName) || classesOf(d).some((c) => c === 'sig' || c === 'pre' || c === 'option' || c === 'literal'));
  const source = code && !plain.includes('`') ? '`' + plain + '`' : plain;
  return { kind: 'heading', el: dt, level, plain, anchor, links: linksIn(dt, uri), source, entry: true };
}

/**
 * In a heading, in-page links are permalinks: icon-only ones (¶, §, #, ◆) go,
 * ones wrapping the title (mdBook) are unwrapped. Line breaks become spaces.
 */
function cleanHeading(heading: Element): void {
  const stack: Element[] = [heading];
  while (stack.length > 0) {
    const el = stack.pop()!;
    el.children = el.children.flatMap((c): ElementContent[] => {
      if (c.type !== 'element') return [c];
      if (c.tagName === 'br') return [{ type: 'text', value: ' ' }];
      if (c.tagName === 'a' && (stringProp(c, 'href') ?? '').startsWith('#')) {
        const children = /^[\s\p{P}\p{S}\u200b]*$/u.test(textOf(c)) ? [] : c.children;
        // a link that is also a target (texinfo's footnote `<a id="FOOT1" href="#DOCF1">(1)</a>`) keeps its id
        const id = stringProp(c, 'id') ?? stringProp(c, 'name');
        if (id) {
          const span: Element = { type: 'element', tagName: 'span', properties: { id }, children };
          stack.push(span);
          return [span];
        }
        stack.push(c);
        return children;
      }
      stack.push(c);
      return [c];
    });
  }
}

/**
 * A callout box set apart from the text: DocBook's `div.note` / `div.tip` /
 * `div.warning` / `div.caution` / `div.important`, Sphinx and MkDocs
 * `div.admonition`, Bootstrap's `div.alert`. Its heading is the box's label.
 */
function isAdmonition(el: Element): boolean {
  return el.tagName === 'div' && classesOf(el).some((c) => ADMONITION.has(c));
}
const ADMONITION = new Set(['note', 'tip', 'warning', 'caution', 'important', 'admonition', 'alert', 'callout']);

/**
 * In one walk of `root`: the elements below it that contain a heading, and
 * the ids that more than one heading has. A heading that is a label, not a
 * section (a note's "Note" title, a heading whose id the page repeats: see
 * `collect`), does not make the elements around it hold headings: a
 * DocBook variable list with a note in one entry's definition is still a list
 * of entries.
 */
function headingsOf(root: Element): { withHeadings: Set<Element>; repeated: Set<string> } {
  const marked = new Set<Element>();
  const ids = new Set<string>();
  const repeated = new Set<string>();
  const withId: { id: string; path: Element[] }[] = []; // marked once the repeated ids are known
  const mark = (path: readonly Element[]): void => {
    for (let i = path.length - 1; i >= 0 && !marked.has(path[i]!); i--) marked.add(path[i]!);
  };
  const path: Element[] = [];
  const stack: (Element | null)[] = [root]; // null: leave the element on top of `path`
  while (stack.length > 0) {
    const el = stack.pop()!;
    if (el === null) {
      path.pop();
      continue;
    }
    if (HEADING.test(el.tagName) && !(path.length > 0 && isAdmonition(path[path.length - 1]!))) {
      const id = stringProp(el, 'id');
      if (id !== undefined && el !== root) {
        if (ids.has(id)) repeated.add(id);
        else ids.add(id);
        withId.push({ id, path: [...path] });
      } else mark(path);
    }
    path.push(el);
    stack.push(null);
    for (let i = el.children.length - 1; i >= 0; i--) {
      const c = el.children[i]!;
      if (c.type === 'element') stack.push(c);
    }
  }
  for (const h of withId) if (!repeated.has(h.id)) mark(h.path);
  return { withHeadings: marked, repeated };
}

// ---------------------------------------------------------------------------
// hast helpers

function element(tagName: string, children: ElementContent[]): Element {
  return { type: 'element', tagName, properties: {}, children };
}

function stringProp(el: Element, name: string): string | undefined {
  const v = el.properties[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function classesOf(el: Element): string[] {
  const v = el.properties.className;
  return Array.isArray(v) ? v.map(String) : [];
}

/** Preorder walk of the elements below `root` (not root itself). */
function* descendants(root: Element): Generator<Element> {
  const stack: ElementContent[] = [...root.children].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type !== 'element') continue;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/** Visible text; with `lines`, `<br>` and block elements break lines (for code listings). */
function textOf(root: ElementContent | Root, lines = false): string {
  let out = '';
  const stack: (ElementContent | Root | '\n')[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === '\n') out += n;
    else if (n.type === 'text') out += n.value;
    else if (n.type === 'element' || n.type === 'root') {
      const block = lines && n.type === 'element' && BLOCK_LEVEL.has(n.tagName);
      if (lines && n.type === 'element' && n.tagName === 'br') out += '\n';
      if (block && out !== '' && !out.endsWith('\n')) out += '\n';
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]! as ElementContent);
    }
  }
  return out;
}

function hasContent(node: ElementContent): boolean {
  if (node.type === 'text') return node.value.trim() !== '';
  if (node.type !== 'element') return false;
  const stack: ElementContent[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'text' && n.value.trim() !== '') return true;
    if (n.type !== 'element') continue;
    if (MEDIA.has(n.tagName)) return true;
    append(stack, n.children);
  }
  return false;
}

/**
 * An empty `<a id|name>` that ends a block of text: man2html writes
 * `<A NAME="lbAE">&nbsp;</A>` at the end of a `<P>` it never closes, just
 * before the `<H2>` the name is for, so it is the target of what follows.
 */
function trailingTarget(el: Element): string | undefined {
  for (let i = el.children.length - 1; i >= 0; i--) {
    const c = el.children[i]!;
    if (c.type === 'text' && c.value.trim() === '') continue;
    if (c.type !== 'element' || hasContent(c)) return undefined;
    const id = targetIn(c, false);
    if (id) return id;
  }
  return undefined;
}

/**
 * The id a link to this spot would name: an `<a id|name>` at or inside `el`
 * (outside a heading, one without an href), or with `anyElement` any element
 * id (`<h2><span id=...>`, MediaWiki).
 * DocBook's `a.indexterm` is not one: it marks where a back-of-book index
 * term points (`<a id="id-1.9.4.13.1" class="indexterm">` before a reference
 * page's name), and the section's own id names the section.
 */
function targetIn(el: Element, anyElement: boolean): string | undefined {
  for (const d of [el, ...descendants(el)]) {
    if (d.tagName === 'a' && classesOf(d).includes('indexterm')) continue;
    // outside a heading, a link with an id is a link (YARD's header button `<a id="class_list_link" href=…>`), not a target for what follows
    if (!anyElement && d.tagName === 'a' && stringProp(d, 'href') !== undefined) continue;
    const id = d.tagName === 'a' ? (stringProp(d, 'id') ?? stringProp(d, 'name')) : anyElement ? stringProp(d, 'id') : undefined;
    if (id) return id;
  }
  return undefined;
}

/** The ids at or under `root` a link can name: every element id, and `<a name>` (as `pageTargets` counts them). */
function idsIn(root: Element): string[] {
  const ids: string[] = [];
  for (const el of [root, ...descendants(root)]) {
    const id = stringProp(el, 'id');
    if (id) ids.push(id);
    const name = el.tagName === 'a' ? stringProp(el, 'name') : undefined;
    if (name && name !== id) ids.push(name);
  }
  return ids;
}

function linksIn(root: Element, uri: string): SectionLink[] {
  const links: SectionLink[] = [];
  for (const el of [root, ...descendants(root)]) {
    const href = el.tagName === 'a' ? stringProp(el, 'href') : undefined;
    if (href === undefined) continue;
    const text = normalizeSpace(textOf(el)) || [...descendants(el)].map((d) => stringProp(d, 'alt') ?? '').join(' ').trim();
    if (text !== '') links.push(resolveLink(uri, href, text)); // an empty link (code line numbers) is nothing a reader follows
  }
  return links;
}

function rowsOf(el: Element): Element[] {
  if (el.tagName === 'tr') return [el];
  const rows: Element[] = [];
  for (const c of el.children) {
    if (c.type !== 'element') continue;
    if (c.tagName === 'tr') rows.push(c);
    else if (c.tagName === 'thead' || c.tagName === 'tbody' || c.tagName === 'tfoot') {
      for (const r of c.children) if (r.type === 'element' && r.tagName === 'tr') rows.push(r);
    }
  }
  return rows;
}

function cellsAsRun(row: Element): ElementContent[] {
  const space: Text = { type: 'text', value: ' ' };
  return row.children.flatMap((cell, i) => (cell.type === 'element' ? (i > 0 ? [space, ...cell.children] : cell.children) : []));
}

/** `<pre>`, or Doxygen's `div.fragment` of `div.line`s. */
function isCodeBlock(el: Element): boolean {
  return el.tagName === 'pre' || (el.tagName === 'div' && classesOf(el).includes('fragment'));
}

function codeText(el: Element): string {
  return textOf(el, true).replace(/\u00a0/g, ' ').replace(/^\n+/, '').replace(/\s+$/, '');
}

/** Language from `language-x`/`highlight-x` classes on the block, its `<code>`, or the wrappers around it (Sphinx, Material). */
function codeLanguage(el: Element, frames: Frame[]): string {
  const code = el.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
  const candidates = [el, ...(code ? [code] : []), ...frames.slice(-3).reverse().map((f) => f.el)];
  for (const c of candidates) {
    for (const cls of classesOf(c)) {
      const lang = CODE_LANG.exec(cls)?.[1];
      if (lang && !NO_LANG.has(lang)) return lang;
    }
  }
  return '';
}

function fence(code: string, lang: string): string {
  let longest = 2;
  for (const m of code.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${code}\n${f}`;
}

// ---------------------------------------------------------------------------
// Markdown conversion: one toMdast + toMarkdown call per document (each call
// costs ~0.2 ms of setup), split back into blocks at SPLIT markers.

const HANDLERS: Record<string, Handle> = {
  hr: (state, node) => (node.properties.dataDocgraphSplit ? { type: 'html', value: SPLIT } : defaultHandlers.hr(state, node)),
  // `<a name>` / `<a id>` targets are not links: keep their text only
  a: (state, node) => (node.properties.href === undefined ? state.all(node) : defaultHandlers.a(state, node)),
  // word-break hints (Javadoc signatures) would put U+200B inside identifiers
  wbr: () => undefined,
};

/** hast-util-to-mdast's conversion with these handlers, without its costly copy and whitespace tests (to-mdast.ts). */
const toMdast = mdastConverter({ handlers: HANDLERS });

function convert(items: Item[]): Block[] {
  const batch = items.filter((i): i is Extract<Item, { el: Element }> => (i.kind === 'heading' && i.source === undefined) || i.kind === 'body');
  const pieces = markdownPieces(batch.map((i) => i.el));
  const blocks: Block[] = [];
  let p = 0;
  for (const item of items) {
    if (item.kind === 'code') {
      blocks.push({ kind: 'body', text: item.text, code: true, links: item.links, ...(item.ids?.length ? { ids: item.ids } : {}) });
      continue;
    }
    if (item.kind === 'ids') {
      blocks.push({ kind: 'body', text: '', links: [], ids: item.ids });
      continue;
    }
    if (item.kind === 'end') {
      blocks.push(item);
      continue;
    }
    if (item.kind === 'heading') {
      // a heading converted with the rest has its Markdown in the next piece, without the #s
      const source = item.source ?? (pieces[p++] ?? '').replace(/^#{1,6}(?:[ \t]+|$)/, '').replace(/\n[=-]+$/, '');
      blocks.push({ kind: 'heading', level: item.level, source, plain: item.plain, anchor: item.anchor, links: item.links, entry: item.entry, shape: item.shape, group: item.group, aliases: item.aliases });
    } else {
      blocks.push({ kind: 'body', text: pieces[p++] ?? '', links: item.links, ...(item.ids?.length ? { ids: item.ids } : {}) });
    }
  }
  return blocks;
}

/**
 * One toMdast + toMarkdown call converts at most this many blocks or this
 * many characters of text (a block over it goes alone): the mdast and the
 * Markdown of a whole 20 MB page at once took 1.4 GB, and a batch's
 * setup (~0.2 ms) is paid once per BATCH_BLOCKS blocks of an ordinary page.
 */
const BATCH_BLOCKS = 2000;
const BATCH_CHARS = 256 * 1024;

/**
 * The elements in consecutive batches of at most BATCH_BLOCKS elements and
 * (unless a single element is larger) BATCH_CHARS characters of text.
 * Exported for tests: the number of batches grows linearly with the page.
 */
export function conversionBatches<T extends Element>(elements: T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let chars = 0;
  for (const el of elements) {
    const n = textLength(el, BATCH_CHARS);
    if (batch.length > 0 && (batch.length >= BATCH_BLOCKS || chars + n > BATCH_CHARS)) {
      batches.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(el);
    chars += n;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function markdownPieces(elements: Element[]): string[] {
  const pieces: string[] = [];
  for (const batch of conversionBatches(elements)) append(pieces, batchPieces(batch));
  return pieces;
}

/**
 * Inline elements hast-util-to-mdast keeps only the children of (its `all`
 * handler), and `<a>` without href (ours): they leave adjacent text nodes,
 * which it then merges one by one, appending to the first and re-scanning it
 * (quadratic: 100,000 spans in one paragraph took minutes).
 */
const TRANSPARENT = new Set(['abbr', 'acronym', 'bdi', 'bdo', 'big', 'blink', 'cite', 'data', 'dfn', 'font', 'ins', 'label', 'nobr', 'small', 'span', 'sub', 'sup', 'time']);

/**
 * Unwraps TRANSPARENT elements below `root` and joins adjacent text nodes
 * in one pass, so the converter finds nothing to merge; the Markdown is the
 * same. Iterative, linear.
 */
function mergeInlineText(root: Element): void {
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    const kept: ElementContent[] = [];
    let texts: string[] = [];
    const pending = el.children.slice().reverse(); // popped in document order
    while (pending.length > 0) {
      const c = pending.pop()!;
      if (c.type === 'element' && (TRANSPARENT.has(c.tagName) || (c.tagName === 'a' && (c.properties.href === undefined || linkCopies(c) > MAX_LINK_COPIES)))) {
        for (let k = c.children.length - 1; k >= 0; k--) pending.push(c.children[k]!);
      } else if (c.type === 'text') {
        texts.push(c.value);
      } else {
        if (texts.length > 0) kept.push({ type: 'text', value: texts.join('') });
        texts = [];
        kept.push(c);
        if (c.type === 'element') stack.push(c);
      }
    }
    if (texts.length > 0) kept.push({ type: 'text', value: texts.join('') });
    el.children = kept;
  }
}

/**
 * A link that holds blocks is written once per block (hast-util-to-mdast
 * splits it around them), href and title each time: 50,000 list items in
 * an `<a>` with a 300 KB href made 15 GB of Markdown. Past this many
 * characters of copies the link is dropped and its text kept. A card link
 * (a heading and a paragraph under a short href) stays far below it.
 */
const MAX_LINK_COPIES = 256 * 1024;

/** Characters hast-util-to-mdast would write for `a`'s href and title: once per block inside it. */
function linkCopies(a: Element): number {
  const size = String(a.properties.href ?? '').length + String(a.properties.title ?? '').length;
  let blocks = 0;
  for (const d of descendants(a)) if (BLOCK_LEVEL.has(d.tagName)) blocks++;
  return Math.max(1, blocks) * size;
}

/** Blocks that may sit inside a table cell, which GFM holds on one line. */
const CELL_BLOCKS = new Set(['p', 'div', 'summary', 'details', 'section', 'article', 'header', 'footer', 'center', 'blockquote', 'dl', 'dt', 'dd', 'address', 'figure', 'figcaption']);

/**
 * A table cell's blocks, unwrapped with a space on each side: a GFM cell is
 * one line, and the converter joins a cell's blocks with nothing between
 * them (`<td><p>one</p><p>two</p></td>` read `onetwo`; Haddock's instance
 * rows read `Instance detailsDefined in`). Lists and code keep their own
 * conversion.
 */
function spaceCellBlocks(root: Element): void {
  if (root.tagName === 'td' || root.tagName === 'th') spaceCell(root);
  for (const el of descendants(root)) if (el.tagName === 'td' || el.tagName === 'th') spaceCell(el);
}

/** One cell's blocks unwrapped (its nested cells are left to their own turn). */
function spaceCell(cell: Element): void {
  const stack: Element[] = [cell];
  while (stack.length > 0) {
    const el = stack.pop()!;
    let unwrapped = true;
    while (unwrapped) {
      unwrapped = false;
      el.children = el.children.flatMap((c): ElementContent[] => {
        if (c.type !== 'element' || !CELL_BLOCKS.has(c.tagName)) return [c];
        unwrapped = true;
        return [{ type: 'text', value: ' ' }, ...c.children, { type: 'text', value: ' ' }];
      });
    }
    for (const c of el.children) if (c.type === 'element' && c.tagName !== 'td' && c.tagName !== 'th') stack.push(c);
  }
}

function batchPieces(elements: Element[]): string[] {
  if (elements.length === 0) return [];
  for (const el of elements) {
    spaceCellBlocks(el);
    mergeInlineText(el);
  }
  const marker = (): Element => ({ type: 'element', tagName: 'hr', properties: { dataDocgraphSplit: true }, children: [] });
  const root: Root = { type: 'root', children: elements.flatMap((el) => [el, marker()]) };
  const md = toMarkdown(toMdast(root), MARKDOWN_OPTIONS);
  const pieces = md.split(SPLIT).map((s) => s.trim());
  if (pieces.length === elements.length + 1) return pieces.slice(0, -1);
  // a converter quirk swallowed or added a marker: convert one by one (slow but exact)
  return elements.map((el) => toMarkdown(toMdast({ type: 'root', children: [el] }), MARKDOWN_OPTIONS).trim());
}
