import { describe, expect, it } from 'vitest';
import { highlightCode } from './highlight.js';
import { consoleHref, docHref, refHref, renderMarkdown } from './render-markdown.js';

describe('console paths', () => {
  it('a document path names its source when given, each segment encoded', () => {
    expect(docHref('guides/a b.md', 'x-y', 'react@18')).toBe('/doc/react%4018/guides/a%20b.md#x-y');
    expect(docHref('guides/a.md')).toBe('/doc/guides/a.md');
  });

  it('a citation links to its source: the one it names, else the index\'s only one', () => {
    expect(refHref('acme@2.0:reference/errors.md#acme_e7001', undefined)).toBe('/doc/acme%402.0/reference/errors.md#acme_e7001');
    expect(refHref('reference/errors.md#fix', 'docs')).toBe('/doc/docs/reference/errors.md#fix');
    // a file named a#b.md is cited a%23b.md
    expect(refHref('a%23b.md#intro', 'docs')).toBe('/doc/docs/a%23b.md#intro');
    expect(refHref('plain.md', undefined)).toBe('/doc/plain.md');
  });

  it('relative links stay in the console and in the same source; others are left alone', () => {
    expect(consoleHref('../guides/rollback.md#steps', 'reference/errors.md', 'docs')).toBe('/doc/docs/guides/rollback.md#steps');
    expect(consoleHref('https://example.com/x', 'reference/errors.md', 'docs')).toBe('https://example.com/x');
    expect(consoleHref('#local', 'reference/errors.md', 'docs')).toBe('#local');
  });
});

describe('code highlighting', () => {
  it('highlights a fence whose language is registered, by name or alias', () => {
    const sh = highlightCode('echo "hi" # say it', 'sh');
    expect(sh?.language).toBe('sh');
    expect(sh?.html).toContain('<span class="hljs-string">&quot;hi&quot;</span>');
    expect(sh?.html).toContain('<span class="hljs-comment"># say it</span>');
    expect(highlightCode('a = 1', 'toml')?.html).toContain('hljs-attr');
  });

  it('leaves other fences plain and escaped (no guessing)', () => {
    expect(highlightCode('x', 'cobol')).toBeUndefined();
    expect(highlightCode('x', '')).toBeUndefined();
    const html = renderMarkdown('```cobol\n<script>alert(1)</script>\n```\n', 'a.md', 'docs');
    expect(html).toBe('<pre><code class="language-cobol">&#60;script&#62;alert(1)&#60;/script&#62;</code></pre>\n');
    expect(renderMarkdown('```\nplain\n```\n', 'a.md')).toBe('<pre><code>plain</code></pre>\n');
  });

  it('renders a highlighted block with highlight.js classes, its code escaped', () => {
    const html = renderMarkdown('```yaml\nkey: "<v>"\n```\n', 'a.md', 'docs');
    expect(html).toMatch(/^<pre><code class="hljs language-yaml"><span class="hljs-attr">key:<\/span> <span class="hljs-string">&quot;&lt;v&gt;&quot;<\/span><\/code><\/pre>\n$/);
  });
});
