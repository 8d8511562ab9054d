import { describe, expect, it } from 'vitest';
import { headingText } from './heading-text.js';
import { parseHtml } from './html.js';
import { parseMarkdown } from './markdown.js';

describe('headingText: what a heading shows and cites', () => {
  it('keeps a link’s text, not its destination (rustdoc links every type in a signature)', () => {
    expect(headingText('fn [eq](../../cmp/trait.PartialEq.html#tymethod.eq)(\\&self, other: &\\&mut [\\[U\\]](../../primitive.slice.html)) -> [bool](../../primitive.bool.html)')).toBe(
      'fn eq(&self, other: &&mut [U]) -> bool',
    );
    expect(headingText('Struct [std](../../index.html)::[collections](../index.html)::Iter')).toBe('Struct std::collections::Iter');
  });

  it('resolves backslash escapes and drops emphasis marks, inline tags and images to their alt text', () => {
    expect(headingText('Why does a_tuple\\[i] += \\[‘item’] raise an exception?')).toBe('Why does a_tuple[i] += [‘item’] raise an exception?');
    expect(headingText('I try to use \\_\\_spam')).toBe('I try to use __spam');
    expect(headingText('**Note** on <b>bold</b> ![logo](x.png)')).toBe('Note on bold logo');
  });

  it('keeps code spans as code, with a fence longer than any backtick run inside', () => {
    expect(headingText('`fs.rm(path[, options], callback)`')).toBe('`fs.rm(path[, options], callback)`');
    expect(headingText('[`subprocess.kill()`](#kill) and `` a`b ``')).toBe('`subprocess.kill()` and `` a`b ``');
    expect(headingText('Expand ~user and ~/.npmrc')).toBe('Expand ~user and ~/.npmrc');
  });

  it('is what a parsed section’s heading holds, for HTML and for Markdown', () => {
    const html = parseHtml(
      'std/struct.Iter.html',
      '<html><body><main><h1>Struct <a href="../index.html">std</a>::<a href="index.html">collections</a>::Iter</h1><p>An iterator.</p>' +
        '<h2 id="method.eq">fn <a href="../cmp/trait.PartialEq.html">eq</a>(&amp;self, other: &amp;<a href="slice.html">[U]</a>) -&gt; <a href="bool.html">bool</a></h2><p>Tests for equality.</p></main></body></html>',
    );
    expect(html.sections.map((s) => s.heading)).toEqual(['Struct std::collections::Iter', 'fn eq(&self, other: &[U]) -> bool']);
    const md = parseMarkdown('guide.md', '# Guide\n\n## See [`fs.rm()`](fs.md#fsrm) and *more*\n\nText.\n');
    expect(md.sections.map((s) => s.heading)).toEqual(['Guide', 'See `fs.rm()` and more']);
  });
});
