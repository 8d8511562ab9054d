// Guards the order of a section's links: the iterative token walk used to
// pop children last-first, so `links` came out in reverse document order.
import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/parse/markdown.js';

describe('regression: Markdown links are listed in document order', () => {
  it('within a paragraph, across blocks, lists and tables', () => {
    const src = [
      '## See [a](a.md)',
      'First [b](b.md) then [c](c.md) and [d](https://d.example).',
      '- [e](e.md)\n- nested:\n  - [f](f.md)',
      '| x | y |\n|---|---|\n| [g](g.md) | [h](h.md) |\n| [i](i.md) | j |',
      'Last [k](k.md).',
    ].join('\n\n');
    const links = parseMarkdown('doc.md', src).sections[0]!.links;
    expect(links.map((l) => l.text)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'k']);
  });
});
