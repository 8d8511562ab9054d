import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pageTargets, parseHtml } from './html.js';
import type { ParsedDocument } from './model.js';
import { parseFile } from './parse-file.js';

const FIXTURES = new URL('../../test/fixtures/html/', import.meta.url);

function fixture(uri: string): ParsedDocument {
  return parseHtml(uri, readFileSync(new URL(uri, FIXTURES), 'utf8'));
}

/** Heading and anchor of every section, the outline a reader sees. */
function outline(doc: ParsedDocument): string[] {
  return doc.sections.map((s) => `${s.level} ${s.heading} #${s.anchor}`);
}

function allText(doc: ParsedDocument): string {
  return doc.sections.map((s) => `${s.heading}\n${s.text}`).join('\n');
}

function section(doc: ParsedDocument, heading: string) {
  const s = doc.sections.find((x) => x.heading === heading);
  if (!s) throw new Error(`no section "${heading}" in ${outline(doc).join(' | ')}`);
  return s;
}

describe('parseHtml: generators', () => {
  it('Sphinx: div.body[role=main], section ids, headerlinks, sidebar and related bars dropped', () => {
    const doc = fixture('sphinx.html');
    expect(doc.title).toBe('Installing Demo');
    expect(doc.format).toBe('html');
    expect(outline(doc)).toEqual(['1 Installing Demo #installing-demo', '2 From PyPI #from-pypi', '2 Options #options', '3 `demo.install(prefix)` #demo.install']);
    const text = allText(doc);
    for (const chrome of ['¶', 'Quick search', 'Navigation', 'next', 'Powered by', 'Page source', 'toctree']) expect(text).not.toContain(chrome);
    expect(section(doc, 'From PyPI').text).toContain('```console\n$ python -m pip install demo\n```');
    expect(section(doc, 'Options').text).toContain('| `--prefix` | `/usr/local` |');
    expect(section(doc, 'Installing Demo').links).toEqual([
      { href: 'config.html#config-file', text: 'the configuration file', targetUri: 'config.html', targetAnchor: 'config-file' },
    ]);
  });

  it("Sphinx: the general index's table is navigation; an admonition's heading labels its paragraph", () => {
    const doc = parseHtml(
      'genindex.html',
      `<html><body><div class="body" role="main"><h1 id="index">Index</h1><div class="genindex-jumpbox"><a href="#A"><strong>A</strong></a></div>
      <h2 id="A">A</h2><table class="indextable genindextable"><tr><td><ul><li><a href="library/functions.html#abs">abs() (built-in function)</a></li></ul></td></tr></table>
      <section id="usage"><h2>Usage</h2><p>Before the box.</p><div class="admonition warning"><h3>Careful</h3><p>Inside the box.</p></div></section></div></body></html>`,
    );
    expect(allText(doc)).not.toContain('built-in function');
    expect(outline(doc)).toEqual(['1 Index #index', '2 Usage #usage']); // a letter heading left without text is no section
    expect(section(doc, 'Usage').text).toBe('Before the box.\n\n**Careful**\n\nInside the box.');
  });

  it('MkDocs Material: article.md-content__inner; edit button, sidebars, skip link and footer dropped', () => {
    const doc = fixture('mkdocs-material.html');
    expect(doc.title).toBe('Getting started');
    expect(doc.meta.generator).toBe('mkdocs-1.6.0, mkdocs-material-9.5.27');
    expect(outline(doc)).toEqual(['1 Getting started #getting-started', '2 Install #install', '2 Next steps #next-steps']);
    const text = allText(doc);
    for (const chrome of ['Skip to content', 'Table of contents', 'Previous', 'Last update', 'Back to top', 'Made with', '¶']) expect(text).not.toContain(chrome);
    const install = section(doc, 'Install');
    expect(install.text).toContain('```python\nimport widget\nwidget.serve(port=8080)\n```');
    // the empty line-number anchors inside the code are not links a reader follows
    expect(install.links).toEqual([]);
  });

  it('Docusaurus: .theme-doc-markdown; breadcrumbs, TOC, hash-links, pagination and edit link dropped', () => {
    const doc = fixture('docusaurus.html');
    expect(doc.title).toBe('Deploying');
    expect(doc.meta.tags).toEqual(['deploy', 'kubernetes']);
    // the h1 in the article's <header> is kept; no id on it or around it, so it is cited by the page
    expect(outline(doc)).toEqual(['1 Deploying #', '2 Kubernetes #kubernetes', '2 Docker Compose #docker-compose']);
    const text = allText(doc);
    for (const chrome of ['Skip to main content', 'Edit this page', 'On this page', 'Version: 2.x', 'Introduction', 'Copyright', '\u200b', 'Copy']) {
      expect(text).not.toContain(chrome);
    }
    expect(section(doc, 'Kubernetes').text).toContain('```bash\nhelm install acme acme/acme\nkubectl get pods\n```');
    expect(section(doc, 'Deploying').links[0]).toMatchObject({ targetUri: 'docs/guides/config', targetAnchor: 'env' });
  });

  it('DocBook: div.chapter, titles in div.titlepage, ids from <a name> in the title or on the sect div', () => {
    const doc = fixture('docbook.html');
    expect(doc.title).toBe('Chapter 2. Installation');
    expect(outline(doc)).toEqual([
      '2 Chapter 2. Installation #ch-install',
      '2 Requirements #sect-requirements',
      '2 Building from source #sect-building',
      '3 Build options #sect-building-options',
    ]);
    const text = allText(doc);
    expect(text).not.toContain('Table of Contents');
    expect(text).not.toContain('Prev');
    expect(text).not.toContain('[]()'); // the <a name> target is not a link
    expect(section(doc, 'Building from source').text).toBe('```\n$ ./configure --prefix=/opt/frob\n$ make && make install\n```');
    expect(section(doc, 'Build options').text).toContain('| `--with-ssl`     | Build TLS support |');
  });

  it('Javadoc 17: main, section.detail ids for h3 members, header/nav/footer dropped', () => {
    const doc = fixture('javadoc.html');
    expect(doc.title).toBe('FileReader (Acme IO 3.2 API)');
    expect(doc.meta.tags).toEqual(['com.acme.io.FileReader class', 'readFile()']);
    expect(outline(doc).slice(1)).toEqual([
      '1 Class FileReader #',
      '2 Method Summary #method-summary',
      '2 Method Details #method-detail',
      '3 readFile #readFile(java.lang.String)',
    ]);
    const text = allText(doc);
    for (const chrome of ['Skip navigation links', 'SEARCH', 'JavaScript is disabled', 'Copyright', 'Tree']) expect(text).not.toContain(chrome);
    const readFile = section(doc, 'readFile');
    expect(readFile.text).toContain('readFile([String]'); // <wbr> adds no U+200B inside the signature
    expect(readFile.links.map((l) => l.targetUri ?? l.external)).toContain('IOFailure.html');
  });

  it('Javadoc 8: no landmarks; <a name> before the list holding the h4 names the member', () => {
    const doc = fixture('javadoc8.html');
    expect(outline(doc).slice(1)).toEqual([
      '2 Class FileReader #',
      '3 Method Detail #method.detail',
      '4 readFile #readFile-java.lang.String-',
    ]);
    const text = allText(doc);
    for (const chrome of ['Skip navigation links', 'Frames', 'Overview', 'Copyright', 'parent.document']) expect(text).not.toContain(chrome);
    expect(section(doc, 'readFile').text).toContain('public byte[] readFile(java.lang.String path)');
  });

  it('Doxygen: div.contents, h2.groupheader in member tables, a.anchor before h2.memtitle, fragments as code', () => {
    const doc = fixture('doxygen.html');
    expect(doc.title).toBe('libfrob: frob::Reader Class Reference');
    expect(doc.meta).toMatchObject({ generator: 'Doxygen 1.9.8', lang: 'en-US' });
    expect(outline(doc).slice(1)).toEqual([
      '2 Public Member Functions #pub-methods',
      '2 Detailed Description #details',
      '2 open() #a3f2b9c1d',
    ]);
    const text = allText(doc);
    for (const chrome of ['◆', 'List of all members', 'Generated by', 'libfrob 2.0', '[]()']) expect(text).not.toContain(chrome);
    expect(section(doc, 'Detailed Description').text).toContain('```\nfrob::Reader r;\nif (r.open("a.frob") != 0) return;\n```');
    // a member row of the layout table reads as one line
    expect(section(doc, 'Public Member Functions').text).toContain('[open](classfrob_1_1Reader.html#a3f2b9c1d) (const char \\*path)');
    expect(section(doc, 'open()').text).toContain('int frob::Reader::open ( const char');
  });

  it('man2html: the page between the header and the Index; a name before each h2', () => {
    const doc = fixture('man2html.html');
    expect(doc.title).toBe('Manpage of FROB'); // <title> after a CGI header line still counts
    expect(outline(doc)).toEqual(['2 NAME #lbAB', '2 SYNOPSIS #lbAC', '2 DESCRIPTION #lbAD', '2 SEE ALSO #lbAE']);
    const text = allText(doc);
    for (const chrome of ['Content-type', 'Return to Main Contents', 'Updated:', 'Index', 'man2html', 'Time:']) expect(text).not.toContain(chrome);
    expect(section(doc, 'NAME').text).toBe('frob - convert frob files');
    expect(section(doc, 'DESCRIPTION').text).toContain('**-f**, **--force**');
  });
});

describe('parseHtml: anchors', () => {
  it('prefers the heading id, then an <a id|name> in or just before it, then the id of the section it opens, then the id around it, else the page: never an id the page lacks', () => {
    const doc = fixture('anchors.html');
    expect(outline(doc)).toEqual([
      '1 Anchor rules #top-title',
      '2 Own id #own-id',
      '2 Named anchor before #named-before',
      '2 Anchor inside #inner-anchor',
      '2 Section id #section-id',
      '3 Second heading in the section #section-id',
      '2 Example #',
      '2 Example #',
      '2 Example #',
    ]);
    // every anchor is an id of the page
    const source = readFileSync(new URL('anchors.html', FIXTURES), 'utf8');
    for (const s of doc.sections) if (s.anchor !== '') expect(source).toMatch(new RegExp(`(id|name)="${s.anchor}"`));
  });

  it("closes an XHTML page's self-closed targets (<a id=\"x\"/>), so a heading is not cited by the previous heading's id (DocBook XSL xhtml)", () => {
    const body = `<div class="section"><h3 class="title"><a id="_writing"/>9.7.2. Writing directly to the disk</h3><p>Use dd.</p></div>
<div class="section"><h3 class="title"><a id="_mounting"/>9.7.3. Mounting the disk image file</h3><p>Use losetup.</p><br/><span id="after"/>Then mount.</div>`;
    const xhtml = parseHtml('ch09.en.html', `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>${body}</body></html>`);
    expect(outline(xhtml)).toEqual(['3 9.7.2. Writing directly to the disk #_writing', '3 9.7.3. Mounting the disk image file #_mounting']);
    expect(section(xhtml, '9.7.3. Mounting the disk image file').text).toBe('Use losetup.\n\nThen mount.');
    expect(pageTargets(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>${body}</body></html>`)).toEqual(new Set(['_writing', '_mounting', 'after']));
    // a titled table whose id is an empty <a id> before its title (Debian's DocBook XSL) is cited by that id
    const table = parseHtml(
      'ch11.en.html',
      `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><div class="section"><h3 class="title"><a id="_enc"/>11.1. Encodings</h3><p>See the table.</p>` +
        `<div class="table"><a id="list-of-encoding-values"/><p class="title"><strong>Table 11.2. List of encoding values</strong></p><div class="table-contents"><table><tr><td>UTF-8</td></tr></table></div></div><p>After.</p></div></body></html>`,
    );
    expect(outline(table)).toEqual(['3 11.1. Encodings #_enc', '4 Table 11.2. List of encoding values #list-of-encoding-values']);
  });

  it('gives a heading with no id anywhere a GitHub slug when asked (HTML converted from Word has no page to scroll)', () => {
    const doc = parseHtml('w.html', '<main><h1>Getting started</h1><p>a</p><h2>Example</h2><p>b</p><h2>Example</h2><p>c</p></main>', { headingSlugs: true });
    expect(outline(doc)).toEqual(['1 Getting started #getting-started', '2 Example #example', '2 Example #example-1']);
  });

  it('drops icon-only permalinks and unwraps links that wrap the title (mdBook)', () => {
    const doc = parseHtml(
      'book/ch01.html',
      '<main><h1 id="hello"><a class="header" href="#hello">Hello, <code>cargo</code>!</a></h1><p>x</p>' +
        '<h2 id="next">Next <a href="#next" class="anchor">§</a></h2><p>y</p></main>',
    );
    expect(doc.sections.map((s) => [s.heading, s.anchor, s.links.length])).toEqual([
      ['Hello, `cargo`!', 'hello', 0],
      ['Next', 'next', 0],
    ]);
    expect(doc.sections[0]!.headingPath).toEqual(['Hello, cargo!']);
  });
});

describe('parseHtml: content', () => {
  it('resolves links against the document uri', () => {
    const doc = fixture('guide/intro.html');
    const intro = section(doc, 'Introduction');
    expect(intro.links).toEqual([
      { href: '../api/fs.html#fs-readfile', text: 'fs.readFile()', targetUri: 'api/fs.html', targetAnchor: 'fs-readfile' },
      { href: 'setup.html', text: 'setup', targetUri: 'guide/setup.html' },
      { href: '#usage', text: 'usage below', targetUri: 'guide/intro.html', targetAnchor: 'usage' },
      { href: '/reference/errors.html?v=2#ERR_X', text: 'error list', targetUri: 'reference/errors.html', targetAnchor: 'ERR_X' },
      { href: 'https://nodejs.org/api/', text: 'upstream docs', external: 'https://nodejs.org/api/' },
      { href: 'mailto:docs@example.org', text: 'write to us', external: 'mailto:docs@example.org' },
    ]);
    expect(intro.text).toContain('[`fs.readFile()`](../api/fs.html#fs-readfile)');
    const usage = doc.sections[1]!;
    // the heading keeps its code span and the link's text; the link itself is in `links`
    expect(usage.heading).toBe('Usage of `fs.readFile()`');
    expect(usage.headingPath).toEqual(['Introduction', 'Usage of fs.readFile()']);
    expect(usage.links.map((l) => l.targetUri ?? `external:${l.external}`)).toEqual(['api/fs.html', 'external:../../outside.html']);
    expect(allText(doc)).not.toContain('Home'); // the <nav>
  });

  it('keeps tables as GFM and code blocks whole, fenced with their language', () => {
    const doc = fixture('tables-and-code.html');
    expect(section(doc, 'Limits').text).toBe(
      [
        '| Setting           | Default | Notes                      |',
        '| ----------------- | ------- | -------------------------- |',
        '| `max_connections` | 100     | Per *worker*; a \\| in text |',
        '| `timeout`         | 30s     |                            |',
      ].join('\n'),
    );
    const code = section(doc, 'Code').text;
    expect(code).toContain("```js\nconst fs = require('node:fs');\n\n// the blank line above is kept\n");
    expect(code).toContain('```python\ndef main():\n    print("hello")\n```');
    expect(code).toContain('````\nplain block with ``` inside\nno language\n````');
    expect(code).toContain('Inline `a < b` and `Ctrl`+`C`.');
  });

  it('keeps task lists and images, and names an image link by its alt text', () => {
    const doc = parseHtml(
      'guide/t.html',
      '<h1>T</h1><ul><li><input type="checkbox" checked disabled> done</li><li><input type="checkbox" disabled> todo</li></ul>' +
        '<p><img src="../img/arch.png" alt="Architecture"></p><p><a href="x.html"><img src="i.png" alt="Icon link"></a></p>',
    );
    expect(doc.sections[0]!.text).toBe('- [x] done\n- [ ] todo\n\n![Architecture](../img/arch.png)\n\n[![Icon link](i.png)](x.html)');
    expect(doc.sections[0]!.links).toEqual([{ href: 'x.html', text: 'Icon link', targetUri: 'guide/x.html' }]);
  });

  it('splits long sections at block boundaries but never inside a code block', () => {
    const lines = Array.from({ length: 80 }, (_, i) => `line ${i} of the listing`).join('\n');
    const paras = Array.from({ length: 6 }, (_, i) => `<p>Paragraph ${i} ${'word '.repeat(60)}</p>`).join('');
    const doc = parseHtml('long.html', `<main><h1>Long</h1>${paras}<pre>${lines}</pre>${paras}</main>`, { maxSectionTokens: 100 });
    expect(doc.sections.length).toBeGreaterThan(3);
    expect(doc.sections.every((s) => s.heading === 'Long')).toBe(true);
    expect(doc.sections.map((s) => s.part)).toEqual(doc.sections.map((_, i) => i + 1));
    const withCode = doc.sections.filter((s) => s.text.includes('line 0 of the listing'));
    expect(withCode).toHaveLength(1);
    expect(withCode[0]!.text).toContain('line 79 of the listing\n```');
  });

  it('keeps code in the heading as code spans, its other markup as text, and its path as plain text', () => {
    const doc = parseHtml('api.html', '<h2><code>fs.readFile()</code> and<br><em>friends</em></h2><p>Reads.</p>');
    expect(doc.sections[0]).toMatchObject({ heading: '`fs.readFile()` and friends', headingPath: ['fs.readFile() and friends'], anchor: '' });
  });
});

describe('parseHtml: title and meta', () => {
  it('trims the site name after the last separator of <title>', () => {
    const title = (t: string): string => parseHtml('t.html', `<title>${t}</title><h1>H</h1>`).title;
    expect(title('Install - Widget Docs')).toBe('Install');
    expect(title('git-rebase - reapply commits — Git docs')).toBe('git-rebase - reapply commits');
    expect(title('Reference | Acme')).toBe('Reference');
    expect(title('FileReader (Acme API)')).toBe('FileReader (Acme API)');
  });

  it('falls back to the first h1, then to the file name', () => {
    expect(parseHtml('a/b.html', '<p>intro</p><h2>Two</h2><h1>One</h1><p>x</p>').title).toBe('One');
    expect(parseHtml('a/page-name.html', '<p>no headings at all</p>').title).toBe('page-name');
  });

  it('reads keywords, generator and lang', () => {
    const doc = fixture('empty-body.html');
    expect(doc.meta).toEqual({ lang: 'de', tags: ['alpha', 'beta'] });
  });
});

describe('parseHtml: bad input', () => {
  it('recovers from unclosed and stray tags; an unclosed heading keeps only its first line', () => {
    const doc = fixture('unclosed-tags.html');
    expect(outline(doc)).toEqual(['1 Broken page #', '2 Later section #later']);
    expect(section(doc, 'Broken page').text).toContain('First paragraph without an end tag\n\nSecond **bold _both_**');
    const later = section(doc, 'Later section').text;
    expect(later).toContain('cell one cell two');
    expect(later).toContain('Stray end tags are ignored.');
    expect(later).toContain('```\nnever closed\n```');
  });

  it('an empty body gives no sections but keeps the title', () => {
    const doc = fixture('empty-body.html');
    expect(doc.title).toBe('Nothing here yet');
    expect(doc.sections).toEqual([]);
    expect(parseHtml('blank.html', '').sections).toEqual([]);
    expect(parseHtml('blank.html', '').title).toBe('blank');
  });

  it('10,000 nested <div>s still yield their text, quickly', () => {
    const src = `<main><h1>Deep</h1>${'<div>'.repeat(10_000)}deep text${'</div>'.repeat(10_000)}<p>after</p></main>`;
    const started = performance.now();
    const doc = parseFile('deep.html', new TextEncoder().encode(src));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(doc.sections[0]!.text).toBe('deep text\n\nafter');
  });

  it('10,000 nested lists (closed or not) parse to their items', () => {
    for (const close of [true, false]) {
      const src = `<main><h1>Lists</h1>${'<ul><li>item '.repeat(10_000)}${close ? '</li></ul>'.repeat(10_000) : ''}</main>`;
      const started = performance.now();
      const doc = parseFile('lists.html', new TextEncoder().encode(src), { maxSectionTokens: 1_000_000 });
      expect(performance.now() - started).toBeLessThan(5_000);
      const text = doc.sections.map((s) => s.text).join('\n');
      expect(text.match(/item/g)).toHaveLength(10_000);
    }
  });

  it('10,000 unclosed inline tags do not overflow the converters', () => {
    const doc = parseHtml('bold.html', `<h1>B</h1><p>${'<b><i>'.repeat(5_000)}x`);
    expect(doc.sections[0]!.text).toMatch(/x/);
  });

  it('one <b> around 60,000 inline elements does not overflow the converter (it is unwrapped)', () => {
    const doc = parseHtml('bold-run.html', `<h1>B</h1><p><b>${'<b>b</b> '.repeat(60_000)}end</b></p>`);
    expect(doc.sections.map((s) => s.text).join('\n')).toMatch(/end$/);
  });

  it("an XHTML page's long unclosed tag is read in linear time (closing self-closed tags must not backtrack)", () => {
    // 2 MB of attribute space after `<a` and no `>`: a backtracking pattern would take hours here, and time out the test
    const doc = parseHtml('x.xhtml', `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><h1>T</h1><p>kept <a${' '.repeat(2_000_000)}</p><p>after <span id="s"/>end</p></body></html>`);
    expect(doc.sections[0]!.heading).toBe('T');
    expect(doc.sections[0]!.text).toContain('kept');
  });

  it('is deterministic', () => {
    expect(fixture('doxygen.html')).toEqual(fixture('doxygen.html'));
  });
});

describe('parseHtml: definition-list entries with ids are citable sections', () => {
  const page = `<html><body><main>
<h1>json</h1><p>Intro.</p>
<h2 id="basic">Basic usage</h2>
<p>Before the list.</p>
<dl class="py class">
<dt class="sig sig-object py" id="json.JSONEncoder"><span class="sig-name"><span class="pre">json.JSONEncoder</span></span>(<em>skipkeys=False</em>)<a class="headerlink" href="#json.JSONEncoder">¶</a></dt>
<dd><p>Extensible encoder.</p>
<dl class="py method"><dt class="sig sig-object py" id="json.JSONEncoder.default"><span class="pre">default</span>(<em>o</em>)</dt><dd><p>Implement in a subclass.</p></dd></dl>
<p>Back in the class.</p></dd>
</dl>
<p>After the list, still basic usage.</p>
<dl class="variablelist"><dt><span class="term"><a id="guc-work-mem"></a><code class="varname">work_mem</code> (<code>integer</code>)</span></dt><dd><p>Memory for sorts.</p></dd>
<dt><span class="term">plain term</span></dt><dd><p>No id, stays text.</p></dd></dl>
<h2 id="next">Next</h2><p>Done.</p>
</main></body></html>`;
  const doc = parseHtml('json.html', page);

  it('opens one section per term with an id, nested below the heading and the entry that hold it', () => {
    expect(outline(doc)).toEqual([
      '1 json #',
      '2 Basic usage #basic',
      '3 `json.JSONEncoder(skipkeys=False)` #json.JSONEncoder',
      '4 `default(o)` #json.JSONEncoder.default',
      '3 `work_mem (integer)` #guc-work-mem',
      '2 Next #next',
    ]);
    const method = section(doc, '`default(o)`');
    expect(method.text).toBe('Implement in a subclass.');
    expect(method.headingPath).toEqual(['json', 'Basic usage', 'json.JSONEncoder(skipkeys=False)', 'default(o)']);
    expect(doc.sections[method.parent]!.anchor).toBe('json.JSONEncoder');
  });

  it('gives what follows an entry back to the section that holds the list', () => {
    expect(section(doc, '`json.JSONEncoder(skipkeys=False)`').text).toBe('Extensible encoder.\n\nBack in the class.');
    const basic = section(doc, 'Basic usage').text;
    expect(basic).toContain('Before the list.');
    expect(basic).toContain('After the list, still basic usage.');
    expect(section(doc, '`work_mem (integer)`').text).toContain('Memory for sorts.');
    // a term without an id is text of the entry before it, not a section
    expect(section(doc, '`work_mem (integer)`').text).toContain('No id, stays text.');
    expect(allText(doc)).not.toContain('¶');
  });

  it("stays a list of entries when a definition holds a note with a titled heading (DocBook's div.note > h3.title in PostgreSQL's settings)", () => {
    const pg = parseHtml(
      'runtime-config-connection.html',
      `<html><body><div class="sect2" id="RUNTIME-CONFIG-CONNECTION-SETTINGS"><div class="titlepage"><div><div><h3 class="title">20.3.1. Connection Settings</h3></div></div></div>
<div class="variablelist"><dl class="variablelist">
<dt id="GUC-PORT"><span class="term"><code class="varname">port</code> (<code class="type">integer</code>) <a id="id-1.6.7.6.2.2.2.1.3" class="indexterm"></a></span></dt>
<dd><p>The TCP port the server listens on.</p></dd>
<dt id="GUC-TCP-KEEPALIVES-IDLE"><span class="term"><code class="varname">tcp_keepalives_idle</code> (<code class="type">integer</code>)</span></dt>
<dd><p>Idle seconds before a keepalive is sent.</p><div class="note"><h3 class="title">Note</h3><p>On Windows, 0 sets it to 2 hours.</p></div></dd>
<dt id="GUC-TCP-USER-TIMEOUT"><span class="term"><code class="varname">tcp_user_timeout</code> (<code class="type">integer</code>)</span></dt>
<dd><p>Milliseconds unacknowledged data may remain.</p></dd>
</dl></div></div></body></html>`,
    );
    expect(outline(pg)).toEqual([
      '3 20.3.1. Connection Settings #RUNTIME-CONFIG-CONNECTION-SETTINGS',
      '4 `port (integer)` #GUC-PORT',
      '4 `tcp_keepalives_idle (integer)` #GUC-TCP-KEEPALIVES-IDLE',
      '4 `tcp_user_timeout (integer)` #GUC-TCP-USER-TIMEOUT',
    ]);
    // the note's title labels its paragraph inside the entry that holds it
    expect(section(pg, '`tcp_keepalives_idle (integer)`').text).toBe('Idle seconds before a keepalive is sent.\n\n**Note**\n\nOn Windows, 0 sets it to 2 hours.');
  });

  it('leaves a definition list without ids as one block of text', () => {
    const plain = parseHtml('p.html', '<html><body><main><h1>T</h1><dl><dt>term</dt><dd>definition</dd></dl></main></body></html>');
    expect(outline(plain)).toEqual(['1 T #']);
    expect(plain.sections[0]!.text).toContain('definition');
  });
});

describe('parseHtml: structures of more generators (Erlang, Haddock, Django, YARD, QDoc, GTK-Doc, pod2html)', () => {
  it('a heading that opens with blocks keeps them as its title (Erlang); an unclosed one still ends at the first block after text', () => {
    const doc = parseHtml(
      'application.html',
      '<main><h3 id="module" class="title-link"><div class="title-name">Module</div><div class="title-anchors"><a href="#module">¶</a></div></h3><p>application</p>' +
        '<h4 id="start-1" class="func-head"><div class="title-anchors"></div><span class="title-name">start(Application) -&gt; ok</span><div class="title-since">OTP R16</div></h4><p>Starts Application.</p>' +
        '<h2 id="later">Later<p>swallowed by the unclosed heading</p></main>',
    );
    // the block after the signature's text (OTP R16) ends the title and joins the section's text
    expect(outline(doc)).toEqual(['3 Module #module', '4 start(Application) -> ok #start-1', '2 Later #later']);
    expect(section(doc, 'Module').text).toBe('application');
    expect(section(doc, 'start(Application) -> ok').text).toBe('OTP R16\n\nStarts Application.');
    expect(section(doc, 'Later').text).toBe('swallowed by the unclosed heading');
  });

  it("keeps a space between the blocks of a table cell (GFM holds a cell on one line): Haddock's instance rows, DocBook's catalog columns", () => {
    const doc = parseHtml('t.html', '<main><h1 id="t">T</h1><table><tr><th><p>Column Type</p><p>Description</p></th></tr><tr><td><details><summary>Instance details</summary><p>Defined in <a href="x.html">Data.Data</a></p></details></td></tr></table></main>');
    const text = section(doc, 'T').text;
    expect(text).toContain('Column Type Description');
    expect(text).toContain('Instance details Defined in');
    expect(text).not.toMatch(/TypeDescription|detailsDefined/);
  });

  it("a last entry whose definition is empty takes the text after its list (Sphinx autodoc without a docstring in the entry, Django's docs)", () => {
    const doc = parseHtml(
      'storage.html',
      '<main><h2 id="api">API</h2><dl class="py method"><dt class="sig" id="Storage.get_valid_name">get_valid_name(name)</dt><dd></dd></dl>' +
        '<p>Returns a filename suitable for use with the underlying storage system.</p>' +
        '<dl class="py method"><dt class="sig" id="Storage.save">save(name)</dt><dd><p>Saves a new file.</p></dd></dl><p>After the list, API again.</p></main>',
    );
    expect(section(doc, '`get_valid_name(name)`').text).toBe('Returns a filename suitable for use with the underlying storage system.');
    expect(section(doc, '`save(name)`').text).toBe('Saves a new file.');
    expect(section(doc, 'API').text).toBe('After the list, API again.');
  });

  it('a stacked entry with no text of its own opens the entry below it, whose description it shares (Sphinx: hashlib constants, several signatures)', () => {
    const doc = parseHtml(
      'hashlib.html',
      '<main><h3 id="constants">Constants</h3>' +
        '<dl class="py data"><dt class="sig" id="blake2b.SALT_SIZE">blake2b.SALT_SIZE</dt><dd></dd></dl>' +
        '<dl class="py data"><dt class="sig" id="blake2s.SALT_SIZE">blake2s.SALT_SIZE</dt><dd></dd></dl><p>Salt length.</p>' +
        '<dl class="py function"><dt class="sig" id="new">new(name)</dt><dt class="sig" id="new2">new(name, data)</dt><dd><p>A new hash object.</p></dd></dl>' +
        '<h3 id="more">More</h3><p>Text.</p></main>',
    );
    expect(outline(doc)).toEqual(['3 Constants #constants', '4 `blake2s.SALT_SIZE` #blake2s.SALT_SIZE', '4 `new(name, data)` #new2', '3 More #more']);
    // not a line at the end of the section before (Constants, or the previous function)
    expect(section(doc, '`blake2s.SALT_SIZE`').text).toBe('#### `blake2b.SALT_SIZE`\n\nSalt length.');
    expect(section(doc, '`new(name, data)`').text).toBe('#### `new(name)`\n\nA new hash object.');
    expect(section(doc, 'Constants').text).toBe('');
    // a plain heading with nothing under it still joins the section before it
    const plain = parseHtml('p.html', '<main><h2 id="a">A</h2><p>a</p><h2 id="b">B</h2><h2 id="c">C</h2><p>c</p></main>');
    expect(outline(plain)).toEqual(['2 A #a', '2 C #c']);
    expect(section(plain, 'A').text).toBe('a\n\n## B');
  });

  it("keeps the page's other ids as aliases of the section they land in: labels before a heading, ids in the text, stacked entries and merged headings", () => {
    const doc = parseHtml(
      'compound_stmts.html',
      '<main><section id="compound-statements"><span id="compound"></span><h1>Compound statements</h1><p id="index-0">Intro.</p>' +
        '<section id="the-with-statement"><span id="as"></span><span id="with"></span><h2>The with statement</h2>' +
        '<p id="index-16">The <a href="#with">with</a> statement <a id="note-1"></a>wraps a block.</p><pre id="code-1">with a as b:\n    pass</pre>' +
        '<dl class="py function"><dt id="bytes.split">bytes.split()</dt><dt id="bytearray.split">bytearray.split()</dt><dd><p>Split.</p></dd></dl>' +
        '<h3 id="empty">Empty</h3>' +
        '</section><div id="wrapper"><h2 id="next">Next</h2><p>More.</p></div></section></main>',
    );
    expect(doc.sections.map((s) => [s.anchor, s.aliases])).toEqual([
      ['compound-statements', ['compound', 'index-0']],
      ['the-with-statement', ['as', 'with', 'index-16', 'note-1', 'code-1']],
      ['bytearray.split', ['bytes.split', 'empty']],
      ['next', ['wrapper']],
    ]);
  });

  it("headings of one shape stacked over one with text open that one's section (QDoc's overloads); a run with no text after it is left as it was", () => {
    const doc = parseHtml(
      'qbytearray.html',
      '<main><h2 id="details">Member Function Documentation</h2>' +
        '<h3 class="fn" id="append">QByteArray &amp;QByteArray::append(char ch)</h3><p>Appends the character ch.</p>' +
        '<div class="fngroup"><h3 class="fn fngroupitem" id="fromBase64">QByteArray::fromBase64(const QByteArray &amp;base64)</h3>' +
        '<h3 class="fn fngroupitem" id="fromBase64-1">QByteArray::fromBase64(const QByteArray &amp;base64, Options options)</h3></div>' +
        '<p>Returns a decoded copy of the Base64 array base64.</p></main>',
    );
    expect(outline(doc)).toEqual(['2 Member Function Documentation #details', '3 QByteArray &QByteArray::append(char ch) #append', '3 QByteArray::fromBase64(const QByteArray &base64, Options options) #fromBase64-1']);
    expect(section(doc, 'QByteArray &QByteArray::append(char ch)').text).toBe('Appends the character ch.');
    expect(section(doc, 'QByteArray::fromBase64(const QByteArray &base64, Options options)').text).toBe('### QByteArray::fromBase64(const QByteArray &base64)\n\nReturns a decoded copy of the Base64 array base64.');
    // attributes with no description at all (ssl.SSLSession's): the run joins the section before it, in order
    const bare = parseHtml(
      'ssl.html',
      '<main><h3 id="s">SSLSession</h3><p>Session object.</p><dl class="py attribute"><dt id="id">id</dt><dd></dd></dl><dl class="py attribute"><dt id="time">time</dt><dd></dd></dl>' +
        '<dl class="py attribute"><dt id="timeout">timeout</dt><dd></dd></dl><h3 id="n">Next</h3><p>n</p></main>',
    );
    expect(outline(bare)).toEqual(['3 SSLSession #s', '3 Next #n']);
    expect(section(bare, 'SSLSession').text).toBe('Session object.\n\n#### id\n\n#### time\n\n#### timeout');
  });

  it('drops a signature\'s link to its source ("Source", "[source]") but keeps a link to a thing named source', () => {
    const doc = parseHtml(
      'm.html',
      '<main><h1>M</h1><div class="top"><p class="src"><a id="v:read" class="def">read</a> :: IO () <a href="src/M.html#read" class="link">Source</a></p><div class="doc"><p>Reads.</p></div></div>' +
        '<dl class="py function"><dt id="m.render">render(request)<a class="reference internal" href="../_modules/m.html#render">[source]</a></dt><dd><p>Renders.</p></dd></dl>' +
        '<h4 id="method.source">fn <a href="../error/trait.Error.html#method.source" class="fnname">source</a>(&amp;self)</h4><p>The lower-level source.</p></main>',
    );
    expect(outline(doc)).toEqual(['1 M #', '2 `read :: IO ()` #v:read', '2 render(request) #m.render', '4 fn source(&self) #method.source']);
  });

  it("headings of one shape in boxes of their own do not stack: an undescribed declaration does not take the next one's text (Erlang's data types, odoc's specs)", () => {
    const erlang = parseHtml(
      'unicode.html',
      '<main><h3 id="types">Data Types</h3>' +
        '<article class="data-types-body"><h4 id="type-unicode_binary" class="data-type-name">unicode_binary() = binary()</h4><div class="data-type-desc"><p>UTF-8 encoded.</p></div></article>' +
        '<article class="data-types-body"><h4 id="type-chardata" class="data-type-name">chardata() = charlist() | unicode_binary()</h4></article>' +
        '<article class="data-types-body"><h4 id="type-latin1_binary" class="data-type-name">latin1_binary() = binary()</h4><div class="data-type-desc"><p>ISO Latin-1.</p></div></article></main>',
    );
    expect(outline(erlang)).toEqual(['3 Data Types #types', '4 unicode_binary() = binary() #type-unicode_binary', '4 latin1_binary() = binary() #type-latin1_binary']);
    // the undescribed type is a line of the section before it, not the first line of the next type's
    expect(section(erlang, 'unicode_binary() = binary()').text).toBe('UTF-8 encoded.\n\n#### chardata() = charlist() | unicode_binary()');
    expect(section(erlang, 'latin1_binary() = binary()').text).toBe('ISO Latin-1.');
  });

  it("a heading whose id the page repeats is a label in its section, not a section a link could not reach (Erlang's Types in every function)", () => {
    const fn = (id: string, name: string, text: string) =>
      `<h4 id="${id}" class="func-head"><span class="title-name">${name}</span></h4><div class="REFBODY fun-types"><h3 id="types" class="func-types-title">Types</h3><div class="REFTYPES">Name = atom()</div></div><div class="REFBODY"><p>${text}</p></div>`;
    const doc = parseHtml('erl_epmd.html', `<main><h3 id="exports">Exports</h3>${fn('names-1', 'names(Host)', 'Returns the names.')}${fn('port-2', 'port_please(Name, Host)', 'Requests the port.')}</main>`);
    expect(outline(doc)).toEqual(['3 Exports #exports', '4 names(Host) #names-1', '4 port_please(Name, Host) #port-2']);
    expect(section(doc, 'names(Host)').text).toBe('**Types**\n\nName = atom()\n\nReturns the names.');
  });

  it('drops the furniture these generators put around the content, and toggles in headings', () => {
    const doc = parseHtml(
      'page.html',
      '<body><div id="custom-doc"><div id="hd"><h1><a href="../index.html">Django documentation</a></h1><div id="global-nav">Home | Index</div></div>' +
        '<div id="bd"><div id="yui-main"><div class="navigationbar"><ul><li>Qt 5.15</li><li><a href="qtcore-index.html">Qt Core</a></li></ul></div>' +
        '<ul id="index"><li><a href="#NAME">NAME</a></li><li><a href="#USAGE">USAGE</a></li></ul>' +
        '<div id="header"><div id="menu"><a href="index.html">Index (D)</a> » Docstring</div><a id="class_list_link" href="class_list.html"></a></div>' +
        '<h1>Class Docstring <a href="#" class="toggle">collapse</a></h1><p>The body.</p><div class="contents topic"><p>Contents</p><ul><li><a href="#usage">Usage</a></li></ul></div>' +
        '<h2 id="usage">Usage</h2><table><tr><td class="listing_lines"><pre>1\n2</pre></td><td class="listing_code"><pre>int x;\nint y;</pre></td></tr></table>' +
        '</div><div class="yui-b" id="sidebar"><h3>Last update:</h3><p>Dec 01</p></div></div><div id="ft">Footer links</div></div></body>',
    );
    // not #class_list_link (a link before it is no target): the id around it
    expect(outline(doc)).toEqual(['1 Class Docstring #yui-main', '2 Usage #usage']);
    const text = allText(doc);
    for (const chrome of ['Django documentation', 'Home | Index', 'Qt Core', 'USAGE', 'Index (D)', 'collapse', 'Contents', 'Last update', 'Footer links', '1\n2']) expect(text).not.toContain(chrome);
    expect(text).toContain('The body.');
    expect(text).toContain('int x;');
  });
});
