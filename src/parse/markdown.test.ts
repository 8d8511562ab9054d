import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './markdown.js';
import type { ParsedSection } from './model.js';

function section(sections: ParsedSection[], anchor: string): ParsedSection {
  const s = sections.find((x) => x.anchor === anchor);
  if (!s) throw new Error(`no section #${anchor}; anchors: ${sections.map((x) => x.anchor).join(', ')}`);
  return s;
}

describe('parseMarkdown: front matter', () => {
  it('reads title, tags and version; the front-matter title wins over the first H1', () => {
    const doc = parseMarkdown('guide/install.md', '---\ntitle: Installing Acme\ntags: [install, linux]\nversion: "3.2"\nowner: docs-team\n---\n\n# Install\n\nBody.\n');
    expect(doc.title).toBe('Installing Acme');
    expect(doc.meta).toMatchObject({ title: 'Installing Acme', tags: ['install', 'linux'], version: '3.2', owner: 'docs-team' });
    expect(doc.sections.map((s) => s.heading)).toEqual(['Install']);
    expect(doc.sections[0]!.text).toBe('Body.');
  });

  it('accepts tags as a comma-separated string and a numeric version', () => {
    const doc = parseMarkdown('a.md', '---\ntags: deploy, tls ,\nversion: 2\n---\ntext\n');
    expect(doc.meta.tags).toEqual(['deploy', 'tls']);
    expect(doc.meta.version).toBe('2');
  });

  it('drops tags that are neither a list nor a string', () => {
    const doc = parseMarkdown('a.md', '---\ntags: {a: 1}\n---\ntext\n');
    expect(doc.meta).not.toHaveProperty('tags');
  });

  it('survives invalid YAML: records the error, keeps the body, falls back to the H1 for the title', () => {
    const doc = parseMarkdown('a.md', '---\ntitle: [unclosed\ntags: x\n---\n# Real title\n\nStill indexed.\n');
    expect(doc.title).toBe('Real title');
    expect(typeof doc.meta.frontMatterError).toBe('string');
    expect(doc.meta.frontMatterError).not.toBe('');
    expect(doc.sections[0]!.text).toBe('Still indexed.');
  });

  it('ignores front matter that is not a mapping, and has no title but the file name without one', () => {
    const doc = parseMarkdown('docs/getting-started.md', '---\n- a\n- b\n---\nJust text, no heading.\n');
    expect(doc.meta).toEqual({});
    expect(doc.title).toBe('getting-started');
    expect(doc.sections).toHaveLength(1);
    expect(doc.sections[0]).toMatchObject({ level: 0, heading: '', anchor: '', headingPath: [], text: 'Just text, no heading.' });
  });

  it('takes the first H1 as the title without front matter, and drops a BOM', () => {
    const doc = parseMarkdown('a.md', '\uFEFFIntro.\n\n# First\n\n# Second\n');
    expect(doc.title).toBe('First');
    expect(doc.sections[0]).toMatchObject({ level: 0, text: 'Intro.' });
  });
});

describe('parseMarkdown: GFM blocks are kept in section text', () => {
  const src = [
    '# Settings',
    '',
    '| Key | Default |',
    '|-----|---------|',
    '| `deploy.max_parallel` | `4` |',
    '| `log.level` | `info` |',
    '',
    '- [x] install the agent',
    '- [ ] join the group',
    '',
    '~~old~~ new',
  ].join('\n');

  it('keeps a table exactly as written', () => {
    const s = parseMarkdown('a.md', src).sections[0]!;
    expect(s.text).toContain('| Key | Default |\n|-----|---------|\n| `deploy.max_parallel` | `4` |\n| `log.level` | `info` |');
  });

  it('keeps task list items with their check boxes', () => {
    const s = parseMarkdown('a.md', src).sections[0]!;
    expect(s.text).toContain('- [x] install the agent\n- [ ] join the group');
    expect(s.text).toContain('~~old~~ new');
  });

  it('does not treat `#` lines inside fenced code as headings', () => {
    const doc = parseMarkdown('a.md', '# Run\n\n```sh\n# install\nacme install\n## not a heading either\n```\n');
    expect(doc.sections).toHaveLength(1);
    expect(doc.sections[0]!.text).toBe('```sh\n# install\nacme install\n## not a heading either\n```');
  });
});

describe('parseMarkdown: headings become a section tree', () => {
  const src = [
    'Preamble before any heading.',
    '',
    '# Acme CLI',
    '',
    'Overview.',
    '',
    '## Commands',
    '',
    'All commands.',
    '',
    '### deploy',
    '',
    'Deploys.',
    '',
    '### rollback',
    '',
    'Rolls back.',
    '',
    'Exit codes',
    '----------',
    '',
    'Setext level 2.',
  ].join('\n');

  it('gives each section its level, heading path and parent', () => {
    const doc = parseMarkdown('cli.md', src);
    const rows = doc.sections.map((s) => [s.level, s.heading, s.headingPath.join(' > '), s.parent, s.text]);
    expect(rows).toEqual([
      [0, '', '', -1, 'Preamble before any heading.'],
      [1, 'Acme CLI', 'Acme CLI', -1, 'Overview.'],
      [2, 'Commands', 'Acme CLI > Commands', 1, 'All commands.'],
      [3, 'deploy', 'Acme CLI > Commands > deploy', 2, 'Deploys.'],
      [3, 'rollback', 'Acme CLI > Commands > rollback', 2, 'Rolls back.'],
      [2, 'Exit codes', 'Acme CLI > Exit codes', 1, 'Setext level 2.'],
    ]);
    expect(doc.sections.every((s) => s.part === 0)).toBe(true);
  });

  it('keeps code spans in the heading (emphasis marks go) and uses plain text in the path', () => {
    const doc = parseMarkdown('a.md', '## The `acme deploy` *command*\n\ntext\n');
    expect(doc.sections[0]!.heading).toBe('The `acme deploy` command');
    expect(doc.sections[0]!.headingPath).toEqual(['The acme deploy command']);
  });

  it('handles a heading level that skips levels (H1 then H3)', () => {
    const doc = parseMarkdown('a.md', '# Top\n\nt\n\n### Deep\n\nd\n\n## Mid\n\nm\n');
    expect(doc.sections.map((s) => [s.heading, s.parent])).toEqual([
      ['Top', -1],
      ['Deep', 0],
      ['Mid', 0],
    ]);
  });

  it('merges an empty leaf heading into the section before it as a heading line', () => {
    const doc = parseMarkdown('a.md', '# Guide\n\nIntro.\n\n## Empty\n\n## Next\n\nBody.\n');
    expect(doc.sections.map((s) => s.heading)).toEqual(['Guide', 'Next']);
    expect(doc.sections[0]!.text).toBe('Intro.\n\n## Empty');
    expect(doc.sections[1]!.parent).toBe(0);
  });

  it('keeps an empty heading that has children (it is their parent)', () => {
    const doc = parseMarkdown('a.md', '# Guide\n\n## Install\n\n### Linux\n\napt\n');
    expect(doc.sections.map((s) => [s.heading, s.text, s.parent])).toEqual([
      ['Guide', '', -1],
      ['Install', '', 0],
      ['Linux', 'apt', 1],
    ]);
  });
});

describe('parseMarkdown: anchors are GitHub slugs', () => {
  it('lower-cases, drops punctuation and backticks, keeps `_` and `-`', () => {
    const doc = parseMarkdown(
      'api.md',
      [
        '### `fs.readFile(path[, options], callback)`',
        'a',
        '## ACME_E1042: Health check timed out',
        'b',
        '## What\'s new in v3.2?',
        'c',
        '## A &amp; B <small>beta</small>',
        'd',
        '## Über uns',
        'e',
      ].join('\n\n'),
    );
    expect(doc.sections.map((s) => s.anchor)).toEqual([
      'fsreadfilepath-options-callback',
      'acme_e1042-health-check-timed-out',
      'whats-new-in-v32',
      'a--b-beta',
      'über-uns',
    ]);
  });

  it('dedupes repeated headings with -1, -2 across the whole document, as GitHub does', () => {
    const src = ['## deploy', '### Options', 'x', '## rollback', '### Options', 'y', '## status', '### Options', 'z', '## Options', 'w'].join('\n\n');
    const doc = parseMarkdown('cli.md', src);
    const options = doc.sections.filter((s) => s.headingPath.at(-1) === 'Options');
    expect(options.map((s) => s.anchor)).toEqual(['options', 'options-1', 'options-2', 'options-3']);
    expect(options.map((s) => s.headingPath)).toEqual([
      ['deploy', 'Options'],
      ['rollback', 'Options'],
      ['status', 'Options'],
      ['Options'],
    ]);
  });

  it('counts a merged empty heading when deduping, so later anchors match GitHub', () => {
    const doc2 = parseMarkdown('a.md', '## Notes\n\nfirst\n\n## Notes\n\n## Notes\n\nthird\n');
    expect(doc2.sections.map((s) => s.anchor)).toEqual(['notes', 'notes-2']);
  });
});

describe('parseMarkdown: links', () => {
  const src = [
    'See [the FAQ](faq.md), [install](../setup/install.md#linux), [this page](#usage),',
    '[the API](https://example.com/api "API"), [by reference][ref], <https://acme.dev>,',
    '[absolute](/reference/cli.md#acme-deploy) and [escaped](other%20page.md#Some%20Anchor).',
    '',
    '[ref]: ./config/settings.md#deploymax_parallel',
  ].join('\n');

  it('resolves relative, ../, #fragment, reference-style and root-relative links; marks external ones', () => {
    const doc = parseMarkdown('guide/intro.md', src);
    const links = doc.sections[0]!.links;
    const byText = new Map(links.map((l) => [l.text, l]));
    expect(byText.get('the FAQ')).toEqual({ href: 'faq.md', text: 'the FAQ', targetUri: 'guide/faq.md' });
    expect(byText.get('install')).toMatchObject({ targetUri: 'setup/install.md', targetAnchor: 'linux' });
    expect(byText.get('this page')).toMatchObject({ targetUri: 'guide/intro.md', targetAnchor: 'usage' });
    expect(byText.get('the API')).toEqual({ href: 'https://example.com/api', text: 'the API', external: 'https://example.com/api' });
    expect(byText.get('by reference')).toMatchObject({ href: './config/settings.md#deploymax_parallel', targetUri: 'guide/config/settings.md', targetAnchor: 'deploymax_parallel' });
    expect(byText.get('https://acme.dev')).toMatchObject({ external: 'https://acme.dev' });
    expect(byText.get('absolute')).toMatchObject({ targetUri: 'reference/cli.md', targetAnchor: 'acme-deploy' });
    expect(byText.get('escaped')).toMatchObject({ targetUri: 'guide/other page.md', targetAnchor: 'Some Anchor' });
    expect(links).toHaveLength(8);
  });

  it('treats a link that climbs out of the source root as external', () => {
    const doc = parseMarkdown('intro.md', '[up](../../elsewhere.md)\n');
    expect(doc.sections[0]!.links[0]).toMatchObject({ external: '../../elsewhere.md' });
    expect(doc.sections[0]!.links[0]).not.toHaveProperty('targetUri');
  });

  it('does not turn reference definitions into section text', () => {
    const doc = parseMarkdown('a.md', '# A\n\nText with [x][r].\n\n[r]: b.md\n');
    expect(doc.sections[0]!.text).toBe('Text with [x][r].');
  });

  it('lists links found in headings, tables and nested lists', () => {
    const doc = parseMarkdown(
      'a.md',
      '## See [config](config.md)\n\n| a |\n|---|\n| [cell](cell.md) |\n\n- item\n  - [nested](nested.md)\n',
    );
    const targets = doc.sections[0]!.links.map((l) => l.targetUri).sort();
    expect(targets).toEqual(['cell.md', 'config.md', 'nested.md']);
  });
});

describe('parseMarkdown: long sections are split at block boundaries', () => {
  const para = (n: number): string => `Paragraph ${n} explains rolling releases, health checks and how hosts are drained first.`;
  const code = '```sh\n' + Array.from({ length: 12 }, (_, i) => `acme deploy --group web-${i} --wait   # batch ${i}`).join('\n') + '\n```';
  const src = ['# Guide', '## Long', ...[1, 2, 3, 4].map(para), code, para(5), para(6), '### Child', 'child text'].join('\n\n');

  it('splits into parts 1..n that share heading, anchor, heading path and parent', () => {
    const doc = parseMarkdown('g.md', src, { maxSectionTokens: 60 });
    const parts = doc.sections.filter((s) => s.anchor === 'long');
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i + 1));
    for (const p of parts) {
      expect(p.headingPath).toEqual(['Guide', 'Long']);
      expect(p.heading).toBe('Long');
      expect(p.parent).toBe(0);
    }
    // nothing is lost or reordered, and every cut is at a paragraph boundary
    expect(parts.map((p) => p.text).join('\n\n')).toBe(src.split('\n\n').slice(2, 9).join('\n\n'));
  });

  it('keeps a fenced code block whole, even when it alone is over the limit', () => {
    const doc = parseMarkdown('g.md', src, { maxSectionTokens: 60 });
    const withCode = doc.sections.filter((s) => s.text.includes('```'));
    expect(withCode).toHaveLength(1);
    expect(withCode[0]!.text).toContain(code);
  });

  it('points the children of a split section at its first part', () => {
    const doc = parseMarkdown('g.md', src, { maxSectionTokens: 60 });
    const child = section(doc.sections, 'child');
    expect(doc.sections[child.parent]).toMatchObject({ anchor: 'long', part: 1 });
  });

  it('cuts one over-long paragraph at sentence ends', () => {
    const sentence = 'This sentence is about health checks. ';
    const doc = parseMarkdown('g.md', `# L\n\n${sentence.repeat(60)}`, { maxSectionTokens: 50 });
    expect(doc.sections.length).toBeGreaterThan(1);
    for (const s of doc.sections) {
      expect(s.text.endsWith('health checks.')).toBe(true);
      expect(s.text.length).toBeLessThanOrEqual(50 * 4);
    }
    expect(doc.sections.map((s) => s.text).join(' ')).toBe(sentence.repeat(60).trim());
  });

  it('does not split a section under the limit', () => {
    const doc = parseMarkdown('g.md', src);
    expect(doc.sections.map((s) => s.part)).toEqual([0, 0, 0]);
  });
});

describe('parseMarkdown: anchors', () => {
  it('drops empty <a id> targets from the text; the heading keeps its slug', () => {
    const doc = parseMarkdown('errors.md', '# Errors\n\nIntro text. <a id="ERR_OLD"></a>\n\n<a id="ERR_X"></a>\n\n## `ERR_X`\n\nBad x.\n');
    expect(doc.sections.map((s) => s.anchor)).toEqual(['errors', 'err_x']);
    expect(doc.sections.map((s) => s.text).join('\n')).not.toMatch(/<a id/);
    expect(doc.sections[0]!.text).toBe('Intro text.');
  });

  it('keeps the ids of those targets as aliases of the section they land in: in text, its own; on a line before a heading, the heading\'s', () => {
    const doc = parseMarkdown(
      'async.md',
      '# Async\n\nIntro. <a id="old-intro"></a>\n\n<a id="async-resource-worker-pool"></a>\n\n## Using `AsyncResource` for a `Worker` thread pool\n\nText.\n\n<a id="trailing"></a>\n',
    );
    expect(doc.sections.map((s) => [s.anchor, s.aliases])).toEqual([
      ['async', ['old-intro']],
      ['using-asyncresource-for-a-worker-thread-pool', ['async-resource-worker-pool', 'trailing']],
    ]);
  });

  it('takes a custom heading id written {#id}', () => {
    const doc = parseMarkdown('c.md', '# Config {#configuration}\n\nText.\n');
    expect(doc.sections[0]).toMatchObject({ anchor: 'configuration', heading: 'Config', headingPath: ['Config'] });
  });

  it('makes a list item that opens with an anchor a citable entry, and gives the rest of the list back', () => {
    const doc = parseMarkdown('o.md', '# Options\n\nThe options:\n\n- <a id="opt-port"></a>`--port`: the port to listen on.\n- <a id="opt-host"></a>`--host` — the address.\n- a note without an anchor\n\nAfter.\n');
    expect(doc.sections.map((s) => `${s.level} ${s.heading} #${s.anchor}`)).toEqual(['1 Options #options', '2 `--port` #opt-port', '2 `--host` #opt-host']);
    expect(doc.sections[1]!.text).toBe('the port to listen on.');
    expect(doc.sections[2]!.text).toBe('the address.');
    expect(doc.sections[0]!.text).toContain('a note without an anchor');
    expect(doc.sections[0]!.text).toContain('After.');
  });
});
