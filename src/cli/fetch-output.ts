/** How `add`/`refresh` print what a website crawl or an npm download did. */
import type { CrawlReport } from '../sources/web/crawl.js';

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

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
