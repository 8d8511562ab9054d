/**
 * A light, single-pass reading of a section's Markdown for the extraction
 * rules: fenced code blocks, inline code spans, list items and sentences.
 * Offsets in `prose` and `plain` are offsets in `text` (blanking keeps
 * lengths), so rules can move between the three views freely.
 */

export interface CodeBlock {
  /** Info-string language, lower-cased ('' when none). */
  lang: string;
  /** Body lines, with the indentation of the fence removed. */
  lines: string[];
  /** Offset of the opening fence in `text`. */
  start: number;
}

export interface CodeSpan {
  /** Content without the backticks, trimmed. */
  code: string;
  start: number;
  end: number;
}

export interface ListItem {
  ordered: boolean;
  /** The number written for an ordered item; 0 for bullets. */
  number: number;
  /** Column of the marker. */
  indent: number;
  /** Item text without the marker, continuation lines joined with '\n' and de-indented. */
  text: string;
  /** Offsets of the item (marker to last line) in `text`. */
  start: number;
  end: number;
  /** Index of the enclosing item in `items`, or -1. */
  parent: number;
}

export interface SectionView {
  text: string;
  /** `text` with fenced code blocks blanked. */
  prose: string;
  /** `prose` with code spans, HTML comments and tags blanked: what is left is running text. */
  plain: string;
  blocks: CodeBlock[];
  spans: CodeSpan[];
  /** List items in document order (outside code blocks). */
  items: ListItem[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`{]*)/;
const SPAN = /``\s?([^`\n]+?)\s?``|`([^`\n]+)`/g;
const HTML_NOISE = /<!--[\s\S]*?-->|<\/?(?:a|span|div|br|sup|sub|img|p|details|summary|b|i|em|strong|small|hr)\b[^>\n]*>/gi;
const ITEM = /^(\s*)([*+-]|\d{1,3}[.)])\s+(.*)$/;

/** Reads a section body once; cost is linear in its length. */
export function scan(text: string): SectionView {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  const proseChars: string[] = [];
  let offset = 0;
  let open: { fence: string; indent: number; block: CodeBlock } | undefined;
  for (const line of lines) {
    const lineEnd = offset + line.length + 1;
    if (open) {
      const close = FENCE.exec(line);
      if (close && close[2]!.startsWith(open.fence) && line.trim() === close[2]) {
        open = undefined;
      } else {
        open.block.lines.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
      }
      proseChars.push(blank(line));
    } else {
      const m = FENCE.exec(line);
      if (m) {
        const block: CodeBlock = { lang: (m[3] ?? '').toLowerCase(), lines: [], start: offset };
        blocks.push(block);
        open = { fence: m[2]!, indent: m[1]!.length, block };
        proseChars.push(blank(line));
      } else {
        proseChars.push(line);
      }
    }
    offset = lineEnd;
  }
  const prose = proseChars.join('\n');
  const spans: CodeSpan[] = [];
  let plain = prose;
  if (prose.includes('`')) {
    const parts: string[] = [];
    let last = 0;
    for (const m of prose.matchAll(SPAN)) {
      const code = (m[1] ?? m[2] ?? '').trim();
      const start = m.index;
      const end = start + m[0].length;
      if (code !== '') spans.push({ code, start, end });
      parts.push(prose.slice(last, start), ' '.repeat(end - start));
      last = end;
    }
    parts.push(prose.slice(last));
    plain = parts.join('');
  }
  if (plain.includes('<')) plain = plain.replace(HTML_NOISE, blank);
  return { text, prose, plain, blocks, spans, items: listItems(proseChars) };
}

function blank(s: string): string {
  return s.includes('\n') ? s.split('\n').map((l) => ' '.repeat(l.length)).join('\n') : ' '.repeat(s.length);
}

function listItems(proseLines: readonly string[]): ListItem[] {
  const items: ListItem[] = [];
  const lines: string[][] = [];
  /** Column where each item's content starts; continuation lines indent to it. */
  const content: number[] = [];
  const open: number[] = [];
  let blankRun = 0;
  let offset = 0;
  for (const line of proseLines) {
    const lineEnd = offset + line.length;
    const indent = line.length - line.trimStart().length;
    const top = open[open.length - 1];
    const first = line.charCodeAt(indent);
    // only lines starting with *, +, - or a digit can open an item
    const m = first === 42 || first === 43 || first === 45 || (first >= 48 && first <= 57) ? ITEM.exec(line) : null;
    if (line.trim() === '') {
      blankRun++;
      if (top !== undefined) lines[top]!.push('');
    } else if (m && (top === undefined || indent < content[top]! + 4)) {
      while (open.length > 0 && items[open[open.length - 1]!]!.indent >= indent) open.pop();
      const marker = m[2]!;
      const ordered = /\d/.test(marker);
      items.push({
        ordered,
        number: ordered ? Number.parseInt(marker, 10) : 0,
        indent,
        text: '',
        start: offset + indent,
        end: lineEnd,
        parent: open.length > 0 ? open[open.length - 1]! : -1,
      });
      const index = items.length - 1;
      lines.push([m[3] ?? '']);
      content.push(indent + marker.length + 1);
      open.push(index);
      extend(items, items[index]!, lineEnd);
      blankRun = 0;
    } else if (top !== undefined) {
      // the innermost open item this line belongs to: indented into it, or a lazy continuation of the last one
      let target: number | undefined;
      for (let k = open.length - 1; k >= 0; k--) {
        const it = open[k]!;
        const lazy = k === open.length - 1 && blankRun === 0 && !/^\s*(?:#|>)/.test(line);
        if (indent >= content[it]! - 1 || lazy) {
          target = it;
          open.length = k + 1;
          break;
        }
      }
      if (target === undefined) open.length = 0;
      else {
        lines[target]!.push(line.slice(Math.min(indent, content[target]!)));
        extend(items, items[target]!, lineEnd);
      }
      blankRun = 0;
    }
    offset = lineEnd + 1;
  }
  items.forEach((item, i) => {
    item.text = lines[i]!.join('\n').trim();
  });
  return items;
}

/** Moves the end of an item and of the items that contain it. */
function extend(items: ListItem[], item: ListItem, end: number): void {
  for (let it: ListItem | undefined = item; it; it = it.parent >= 0 ? items[it.parent] : undefined) {
    if (it.end < end) it.end = end;
  }
}

const SENTENCE_END = /[.!?](?=\s)|\n\s*\n|\n\s*(?:[*+-]|\d{1,3}[.)])\s/g;

/**
 * The sentence (or list item line, or paragraph) around [start, end) in
 * `source`, at most ~300 characters either side. `middle`, when given, stands
 * in for `source[start, end)` (a code span the prose view left out).
 */
export function sentenceAt(source: string, start: number, end: number, middle?: string): string {
  const from = Math.max(0, start - 300);
  const before = source.slice(from, start);
  let s = 0;
  for (const m of before.matchAll(SENTENCE_END)) s = m.index + m[0].length;
  const after = source.slice(end, end + 300);
  SENTENCE_END.lastIndex = 0;
  const next = SENTENCE_END.exec(after);
  SENTENCE_END.lastIndex = 0;
  const e = next ? next.index + 1 : after.length;
  return (before.slice(s) + (middle ?? source.slice(start, end)) + after.slice(0, e)).replace(/\s+/g, ' ').trim();
}

/** The first sentence of a text's running prose (code spans kept), or ''. */
export function firstSentence(prose: string): string {
  const t = prose.replace(/^\s*(>.*\n)*/, '').trimStart();
  const m = /[.!?](?=\s|$)|\n\s*\n/.exec(t);
  return (m ? t.slice(0, m.index + 1) : t).replace(/\s+/g, ' ').trim();
}

/** Tokens of a shell line, honouring quotes; quotes are removed. */
export function shellTokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
      continue;
    }
    cur += ch;
    has = true;
  }
  if (has || cur !== '') out.push(cur);
  return out;
}
