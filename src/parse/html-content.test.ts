// How parseHtml chooses the main content (contentRoot): the rule table gives
// hints; structure decides. Real pages of each generator: test/html-zoo.test.ts.
import { describe, expect, it } from 'vitest';
import { parseHtml, visibleText } from './html.js';
import type { ParsedDocument } from './model.js';

function text(doc: ParsedDocument): string {
  return doc.sections.map((s) => `${s.heading}\n${s.text}`).join('\n');
}

const page = (body: string): string => `<!doctype html><html><head><title>T</title></head><body>${body}</body></html>`;
const words = (n: number, word: string): string => Array.from({ length: n }, () => word).join(' ');

describe('parseHtml: the main content', () => {
  it('keeps every element a rule names, not the first (asciidoc repeats div.sect1)', () => {
    const doc = parseHtml('a.html', page(`
      <div id="content">
        <div class="sect1"><h2 id="_one">One</h2><div class="sectionbody"><p>first body</p></div></div>
        <div class="sect1"><h2 id="_two">Two</h2><div class="sectionbody"><p>second body</p></div></div>
        <div class="sect1"><h2 id="_three">Three</h2><div class="sectionbody"><p>third body</p></div></div>
      </div>`));
    expect(doc.sections.map((s) => `${s.heading}: ${s.text}`)).toEqual(['One: first body', 'Two: second body', 'Three: third body']);
  });

  it('widens to a heading outside the hinted element: the title beside <main> is content', () => {
    const doc = parseHtml('a.html', page(`
      <div class="masthead"><h1 id="title">Widget manual</h1><p>Version 2 summary.</p></div>
      <main><h2 id="use">Use</h2><p>${words(60, 'usage')}</p></main>`));
    expect(doc.sections.map((s) => s.heading)).toEqual(['Widget manual', 'Use']);
    expect(text(doc)).toContain('Version 2 summary.');
  });

  it('widens while the hinted element holds less than most of the text', () => {
    const doc = parseHtml('a.html', page(`
      <div class="wrap"><main><p>A short lead.</p></main><div class="more"><p>${words(80, 'detail')}</p></div></div>`));
    expect(text(doc)).toContain('A short lead.');
    expect(text(doc)).toContain('detail detail');
  });

  it('a small unlisted sidebar stays out when the hinted element holds most of the text', () => {
    const doc = parseHtml('a.html', page(`
      <div class="sitebar"><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li></ul></div>
      <main><h1>Guide</h1><p>${words(60, 'guide')}</p></main>`));
    expect(text(doc)).not.toContain('Home');
    expect(doc.sections.map((s) => s.heading)).toEqual(['Guide']);
  });

  it('an unknown generator: the body without its chrome', () => {
    const doc = parseHtml('a.html', page(`
      <nav><a href="/">Home</a></nav><div id="x"><h1>Alpha</h1><p>alpha text</p></div>
      <div id="y"><h2>Beta</h2><p>beta text</p></div><footer>© Someone</footer>`));
    expect(doc.sections.map((s) => `${s.heading}: ${s.text}`)).toEqual(['Alpha: alpha text', 'Beta: beta text']);
  });

  it('Bootstrap navbars and dialogs, asciidoc footers and the mdBook menu bar are chrome', () => {
    const html = page(`
      <div class="navbar fixed-top"><a href="/">Home</a> <a href="/about">About</a></div>
      <div id="menu-bar" class="menu-bar"><h1 class="menu-title">The Book</h1></div>
      <div role="main"><h1>Chapter</h1><p>chapter text</p></div>
      <div class="modal" role="dialog"><h4 class="modal-title">Keyboard Shortcuts</h4></div>
      <div id="footer"><div id="footer-text">Last updated 2023-01-01</div></div>`);
    expect(parseHtml('a.html', html).sections.map((s) => `${s.heading}: ${s.text}`)).toEqual(['Chapter: chapter text']);
    expect(visibleText(html).split(/\s+/).filter(Boolean)).toEqual(['Chapter', 'chapter', 'text']);
  });

  it('3,000 sibling sections under one hinted parent all arrive, in order', () => {
    const sections = Array.from({ length: 3_000 }, (_, i) => `<div class="sect1"><h2>S${i}</h2><p>t${i}</p></div>`).join('');
    const doc = parseHtml('a.html', page(`<div id="content">${sections}</div>`));
    expect(doc.sections).toHaveLength(3_000);
    expect(doc.sections[2_999]).toMatchObject({ heading: 'S2999', text: 't2999' });
  });
});

describe('parseHtml: emphasis edges', () => {
  it('white space at the edges of emphasis moves out, so names after it stay whole (Sphinx signatures)', () => {
    const doc = parseHtml('a.html', page(`<main><p class="sig"><em class="property"><span class="pre">exception</span><span class="w"> </span></em><span class="sig-prename">asyncio.</span><span class="sig-name">TimeoutError</span></p>
      <p>A <b>deprecated </b>alias.</p></main>`));
    const text = doc.sections.map((s) => s.text).join('\n');
    expect(text).toContain('*exception* asyncio.TimeoutError');
    expect(text).toContain('A **deprecated** alias.');
    expect(text).not.toContain('&#x');
  });
});

describe('visibleText', () => {
  it('is the body a reader sees: no script, style, template, hidden, iframe fallback, nav or footer', () => {
    const t = visibleText(page(`
      <script>var secret = 1</script><style>.x{}</style><template><p>later</p></template>
      <nav>Menu</nav><p hidden>hidden words</p><p>Shown <b>words</b>.</p><iframe src="x.html">fallback</iframe><footer>Copyright</footer>`));
    expect(t.split(/\s+/).filter(Boolean)).toEqual(['Shown', 'words.']);
  });

  it('leaves out man2html\'s header, index and trailer, like the parser', () => {
    const t = visibleText(`Content-type: text/html\n\n<HTML><HEAD><TITLE>Man page of FROB</TITLE></HEAD><BODY>
      <H1>FROB</H1>Section: User Commands (1)<BR>Updated: 2024<BR><A HREF="#index">Index</A><HR>
      <A NAME="lbAB">&nbsp;</A><H2>NAME</H2>frob - convert frob files
      <HR><A NAME="index">&nbsp;</A><H2>Index</H2><DL><DT><A HREF="#lbAB">NAME</A></DL>
      <HR>This document was created by <A HREF="/cgi-bin/man/man2html">man2html</A>.</BODY></HTML>`);
    expect(t.split(/\s+/).filter(Boolean).join(' ')).toBe('NAME frob - convert frob files');
  });

  it('a document without a body element still has one (parse5 makes it); empty input gives no text', () => {
    expect(visibleText('')).toBe('');
    expect(visibleText('just text').trim()).toBe('just text');
  });
});
