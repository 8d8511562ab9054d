/**
 * Crawl throughput against the local docs site of the tests
 * (test/helpers/docs-site.ts) with `generated` extra pages: pages/s and CPU
 * time of the crawl alone (fetch, parse links, write the cache), then of a
 * conditional refresh (all 304). Indexing is not included.
 *
 *   node --import tsx bench/crawl.ts [pages=500] [concurrency=4]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { crawlSite } from '../src/sources/web/crawl.js';
import { parseSite } from '../src/sources/web/site.js';
import { startDocsSite } from '../test/helpers/docs-site.js';

const generated = Number(process.argv[2] ?? 500);
const concurrency = Number(process.argv[3] ?? 4);
const site = await startDocsSite({ generated });
const cache = mkdtempSync(join(tmpdir(), 'dg-bench-crawl-'));
try {
  for (const label of ['first crawl', 'refresh (304s)']) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    const r = await crawlSite(parseSite(site.url), cache, { allowPrivate: true, rate: 1000, concurrency, backoffMs: 20, maxPages: generated + 100 });
    const secs = (performance.now() - t) / 1000;
    const c = process.cpuUsage(cpu);
    const cpuSecs = (c.user + c.system) / 1e6;
    console.log(`${label}: ${r.pages} pages (${r.fetched} fetched, ${r.not_modified} not modified) in ${secs.toFixed(2)} s wall = ${(r.pages / secs).toFixed(0)} pages/s; CPU ${cpuSecs.toFixed(2)} s (both sides, one process) = ${(r.pages / cpuSecs).toFixed(0)} pages per CPU-second`);
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await site.close();
  rmSync(cache, { recursive: true, force: true });
}
