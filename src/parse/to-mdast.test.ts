import type { Element, Root } from 'hast';
import { fromParse5 } from 'hast-util-from-parse5';
import { toMdast } from 'hast-util-to-mdast';
import { parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { prng } from '../embed/builtin/linalg.js';
import { mdastConverter } from './to-mdast.js';

/** Tags from every list the whitespace pass reads (blocks, content, skippable, pre-like) and the inline ones docs use. */
const TAGS = ['p', 'div', 'span', 'a', 'em', 'strong', 'code', 'pre', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'tr', 'td', 'th', 'h2', 'h3', 'br', 'hr', 'img', 'input', 'button', 'select', 'textarea', 'script', 'style', 'template', 'nobr', 'xmp', 'blockquote', 'sup', 'kbd', 'wbr', 'section', 'video', 'title', 'option', 'q', 'del', 'figure', 'figcaption', 'caption', 'details', 'summary'];
/** Whitespace of every kind the collapsing reacts to, and text around it. */
const TEXTS = [' ', '  ', '\n', ' \t\n ', '\r\n', 'word', ' two words ', 'a\nb', '\f', '\u00a0x', 'x '];
const ATTRS = ['', ' id="a"', ' id="a"', ' hidden', ' href="/x"', ' title="t"', ' class="c"', ' wrap', ' nowrap', ' list="a"', ' value="v"', ' alt="alt"', ' src="i.png"'];

function randomHtml(rand: () => number, depth: number): string {
  let s = '';
  const n = 1 + Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) {
    if (depth > 4 || rand() < 0.35) {
      s += TEXTS[Math.floor(rand() * TEXTS.length)];
      continue;
    }
    const tag = TAGS[Math.floor(rand() * TAGS.length)]!;
    s += `<${tag}${ATTRS[Math.floor(rand() * ATTRS.length)]}>${randomHtml(rand, depth + 1)}</${tag}>`;
    if (rand() < 0.1) s += '<!-- c -->';
  }
  return s;
}

function hastOf(html: string): Root {
  const body = (fromParse5(parse(html)) as Root).children.find((c): c is Element => c.type === 'element')!.children.find((c): c is Element => c.type === 'element' && c.tagName === 'body')!;
  return { type: 'root', children: [body] };
}

describe('mdastConverter', () => {
  it('gives the mdast of hast-util-to-mdast on 1,000 random pages, and leaves its input as it was', () => {
    const ours = mdastConverter({});
    const rand = prng(7);
    let collapsed = 0;
    for (let i = 0; i < 1000; i++) {
      const tree = hastOf(randomHtml(rand, 0));
      const before = JSON.stringify(tree);
      const expected = JSON.stringify(toMdast(tree));
      expect(JSON.stringify(ours(tree)), before).toBe(expected);
      expect(JSON.stringify(tree)).toBe(before);
      if (before.includes(' \\n') && !expected.includes(' \\n')) collapsed++;
    }
    expect(collapsed).toBeGreaterThan(300); // whitespace around line breaks was collapsed: the pass ran
  });

  it('uses the handlers it is given', () => {
    const ours = mdastConverter({ handlers: { kbd: () => ({ type: 'text', value: 'KEY' }) } });
    const tree = hastOf('<p>press <kbd>x</kbd></p>');
    expect(ours(tree)).toEqual(toMdast(tree, { handlers: { kbd: () => ({ type: 'text', value: 'KEY' }) } }));
    expect(JSON.stringify(ours(tree))).toContain('KEY');
  });
});
