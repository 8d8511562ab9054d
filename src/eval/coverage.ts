import type { ParsedDocument } from '../parse/model.js';

/**
 * Coverage: how much of what a reader sees on a page reaches the index.
 *
 * - The page's words are the words of its visible text (`visibleText` in
 *   parse/html.ts: `<body>` without script, style, noscript, template,
 *   hidden elements and the page furniture the parser is declared to drop).
 * - The indexed words are the words of every parsed section's heading and
 *   text (Markdown, without link destinations; what syntax remains adds no
 *   letters or digits).
 * - Words are maximal runs of letters and digits (Unicode), lowercased, and
 *   are counted as multisets: a word seen 5 times on the page and 3 times in
 *   the index covers 3.
 *
 * coverage = Σ min(page count, index count) / Σ page count, per page; a
 * corpus figure weights pages by their words (Σ covered / Σ visible).
 */
export interface PageCoverage {
  uri: string;
  /** Words a reader sees on the page. */
  visibleWords: number;
  /** Of those, words that reach the index. */
  coveredWords: number;
  /** coveredWords / visibleWords; 1 for a page with no visible words. */
  coverage: number;
  /** The first lost words in page order (at most `sample`), to show where content went missing. */
  lost: string[];
}

export interface CorpusCoverage {
  /** Pages measured (pages with no visible words are counted in `emptyPages` only). */
  pages: number;
  emptyPages: number;
  visibleWords: number;
  coveredWords: number;
  /** Word-weighted coverage over the measured pages; 1 when there are none. */
  coverage: number;
  /** The per-page bar that `pagesAtLeast` counts against, e.g. 0.8. */
  threshold: number;
  pagesAtLeast: number;
  /** pagesAtLeast / pages; 1 when there are none. */
  shareAtLeast: number;
  /** The lowest-coverage pages, worst first (ties: more words first, then uri). */
  worst: PageCoverage[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a text in order: maximal runs of letters and digits, lowercased. */
export function wordsOf(text: string): string[] {
  return Array.from(text.matchAll(WORD), (m) => m[0].toLowerCase());
}

/** A Markdown link or image destination, `](url "title")`: words a reader never sees on the page. */
const DESTINATION = /\]\((?:<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+"[^"]*")?\)/g;

/**
 * What of a parsed document reaches the index, as a reader would see it:
 * every section's heading and text, without Markdown link destinations (a
 * page's `json` must not be matched by `library/json.html` in a link).
 */
export function indexedText(doc: ParsedDocument): string {
  return doc.sections.map((s) => `${s.heading}\n${s.text}`.replace(DESTINATION, ']')).join('\n');
}

/**
 * Coverage of one page: `visible` is the page's visible text, `indexed`
 * what reached the index. `sample` caps the lost words reported (default 12).
 */
export function pageCoverage(uri: string, visible: string, indexed: string, sample = 12): PageCoverage {
  const budget = new Map<string, number>();
  for (const w of wordsOf(indexed)) budget.set(w, (budget.get(w) ?? 0) + 1);
  const seen = wordsOf(visible);
  let covered = 0;
  const lost: string[] = [];
  for (const w of seen) {
    const left = budget.get(w) ?? 0;
    if (left > 0) {
      budget.set(w, left - 1);
      covered++;
    } else if (lost.length < sample) {
      lost.push(w);
    }
  }
  return { uri, visibleWords: seen.length, coveredWords: covered, coverage: seen.length === 0 ? 1 : covered / seen.length, lost };
}

/**
 * Corpus figures from per-page results. `threshold` (default 0.8) is the
 * per-page bar; `worst` (default 10) how many of the worst pages to keep.
 * Throws RangeError for a threshold outside [0, 1] or a negative `worst`.
 */
export function corpusCoverage(pages: PageCoverage[], options: { threshold?: number; worst?: number } = {}): CorpusCoverage {
  const threshold = options.threshold ?? 0.8;
  const worstCount = options.worst ?? 10;
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be from 0 to 1, got ${threshold}`);
  if (!Number.isInteger(worstCount) || worstCount < 0) throw new RangeError(`worst must be a whole number ≥ 0, got ${worstCount}`);
  const measured = pages.filter((p) => p.visibleWords > 0);
  let visibleWords = 0;
  let coveredWords = 0;
  let pagesAtLeast = 0;
  for (const p of measured) {
    visibleWords += p.visibleWords;
    coveredWords += p.coveredWords;
    if (p.coverage >= threshold) pagesAtLeast++;
  }
  const worst = [...measured]
    .sort((a, b) => a.coverage - b.coverage || b.visibleWords - a.visibleWords || (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0))
    .slice(0, worstCount);
  return {
    pages: measured.length,
    emptyPages: pages.length - measured.length,
    visibleWords,
    coveredWords,
    coverage: visibleWords === 0 ? 1 : coveredWords / visibleWords,
    threshold,
    pagesAtLeast,
    shareAtLeast: measured.length === 0 ? 1 : pagesAtLeast / measured.length,
    worst,
  };
}

/**
 * The sections of a parsed page cited by an anchor (first parts of split
 * sections; '' cites the page itself) and those whose anchor is none of the
 * page's `targets` (see `pageTargets` in parse/html.ts): a citation
 * `page#anchor` that lands nowhere.
 */
export function anchorsNotOnPage(doc: ParsedDocument, targets: ReadonlySet<string>): { anchors: number; missing: ParsedDocument['sections'] } {
  const cited = doc.sections.filter((s) => s.part <= 1 && s.anchor !== '');
  return { anchors: cited.length, missing: cited.filter((s) => !targets.has(s.anchor)) };
}

/** What `linksIntoText` needs of a measured page: the anchors its sections are cited by, and its ids. */
export interface LinkTargetPage {
  /** Anchors of its sections (first parts; '' is the page). */
  anchors: ReadonlySet<string>;
  /** Aliases of its sections: ids in their text and labels before their headings (parse/model.ts). */
  aliases: ReadonlySet<string>;
  /** Its ids and `<a name>`s (`pageTargets` in parse/html.ts). */
  targets: ReadonlySet<string>;
}

export interface LinksIntoText {
  /** Links between measured pages that name an id their target page has. */
  links: number;
  /** Of those, links whose id no section is cited by: they land in the middle of a section's text. */
  intoText: number;
  /** Of those, links whose id no section holds as an alias either: in the graph they land on the page. */
  unresolved: number;
  /** The ids most linked to among those, most links first (ties: uri, then id), as many as asked for. */
  sample: { uri: string; anchor: string; links: number }[];
}

/**
 * Links into the corpus's own pages that name an id no section is cited by.
 * Generated docs link to what they define (a setting, a function, an
 * option), so an id that many links name and no section carries is usually
 * an entry the parser read as text: the check that found DocBook variable
 * lists lost to a note's heading. An id is matched as the link writes it,
 * or lowercased, as the ingest's link resolution matches it; links to ids
 * the page does not have (broken links) are not counted.
 */
export function linksIntoText(
  pages: ReadonlyMap<string, LinkTargetPage>,
  links: Iterable<{ targetUri?: string; targetAnchor?: string }>,
  sample = 10,
): LinksIntoText {
  let total = 0;
  let unresolved = 0;
  const lost = new Map<string, { uri: string; anchor: string; links: number }>();
  for (const l of links) {
    if (l.targetUri === undefined || l.targetAnchor === undefined || l.targetAnchor === '') continue;
    const page = pages.get(l.targetUri);
    if (!page || !page.targets.has(l.targetAnchor)) continue;
    total++;
    if (page.anchors.has(l.targetAnchor) || page.anchors.has(l.targetAnchor.toLowerCase())) continue;
    if (!page.aliases.has(l.targetAnchor) && !page.aliases.has(l.targetAnchor.toLowerCase())) unresolved++;
    const key = `${l.targetUri}#${l.targetAnchor}`;
    const seen = lost.get(key);
    if (seen) seen.links++;
    else lost.set(key, { uri: l.targetUri, anchor: l.targetAnchor, links: 1 });
  }
  const all = [...lost.values()];
  all.sort((a, b) => b.links - a.links || (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.anchor < b.anchor ? -1 : a.anchor > b.anchor ? 1 : 0));
  return { links: total, intoText: all.reduce((s, x) => s + x.links, 0), unresolved, sample: all.slice(0, sample) };
}
