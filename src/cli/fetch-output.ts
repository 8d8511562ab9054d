/** How `add`/`refresh` read the crawl flags and print what a website crawl or an npm download did. */
import type { CrawlReport } from '../sources/web/crawl.js';
import type { WebFlags } from '../sources/web/source.js';

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

/** The crawl flags given, or undefined when none was. */
export function crawlFlags(o: { maxPages?: number; maxDepth?: number; concurrency?: number; rate?: number; allowPrivate?: boolean }): WebFlags | undefined {
  const f: WebFlags = {
    ...(o.maxPages !== undefined ? { maxPages: o.maxPages } : {}),
    ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
    ...(o.allowPrivate ? { allowPrivate: true } : {}),
  };
  return Object.keys(f).length > 0 ? f : undefined;
}

/** One line about the crawl or the package, and the pages left out on stderr. */
export function printFetch(fetch: Record<string, unknown> | undefined): void {
  const crawl = fetch?.crawl as CrawlReport | undefined;
  if (crawl) {
    out(`crawled ${crawl.pages} pages in ${crawl.seconds.toFixed(1)} s: ${crawl.fetched} fetched, ${crawl.not_modified} not modified; ${crawl.changed.length} changed, ${crawl.removed.length} removed, ${crawl.skipped.length} left out\n`);
    for (const s of crawl.skipped) err(`  left out ${s.url} (${s.reason}): ${s.message}\n`);
  }
  const pkg = fetch?.package as { name: string; version: string; files?: number; skipped?: { path: string; reason: string }[] } | undefined;
  if (pkg) {
    out(pkg.files === undefined ? `${pkg.name}@${pkg.version}: already indexed\n` : `${pkg.name}@${pkg.version}: ${pkg.files} documents unpacked\n`);
    for (const s of pkg.skipped ?? []) err(`  left out ${s.path}: ${s.reason}\n`);
  }
}
