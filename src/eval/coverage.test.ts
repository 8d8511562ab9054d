import { describe, expect, it } from 'vitest';
import type { ParsedDocument, ParsedSection } from '../parse/model.js';
import { anchorsNotOnPage, linksIntoText, corpusCoverage, indexedText, pageCoverage, wordsOf, type PageCoverage } from './coverage.js';

function section(heading: string, text: string): ParsedSection {
  return { level: 2, heading, anchor: '', aliases: [], headingPath: [heading], parent: -1, text, part: 0, links: [] };
}

function page(uri: string, visibleWords: number, coveredWords: number): PageCoverage {
  return { uri, visibleWords, coveredWords, coverage: visibleWords === 0 ? 1 : coveredWords / visibleWords, lost: [] };
}

describe('wordsOf', () => {
  it('splits into runs of letters and digits, lowercased, in any script', () => {
    expect(wordsOf('Use `git-show` (v2.39) — Größe, 日本語!')).toEqual(['use', 'git', 'show', 'v2', '39', 'größe', '日本語']);
    expect(wordsOf(' \n*|`')).toEqual([]);
  });
});

describe('pageCoverage', () => {
  it('counts words as multisets: 5 on the page and 3 in the index cover 3', () => {
    const c = pageCoverage('p.html', 'go go go go go stop', 'go go go stop');
    expect(c).toMatchObject({ visibleWords: 6, coveredWords: 4 });
    expect(c.coverage).toBeCloseTo(4 / 6);
  });

  it('extra indexed words do not raise coverage above what the page shows', () => {
    expect(pageCoverage('p.html', 'alpha beta', 'alpha alpha beta beta gamma').coverage).toBe(1);
  });

  it('lists the first lost words in page order, up to the sample size', () => {
    const c = pageCoverage('p.html', 'kept one two three four', 'kept', 3);
    expect(c.lost).toEqual(['one', 'two', 'three']);
  });

  it('a page with no visible words is fully covered (nothing to lose)', () => {
    expect(pageCoverage('p.html', '  ', 'x')).toMatchObject({ visibleWords: 0, coveredWords: 0, coverage: 1 });
  });
});

describe('indexedText', () => {
  it('joins headings and texts, without link destinations a reader never sees', () => {
    const doc: ParsedDocument = {
      uri: 'a.html',
      format: 'html',
      title: 'Title words are not sections',
      meta: {},
      sections: [
        section('Install', 'See [the json module](library/json.html "json") and ![logo](<img/a b.png>).'),
        section('Usage', 'Run `x`.'),
      ],
    };
    const text = indexedText(doc);
    expect(wordsOf(text)).toEqual(['install', 'see', 'the', 'json', 'module', 'and', 'logo', 'usage', 'run', 'x']);
  });
});

describe('anchorsNotOnPage', () => {
  it('counts the sections cited by an anchor (first parts only, not the page itself) and those the page has no target for', () => {
    const at = (anchor: string, part = 0): ParsedSection => ({ ...section(anchor || 'top', 'x'), anchor, part });
    const doc: ParsedDocument = { uri: 'a.html', format: 'html', title: 'A', meta: {}, sections: [at(''), at('install'), at('install', 2), at('usage'), at('Install')] };
    const r = anchorsNotOnPage(doc, new Set(['install', 'top']));
    expect(r.anchors).toBe(3);
    // ids are matched as browsers match them, exactly
    expect(r.missing.map((s) => s.anchor)).toEqual(['usage', 'Install']);
  });
});

describe('linksIntoText', () => {
  it('counts links to ids their page has, of those the ones no section carries (most linked first), and of those the ones no section holds; broken links are not counted', () => {
    const pages = new Map([
      ['settings.html', { anchors: new Set(['', 'GUC-PORT']), aliases: new Set(['NOTE-1']), targets: new Set(['GUC-PORT', 'GUC-WORK-MEM', 'NOTE-1']) }],
      ['other.html', { anchors: new Set(['', 'usage']), aliases: new Set<string>(), targets: new Set(['usage']) }],
    ]);
    const to = (targetUri: string | undefined, targetAnchor?: string) => ({ targetUri, targetAnchor });
    const r = linksIntoText(
      pages,
      [
        to('settings.html', 'GUC-PORT'),
        to('settings.html', 'GUC-WORK-MEM'),
        to('settings.html', 'GUC-WORK-MEM'),
        to('settings.html', 'NOTE-1'),
        to('settings.html', 'GONE'), // the page has no such id: a broken link, not ours
        to('other.html', 'usage'),
        to('other.html'), // no fragment
        to('elsewhere.html', 'x'), // not a measured page
        to(undefined, 'x'), // an external link
      ],
      1,
    );
    expect(r).toEqual({ links: 5, intoText: 3, unresolved: 2, sample: [{ uri: 'settings.html', anchor: 'GUC-WORK-MEM', links: 2 }] });
  });

  it('matches an id as the ingest resolves it: as written, or lowercased', () => {
    const pages = new Map([['a.html', { anchors: new Set(['usage']), aliases: new Set(['note']), targets: new Set(['Usage', 'Note']) }]]);
    expect(linksIntoText(pages, [{ targetUri: 'a.html', targetAnchor: 'Usage' }]).intoText).toBe(0);
    expect(linksIntoText(pages, [{ targetUri: 'a.html', targetAnchor: 'Note' }])).toMatchObject({ intoText: 1, unresolved: 0 });
  });
});

describe('corpusCoverage', () => {
  it('weights pages by their words, counts pages at the bar, and ranks the worst', () => {
    const r = corpusCoverage([page('big.html', 900, 900), page('small.html', 100, 10), page('mid.html', 100, 80), page('empty.html', 0, 0)], {
      threshold: 0.8,
      worst: 2,
    });
    expect(r).toMatchObject({ pages: 3, emptyPages: 1, visibleWords: 1100, coveredWords: 990, pagesAtLeast: 2, threshold: 0.8 });
    expect(r.coverage).toBeCloseTo(0.9);
    expect(r.shareAtLeast).toBeCloseTo(2 / 3);
    expect(r.worst.map((p) => p.uri)).toEqual(['small.html', 'mid.html']);
  });

  it('no measurable page: coverage 1, nothing at risk', () => {
    expect(corpusCoverage([page('e.html', 0, 0)])).toMatchObject({ pages: 0, emptyPages: 1, coverage: 1, shareAtLeast: 1, worst: [] });
  });

  it('rejects a threshold outside [0, 1] and a negative or fractional worst count', () => {
    expect(() => corpusCoverage([], { threshold: 1.5 })).toThrow(RangeError);
    expect(() => corpusCoverage([], { threshold: Number.NaN })).toThrow(RangeError);
    expect(() => corpusCoverage([], { worst: -1 })).toThrow(RangeError);
    expect(() => corpusCoverage([], { worst: 1.5 })).toThrow(RangeError);
  });
});
