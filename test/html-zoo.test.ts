// One real page per documentation generator (test/fixtures/zoo/README.md says
// where each comes from): the parser must keep what a reader sees. Each case
// names content from late in the page, after the sibling sections an
// element-picking parser loses (asciidoc's div.sect1s, texinfo's chapters).
import { readFileSync } from 'node:fs';
import { parse as parse5, type DefaultTreeAdapterMap } from 'parse5';
import { describe, expect, it } from 'vitest';
import { indexedText, pageCoverage } from '../src/eval/coverage.js';
import { parseHtml, visibleText } from '../src/parse/html.js';

const ZOO = new URL('./fixtures/zoo/', import.meta.url);

interface Case {
  generator: string;
  file: string;
  /** A late section and a phrase of its text. */
  heading: string;
  phrase: string;
}

const CASES: Case[] = [
  { generator: 'sphinx', file: 'fnmatch.html', heading: '`fnmatch` — Unix filename pattern matching', phrase: 'Unix shell-style path expansion.' },
  { generator: 'asciidoc', file: 'git-stripspace.html', heading: 'EXAMPLES', phrase: '|The end.$' },
  { generator: 'asciidoctor', file: 'git-stripspace.html', heading: 'EXAMPLES', phrase: '|The end.$' },
  { generator: 'texinfo', file: 'R-FAQ.html', heading: '10 Acknowledgments', phrase: 'More to come soon' },
  { generator: 'javadoc', file: 'Callable.html', heading: 'call', phrase: '`Exception` - if unable to compute a result' },
  { generator: 'doxygen', file: 'struct_s_d_l___renderer_info.html', heading: 'texture_formats', phrase: 'The available texture formats' },
  { generator: 'mkdocs', file: 'installation.html', heading: 'Installing MkDocs', phrase: 'python win_add2path.py' },
  { generator: 'pandoc', file: 'tty.html', heading: '`tty.isatty(fd)`', phrase: 'is not a non-negative integer' },
  { generator: 'rustdoc', file: 'enum.TryReserveErrorKind.html', heading: 'Auto Trait Implementations', phrase: 'RefUnwindSafe' },
  { generator: 'mdbook', file: 'ch19-00-advanced-features.html', heading: 'Advanced Features', phrase: 'Let’s dive in!' },
  { generator: 'man2html', file: 'shells.5.html', heading: 'SEE ALSO', phrase: 'pam_shells' },
  { generator: 'groff', file: 'shells.5.html', heading: 'SEE ALSO', phrase: 'pam_shells' },
  { generator: 'docbook', file: 'sql-droptable.html', heading: 'Compatibility', phrase: 'PostgreSQL extension' },
  { generator: 'gtkdoc', file: 'glib-Timers.html', heading: 'GTimer', phrase: 'Opaque datatype that records a start time.' },
  { generator: 'gidocgen', file: 'class.Coverage.html', heading: 'GObject::notify', phrase: 'The notify signal is emitted on an object when one of its properties' },
  { generator: 'haddock', file: 'Control-Concurrent-Chan.html', heading: '`getChanContents :: Chan a -> IO [a]`', phrase: 'Return a lazy list representing the contents of the supplied `Chan`' },
  { generator: 'qdoc', file: 'qstack.html', heading: 'const T &QStack::top() const', phrase: 'This is an overloaded function.' },
  { generator: 'sphinx-django', file: 'custom-file-storage.html', heading: '`get_available_name(name, max_length=None)`', phrase: '`get_alternative_name()` is called to obtain an alternative name.' },
  { generator: 'sphinx-cmake', file: 'set.html', heading: 'Set Environment Variable', phrase: 'this command will clear any existing value of the environment variable' },
  { generator: 'erlang', file: 'pg.html', heading: 'which_groups(Scope :: atom()) -> [Group :: group()]', phrase: 'Returns a list of all known groups.' },
  { generator: 'odoc', file: 'Date-Period.html', heading: "`val ymd : 'a period -> int * int * int`", phrase: 'Number of years, months and days in a period.' },
  { generator: 'yard', file: 'MacroDirective.html', heading: '#call ⇒ `Object`', phrase: 'raise TagFormatError if tag.name.nil? && tag.text.to_s.empty?' },
  { generator: 'pod2html', file: 'perldbmfilter.html', heading: 'Another Example: Key is a C int.', phrase: 'you will have to use `pack` when writing, and `unpack` when reading.' },
];

describe('parseHtml keeps what a reader sees, on one real page per generator', () => {
  it.each(CASES)('$generator: $file', ({ generator, file, heading, phrase }) => {
    const uri = `${generator}/${file}`;
    const html = readFileSync(new URL(uri, ZOO), 'utf8');
    const doc = parseHtml(uri, html);
    const coverage = pageCoverage(uri, visibleText(html), indexedText(doc));
    expect(coverage.visibleWords).toBeGreaterThan(50); // the fixture is a real page, not an empty shell
    expect(coverage.coverage, `lost: ${coverage.lost.join(' ')}`).toBeGreaterThanOrEqual(0.95);
    const late = doc.sections.filter((s) => s.heading === heading);
    expect(late.length, `no section "${heading}" in: ${doc.sections.map((s) => s.heading).join(' | ')}`).toBeGreaterThan(0);
    expect(late.map((s) => s.text).join('\n')).toContain(phrase);
    // a citation lands where it says: every anchor is an id (or an <a name>) of the page, or none (the page itself)
    const ids = idsOf(html);
    const missing = doc.sections.filter((s) => s.anchor !== '' && !ids.has(s.anchor)).map((s) => `${s.heading} #${s.anchor}`);
    expect(missing).toEqual([]);
  });


  it('asciidoc and asciidoctor: the title and NAME beside div#content are kept, the footer is not', () => {
    for (const generator of ['asciidoc', 'asciidoctor']) {
      const doc = parseHtml('git-stripspace.html', readFileSync(new URL(`${generator}/git-stripspace.html`, ZOO), 'utf8'));
      expect(doc.sections.map((s) => s.heading)).toEqual([expect.stringMatching(/^git-stripspace\(1\)/), 'NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXAMPLES', 'GIT']);
      expect(doc.sections.find((s) => s.heading === 'NAME')!.text).toBe('git-stripspace - Remove unnecessary whitespace');
      expect(doc.sections.map((s) => s.text).join('\n')).not.toContain('Last updated');
    }
  });

  it('texinfo (one page): every chapter, not the first', () => {
    const doc = parseHtml('R-FAQ.html', readFileSync(new URL('texinfo/R-FAQ.html', ZOO), 'utf8'));
    const chapters = doc.sections.filter((s) => /^\d+ /.test(s.heading) && s.level === 2).map((s) => s.heading);
    expect(chapters).toEqual(['1 Introduction', '10 Acknowledgments']); // the fixture keeps the first and the last
  });
});

describe('entries with ids are sections cited by that id, on real pages', () => {
  const parse = (generator: string, file: string) => parseHtml(file, readFileSync(new URL(`${generator}/${file}`, ZOO), 'utf8'));
  const at = (doc: ReturnType<typeof parse>, anchor: string) => {
    const s = doc.sections.find((x) => x.anchor === anchor);
    if (!s) throw new Error(`no section #${anchor} in ${doc.uri}: ${doc.sections.map((x) => x.anchor).join(' ')}`);
    return s;
  };

  it('Sphinx: dt#fnmatch.fnmatch is its own section below the module heading', () => {
    const doc = parse('sphinx', 'fnmatch.html');
    const s = at(doc, 'fnmatch.fnmatch');
    expect(s.heading).toBe('`fnmatch.fnmatch(filename, pattern)`');
    expect(s.text).toMatch(/^Test whether the \*filename\* string matches the \*pattern\* string/);
    expect(doc.sections[s.parent]!.anchor).toBe('module-fnmatch');
    expect(at(doc, 'fnmatch.translate').text).toContain('regular expression');
  });

  it("Haddock and odoc: a declaration (div.top > p.src > a.def#v:…, div.odoc-spec > div.spec#val-…) is its own section, its signature the heading", () => {
    const chan = parse('haddock', 'Control-Concurrent-Chan.html');
    const newChan = at(chan, 'v:newChan');
    expect(newChan.heading).toBe('`newChan :: IO (Chan a)`'); // the "Source" link beside it is furniture
    expect(newChan.text).toBe('Build and returns a new instance of `Chan`.');
    expect(chan.sections[newChan.parent]!.heading).toBe('Operations');
    expect(at(chan, 'v:writeChan').text).toBe('Write a value to a `Chan`.'); // the next declaration is its own section
    // a heading inside a declaration is cited by the declaration, not by the wrapper around the whole interface
    expect(chan.sections.filter((s) => s.heading === 'Instances').map((s) => s.anchor)).toEqual(['t:Chan']);

    const period = parse('odoc', 'Date-Period.html');
    const add = at(period, 'val-add');
    expect(add.heading).toBe("`val add : 'a period -> 'a period -> 'a period`");
    expect(add.text).toBe('Addition of periods.');
    expect(period.sections[add.parent]!.heading).toBe('Period is an additive monoid');
  });

  it('DocBook: each variablelist setting (dt#GUC-…) is its own section, one level below its heading', () => {
    const doc = parse('docbook', 'runtime-config-resource.html');
    const workMem = at(doc, 'GUC-WORK-MEM');
    expect(workMem.heading).toBe('`work_mem (integer)`');
    expect(workMem.text).toMatch(/^Sets the base maximum amount of memory to be used by a query operation/);
    expect(workMem.text).not.toContain('maintenance_work_mem (integer)'); // the next entry is its own section
    expect(doc.sections[workMem.parent]!.anchor).toBe('RUNTIME-CONFIG-RESOURCE-MEMORY');
    expect(workMem.level).toBe(doc.sections[workMem.parent]!.level + 1);
  });

  it("DocBook: a note's title is a label in its section, not a section of its own (no anchor the page lacks)", () => {
    const doc = parse('docbook', 'runtime-config-resource.html');
    expect(doc.sections.filter((s) => s.heading === 'Note')).toEqual([]);
    const holder = doc.sections.find((s) => s.text.includes('There are certain operations that hold critical locks'));
    expect(holder?.anchor).toBe('RUNTIME-CONFIG-RESOURCE-VACUUM-COST');
    expect(holder!.text).toContain('**Note**');
  });

  it("DocBook: a reference page's name is cited by the page's id, not by the index-term target before it", () => {
    const doc = parse('docbook', 'sql-droptable.html');
    expect(doc.sections[0]).toMatchObject({ heading: 'DROP TABLE', anchor: 'SQL-DROPTABLE' }); // not #id-1.9.3.134.1 (a.indexterm)
  });

  it('DocBook: a numbered table with an id is a section cited by that id, below the section that holds it', () => {
    const doc = parse('docbook', 'view-pg-config.html');
    const table = at(doc, 'id-1.10.5.9.5');
    expect(table.heading).toMatch(/^Table 54\.5\. `pg_config` Columns$/);
    expect(table.text).toContain('The parameter name');
    expect(doc.sections[table.parent]!.anchor).toBe('VIEW-PG-CONFIG');
    expect(table.level).toBe(doc.sections[table.parent]!.level + 1);
    expect(doc.sections[table.parent]!.text).not.toContain('The parameter name');
  });

  it('DocBook: the back-of-book index is navigation, not entries (bookindex.html)', () => {
    const doc = parse('docbook', 'bookindex.html');
    expect(doc.title).toBe('Index');
    expect(doc.sections.map((s) => s.anchor)).toEqual(['BOOKINDEX']); // the title and its letter bar
    const words = doc.sections.map((s) => s.heading + ' ' + s.text).join(' ');
    expect(words).not.toContain('B-Tree'); // an index term of letter B
    expect(words).toContain('[B](#indexdiv-B)');
  });

  it('a heading with no id of its own is cited by the id around it: DocBook Synopsis, asciidoc NAME', () => {
    const synopsis = parse('docbook', 'sql-droptable.html').sections.find((s) => s.heading === 'Synopsis');
    expect(synopsis?.anchor).toBe('SQL-DROPTABLE'); // inside div.refentry#SQL-DROPTABLE; not #synopsis, which the page lacks
    const name = parse('asciidoc', 'git-stripspace.html').sections.find((s) => s.heading === 'NAME');
    expect(name?.anchor).toBe('header'); // inside div#header, with the page title
  });

  it('Javadoc: a member detail is cited by its id (call())', () => {
    expect(at(parse('javadoc', 'Callable.html'), 'call()').text).toContain('Computes a result');
  });
});

/** Every id of the page, and every <a name>: where a browser can scroll. */
function idsOf(html: string): Set<string> {
  const ids = new Set<string>();
  const stack: DefaultTreeAdapterMap['parentNode'][] = [parse5(html)];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if ('attrs' in node) for (const a of node.attrs) if (a.name === 'id' || (a.name === 'name' && node.tagName === 'a')) ids.add(a.value);
    if ('content' in node) stack.push(node.content);
    for (const c of node.childNodes) if ('childNodes' in c) stack.push(c);
  }
  return ids;
}
