import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { InvalidInputError, isDocgraphError } from '../domain/errors.js';
import { pageTargets, visibleText } from '../parse/html.js';
import { decodeText, formatOf } from '../parse/input.js';
import { parseFile } from '../parse/parse-file.js';
import { scanFolder } from '../sources/filesystem.js';
import { anchorsNotOnPage, corpusCoverage, indexedText, linksIntoText, pageCoverage, type CorpusCoverage, type LinkTargetPage, type PageCoverage } from './coverage.js';
import type { SectionLink } from '../domain/types.js';

export interface FolderCoverage extends CorpusCoverage {
  root: string;
  /** HTML files that could not be measured (binary, too large, unparseable), with the reason. */
  skipped: { uri: string; reason: string }[];
  /** Time spent in the parser alone, summed over the pages (milliseconds). */
  parseMs: number;
  /** Sections cited by an anchor (`page#anchor`; first parts of split sections). */
  anchors: number;
  /** Of those, anchors that are no id (or `<a name>`) of their page: citations that land nowhere. */
  missingAnchors: number;
  /** The first of them (as many as `worst`), in page order. */
  missingAnchorSample: { uri: string; anchor: string; heading: string }[];
  /** Links between the measured pages that name an id their target page has. */
  linksToIds: number;
  /** Of those, links whose id no section is cited by (an entry read as text, most likely). */
  linksIntoText: number;
  /** Of those, links whose id no section holds as an alias either: they resolve to the page. */
  linksUnresolved: number;
  /** The ids most linked to among those (as many as `worst`). */
  linksIntoTextSample: { uri: string; anchor: string; links: number }[];
}

/**
 * Measures the coverage (see eval/coverage.ts) of every HTML page under
 * `root`, parsed exactly as ingest parses it. Markdown files are not
 * measured. Also counts the sections' anchors that are no target on their
 * page (a citation that lands nowhere), and the links between the pages that
 * name an id no section carries (`linksIntoText`). Throws InvalidInputError when `root` is not a folder or holds
 * no HTML page; a page that cannot be read or parsed is listed in `skipped`.
 */
export function measureFolderCoverage(root: string, options: { threshold?: number; worst?: number } = {}): FolderCoverage {
  const scan = scanFolder(root);
  const files = scan.files.filter((f) => formatOf(f.uri) === 'html');
  if (files.length === 0) throw new InvalidInputError(`no HTML pages under ${root}`, { field: 'dir', allowed: 'a folder with .html, .htm or .xhtml files' });
  const pages: PageCoverage[] = [];
  const skipped: FolderCoverage['skipped'] = [];
  let parseMs = 0;
  let anchors = 0;
  let missingAnchors = 0;
  const missingAnchorSample: FolderCoverage['missingAnchorSample'] = [];
  const linked = new Map<string, LinkTargetPage>();
  const links: SectionLink[] = [];
  for (const file of files) {
    try {
      const bytes = readFileSync(file.path);
      const started = performance.now();
      const doc = parseFile(file.uri, bytes);
      parseMs += performance.now() - started;
      const text = decodeText(file.uri, bytes);
      pages.push(pageCoverage(file.uri, visibleText(text), indexedText(doc)));
      const targets = pageTargets(text);
      const cited = anchorsNotOnPage(doc, targets);
      const firstParts = doc.sections.filter((s) => s.part <= 1);
      linked.set(file.uri, { anchors: new Set(firstParts.map((s) => s.anchor)), aliases: new Set(firstParts.flatMap((s) => s.aliases)), targets });
      for (const s of doc.sections) for (const l of s.links) if (l.targetAnchor) links.push(l);
      anchors += cited.anchors;
      missingAnchors += cited.missing.length;
      for (const s of cited.missing.slice(0, Math.max(0, (options.worst ?? 10) - missingAnchorSample.length))) missingAnchorSample.push({ uri: file.uri, anchor: s.anchor, heading: s.heading });
    } catch (e) {
      // a page we cannot read or parse is reported; anything else is a bug of ours
      if (isDocgraphError(e) || (e instanceof Error && 'code' in e)) skipped.push({ uri: file.uri, reason: e.message });
      else throw e;
    }
  }
  const intoText = linksIntoText(linked, links, options.worst ?? 10);
  return {
    root: scan.root,
    ...corpusCoverage(pages, options),
    skipped,
    parseMs,
    anchors,
    missingAnchors,
    missingAnchorSample,
    linksToIds: intoText.links,
    linksIntoText: intoText.intoText,
    linksUnresolved: intoText.unresolved,
    linksIntoTextSample: intoText.sample,
  };
}
