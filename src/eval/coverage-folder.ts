import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { InvalidInputError, isDocgraphError } from '../domain/errors.js';
import { visibleText } from '../parse/html.js';
import { decodeText, formatOf } from '../parse/input.js';
import { parseFile } from '../parse/parse-file.js';
import { scanFolder } from '../sources/filesystem.js';
import { corpusCoverage, indexedText, pageCoverage, type CorpusCoverage, type PageCoverage } from './coverage.js';

export interface FolderCoverage extends CorpusCoverage {
  root: string;
  /** HTML files that could not be measured (binary, too large, unparseable), with the reason. */
  skipped: { uri: string; reason: string }[];
  /** Time spent in the parser alone, summed over the pages (milliseconds). */
  parseMs: number;
}

/**
 * Measures the coverage (see eval/coverage.ts) of every HTML page under
 * `root`, parsed exactly as ingest parses it. Markdown files are not
 * measured. Throws InvalidInputError when `root` is not a folder or holds
 * no HTML page; a page that cannot be read or parsed is listed in `skipped`.
 */
export function measureFolderCoverage(root: string, options: { threshold?: number; worst?: number } = {}): FolderCoverage {
  const scan = scanFolder(root);
  const files = scan.files.filter((f) => formatOf(f.uri) === 'html');
  if (files.length === 0) throw new InvalidInputError(`no HTML pages under ${root}`, { field: 'dir', allowed: 'a folder with .html, .htm or .xhtml files' });
  const pages: PageCoverage[] = [];
  const skipped: FolderCoverage['skipped'] = [];
  let parseMs = 0;
  for (const file of files) {
    try {
      const bytes = readFileSync(file.path);
      const started = performance.now();
      const doc = parseFile(file.uri, bytes);
      parseMs += performance.now() - started;
      pages.push(pageCoverage(file.uri, visibleText(decodeText(file.uri, bytes)), indexedText(doc)));
    } catch (e) {
      // a page we cannot read or parse is reported; anything else is a bug of ours
      if (isDocgraphError(e) || (e instanceof Error && 'code' in e)) skipped.push({ uri: file.uri, reason: e.message });
      else throw e;
    }
  }
  return { root: scan.root, ...corpusCoverage(pages, options), skipped, parseMs };
}
