import type { PhrasingContent, Root, RootContent } from 'mdast';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { toMarkdown, type Options } from 'mdast-util-to-markdown';
import { describe, expect, it } from 'vitest';
import { prng } from '../embed/builtin/linalg.js';
import { textHandle } from './markdown-text.js';

const BASE: Options = { extensions: [gfmToMarkdown()], bullet: '-', rule: '-', fences: true };
const FAST: Options = { ...BASE, handlers: { text: textHandle } };

/** Letters, spaces, line breaks, every ASCII punctuation and a few control characters: what the escaping reacts to. */
const ALPHABET = 'aZ09 _\t\n\r\n  ' + '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' + '\u0000\u0007\u007f wW p s 1. 2) ';

function randomText(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 24);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

/** Text in the places the HTML converter puts it: paragraphs, emphasis, links, headings, list items, table cells. */
function randomTree(rand: () => number): Root {
  const phrasing = (): PhrasingContent[] => {
    const out: PhrasingContent[] = [];
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) {
      const text = { type: 'text' as const, value: randomText(rand) };
      const r = rand();
      if (r < 0.5) out.push(text);
      else if (r < 0.6) out.push({ type: 'emphasis', children: [text] });
      else if (r < 0.7) out.push({ type: 'strong', children: [text] });
      else if (r < 0.8) out.push({ type: 'link', url: randomText(rand), title: rand() < 0.5 ? randomText(rand) : null, children: [text] });
      else if (r < 0.9) out.push({ type: 'inlineCode', value: randomText(rand) });
      else out.push({ type: 'delete', children: [text] });
    }
    return out;
  };
  const blocks: RootContent[] = [];
  for (let i = 0; i < 6; i++) {
    const r = rand();
    if (r < 0.4) blocks.push({ type: 'paragraph', children: phrasing() });
    else if (r < 0.55) blocks.push({ type: 'heading', depth: 2, children: phrasing() });
    else if (r < 0.75) blocks.push({ type: 'list', ordered: rand() < 0.5, children: [{ type: 'listItem', children: [{ type: 'paragraph', children: phrasing() }] }] });
    else if (r < 0.9) {
      const row = () => ({ type: 'tableRow' as const, children: [0, 1].map(() => ({ type: 'tableCell' as const, children: phrasing() })) });
      blocks.push({ type: 'table', children: [row(), row()] });
    } else blocks.push({ type: 'blockquote', children: [{ type: 'paragraph', children: phrasing() }] });
  }
  return { type: 'root', children: blocks };
}

describe('textHandle', () => {
  it('writes what the library text handler writes, on 1,000 random documents of escape-prone text', () => {
    const rand = prng(11);
    let escaped = 0;
    for (let i = 0; i < 1000; i++) {
      const tree = randomTree(rand);
      const expected = toMarkdown(tree, BASE);
      expect(toMarkdown(tree, FAST), JSON.stringify(tree)).toBe(expected);
      if (expected.includes('\\') || expected.includes('&#x')) escaped++;
    }
    expect(escaped).toBeGreaterThan(300); // the cases exercise the escaping, not just plain words
  });

  it('escapes at a line break only when the text has one', () => {
    const para = (value: string): Root => ({ type: 'root', children: [{ type: 'paragraph', children: [{ type: 'text', value }] }] });
    expect(toMarkdown(para('a\n# b'), FAST)).toBe(toMarkdown(para('a\n# b'), BASE));
    expect(toMarkdown(para('a\n# b'), FAST)).toContain('\\#');
    expect(toMarkdown(para('a # b'), FAST)).toBe('a # b\n');
  });
});
