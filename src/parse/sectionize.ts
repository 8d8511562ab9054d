import { append } from '../domain/arrays.js';
import type { SectionLink } from '../domain/types.js';
import { headingText } from './heading-text.js';
import { estimateTokens, type ParsedSection } from './model.js';

/**
 * The format-neutral input of `sectionize`: each parser turns its syntax tree
 * into a flat run of headings and body blocks (in document order).
 */
export type Block =
  | {
      kind: 'heading';
      /** 1–6. */
      level: number;
      /** Heading content as written (inline Markdown). */
      source: string;
      /** Heading as plain text (what a reader sees). */
      plain: string;
      /** The id a browser scrolls to for this heading. */
      anchor: string;
      links: SectionLink[];
      /** Other ids that land on this heading (labels before it, ids inside it): the section's aliases. */
      aliases?: string[];
      /**
       * An entry's term (HTML: a definition-list term with an id). Terms stacked
       * with no text between them (Sphinx's several signatures, `<dt id=a><dt
       * id=b><dd>`) are described by the text that follows the last of them.
       */
      entry?: boolean;
      /**
       * HTML: the heading's tag and classes (`h3.fn.fngroupitem`), when it has
       * classes. Headings of one shape stacked with no text between them
       * (QDoc's overloads) are described by what follows the last of them, as
       * stacked entries are.
       */
      shape?: string;
      /**
       * HTML: which element holds the heading or term directly (a number per
       * element of the page). Only headings of one holder stack: Sphinx's
       * `<dt><dt><dd>` in one `<dl>`, QDoc's overloads in one `<div>`; a
       * declaration in a box of its own (Erlang's types, each in an
       * `<article>`) is not described by the next one's text.
       */
      group?: number;
    }
  | {
      kind: 'body';
      /** Markdown of one block (paragraph, list, table, code block ...). */
      text: string;
      /** True for fenced/indented code: never cut inside. */
      code?: boolean;
      links: SectionLink[];
      /**
       * Ids of elements in this block (and of empty targets just before it):
       * aliases of the section it lands in. A block with no text hands its ids
       * to the next heading, or to the section of the next text.
       */
      ids?: string[];
    }
  | {
      /**
       * The end of an entry (a definition-list term with an id, an anchored
       * list item): sections of this level and deeper close, and the blocks
       * that follow belong to the section that held the entry.
       */
      kind: 'end';
      level: number;
    };

interface LogicalSection {
  level: number;
  heading: string;
  anchor: string;
  headingPath: string[];
  parent: number;
  /** `merged`: the line of an empty heading merged into this section, not text of its own. */
  blocks: { text: string; code: boolean; links: SectionLink[]; merged?: boolean }[];
  headingLinks: SectionLink[];
  aliases: string[];
  hasChildren: boolean;
  entry: boolean;
  shape: string | undefined;
  group: number | undefined;
}

/**
 * Builds the Section tree of a document: each heading opens a section and the
 * blocks up to the next heading are its body. Long bodies are split at block
 * boundaries into parts that keep the heading path; an empty leaf section (a
 * heading with neither body nor children) is merged into the section before
 * it as a heading line.
 */
export function sectionize(blocks: Iterable<Block>, maxSectionTokens: number): ParsedSection[] {
  const logical: LogicalSection[] = [];
  const open: number[] = []; // stack of open section indexes, by heading level
  let current: LogicalSection | undefined;
  /** Ids met in blocks with no text since the last text: they land on what comes next. */
  let pendingIds: string[] = [];

  for (const block of blocks) {
    if (block.kind === 'end') {
      while (open.length > 0 && logical[open[open.length - 1]!]!.level >= block.level) open.pop();
      current = open.length > 0 ? logical[open[open.length - 1]!] : logical[0]?.level === 0 ? logical[0] : undefined;
      continue;
    }
    if (block.kind === 'heading') {
      while (open.length > 0 && logical[open[open.length - 1]!]!.level >= block.level) open.pop();
      const parentIdx = open.length > 0 ? open[open.length - 1]! : -1;
      const parent = parentIdx >= 0 ? logical[parentIdx] : undefined;
      const plain = normalizeSpace(block.plain);
      current = {
        level: block.level,
        heading: normalizeSpace(headingText(block.source)) || plain,
        anchor: block.anchor,
        headingPath: [...(parent?.headingPath ?? []), plain],
        parent: parentIdx,
        blocks: [],
        headingLinks: block.links,
        aliases: [...pendingIds, ...(block.aliases ?? [])],
        hasChildren: false,
        entry: block.entry === true,
        shape: block.shape,
        group: block.group,
      };
      pendingIds = [];
      if (parent) parent.hasChildren = true;
      logical.push(current);
      open.push(logical.length - 1);
      continue;
    }
    const text = block.text.trim();
    if (text === '') {
      if (block.ids) append(pendingIds, block.ids);
      continue;
    }
    if (!current) {
      current = { level: 0, heading: '', anchor: '', headingPath: [], parent: -1, blocks: [], headingLinks: [], aliases: [], hasChildren: false, entry: false, shape: undefined, group: undefined };
      logical.push(current);
    }
    current.blocks.push({ text, code: block.code ?? false, links: block.links });
    append(current.aliases, pendingIds);
    if (block.ids) append(current.aliases, block.ids);
    pendingIds = [];
  }
  if (current) append(current.aliases, pendingIds);

  mergeEmptyLeaves(logical);
  return splitParts(logical, maxSectionTokens);
}

/** What a section merged into another hands it: its anchor and aliases (a link to them now lands in the other). */
function mergedAliases(s: LogicalSection): string[] {
  return s.anchor === '' ? s.aliases : [s.anchor, ...s.aliases];
}

function mergeEmptyLeaves(logical: LogicalSection[]): void {
  mergeStacked(logical);
  // from the end: an empty heading becomes a line of the section before it
  // (entries and shaped HTML headings: a run goes whole, in order, into the section before it; a plain heading
  // that took the empty one after it keeps its place, as before)
  for (let i = logical.length - 1; i > 0; i--) {
    const s = logical[i]!;
    if (!isEmptyLeaf(s) || (s.blocks.length > 0 && !s.entry && s.shape === undefined)) continue;
    append(logical[i - 1]!.blocks, [headingLine(s)]);
    append(logical[i - 1]!.blocks, s.blocks);
    append(logical[i - 1]!.aliases, mergedAliases(s));
    remove(logical, i);
  }
}

/** A leaf with no text of its own (only lines of empty headings merged into it, if anything). */
const isEmptyLeaf = (s: LogicalSection): boolean => s.blocks.every((b) => b.merged) && !s.hasChildren && s.level > 0;

/** Two sections are stacked alike: entries, or headings of one shape, at one level under one parent, held by one element. */
const alike = (a: LogicalSection, b: LogicalSection): boolean =>
  a.level === b.level && a.parent === b.parent && a.group === b.group && ((a.entry && b.entry) || (a.shape !== undefined && a.shape === b.shape));

/**
 * A run of empty entries (or headings of one shape) directly above one of
 * the same kind that has text (Sphinx's several signatures over one
 * description, hashlib's blake2b / blake2s constants, QDoc's overloads)
 * opens that section, whose description they share, instead of trailing the
 * section before them. A run with no such section after it (attributes
 * without descriptions) is left to the usual merge.
 */
function mergeStacked(logical: LogicalSection[]): void {
  for (let i = 0; i < logical.length; i++) {
    const s = logical[i]!;
    if (!isEmptyLeaf(s) || (!s.entry && s.shape === undefined)) continue;
    let j = i + 1;
    while (j < logical.length && isEmptyLeaf(logical[j]!) && alike(s, logical[j]!)) j++;
    const described = logical[j];
    if (!described || !alike(s, described) || isEmptyLeaf(described)) {
      i = j - 1;
      continue;
    }
    described.blocks = append(logical.slice(i, j).map(headingLine), described.blocks);
    described.aliases = append(logical.slice(i, j).flatMap(mergedAliases), described.aliases);
    for (let k = j - 1; k >= i; k--) remove(logical, k);
  }
}

function headingLine(s: LogicalSection): LogicalSection['blocks'][number] {
  return { text: '#'.repeat(s.level) + ' ' + s.heading, code: false, links: s.headingLinks, merged: true };
}

/** Removes section `i` (a leaf), renumbering the parents after it. */
function remove(logical: LogicalSection[], i: number): void {
  logical.splice(i, 1);
  for (const other of logical) {
    if (other.parent === i) other.parent = i - 1;
    else if (other.parent > i) other.parent -= 1;
  }
}

function splitParts(logical: LogicalSection[], maxTokens: number): ParsedSection[] {
  const out: ParsedSection[] = [];
  const firstPart: number[] = [];
  // an id some section is cited by is never another's alias (the first section with an anchor wins a link)
  const anchors = new Set(logical.map((s) => s.anchor));
  const claimed = new Set<string>();
  for (const s of logical) {
    const aliases = s.aliases.filter((a) => a !== '' && !anchors.has(a) && !claimed.has(a) && (claimed.add(a), true));
    const chunks = chunkBlocks(s.blocks, maxTokens);
    firstPart.push(out.length);
    const parent = s.parent >= 0 ? firstPart[s.parent]! : -1;
    chunks.forEach((chunk, i) => {
      out.push({
        level: s.level,
        heading: s.heading,
        anchor: s.anchor,
        headingPath: s.headingPath,
        parent,
        text: chunk.text,
        part: chunks.length > 1 ? i + 1 : 0,
        aliases: i === 0 ? aliases : [],
        links: i === 0 ? [...s.headingLinks, ...chunk.links] : chunk.links,
      });
    });
  }
  return out;
}

interface Chunk {
  text: string;
  links: SectionLink[];
}

/** Groups blocks into chunks of about maxTokens; one over-long prose block is cut at line or sentence ends, code never. */
function chunkBlocks(blocks: LogicalSection['blocks'], maxTokens: number): Chunk[] {
  const chunks: Chunk[] = [];
  let texts: string[] = [];
  let links: SectionLink[] = [];
  let tokens = 0;
  const flush = (): void => {
    if (texts.length > 0) chunks.push({ text: texts.join('\n\n'), links });
    texts = [];
    links = [];
    tokens = 0;
  };
  for (const block of blocks) {
    const pieces = !block.code && estimateTokens(block.text) > maxTokens * 2 ? cutLongText(block.text, maxTokens) : [block.text];
    pieces.forEach((piece, i) => {
      const t = estimateTokens(piece);
      if (tokens > 0 && tokens + t > maxTokens) flush();
      texts.push(piece);
      if (i === 0) append(links, block.links);
      tokens += t;
    });
  }
  flush();
  return chunks.length > 0 ? chunks : [{ text: '', links: [] }];
}

function cutLongText(text: string, maxTokens: number): string[] {
  const maxChars = maxTokens * 4;
  const out: string[] = [];
  // a piece that starts at a line keeps that line's indentation: a nested list entry stays nested
  const tidy = (piece: string, atLine: boolean): string => (atLine ? piece.replace(/^(?:[ \t]*\n)+/, '') : piece.trimStart()).trimEnd();
  let rest = text;
  let atLine = false;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars);
    let cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf('. '));
    if (cut < maxChars / 2) cut = window.lastIndexOf(' ');
    if (cut < maxChars / 4) cut = maxChars - 1;
    const piece = tidy(rest.slice(0, cut + 1), atLine);
    if (piece.trim() !== '') out.push(piece);
    atLine = rest[cut] === '\n';
    rest = rest.slice(cut + 1);
  }
  const last = tidy(rest, atLine);
  if (last.trim() !== '') out.push(last);
  return out;
}

export function normalizeSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
