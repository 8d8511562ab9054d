import { progressBar } from './progress.js';
import type { CrawlProgress } from '../sources/web/crawl.js';

/**
 * The bar of a website crawl (`docgraph add <url>`, `refresh`): pages looked
 * at out of pages found so far (the total grows as links are found). On
 * stderr, only when stdout and stderr are terminals; silent otherwise.
 */
export function fetchProgress(enabled: boolean): { update: (p: CrawlProgress) => void; stop: () => void } {
  if (!enabled || !process.stdout.isTTY || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  const bar = progressBar({
    format: (_o, p) => {
      const secs = (Date.now() - started) / 1000;
      const rate = secs > 0 ? p.value / secs : 0;
      return `crawling [{bar}] ${p.value}/${p.total} pages · ${rate.toFixed(1)} pages/s`;
    },
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  let running = false;
  return {
    update(p) {
      if (!running) {
        bar.start(Math.max(1, p.total), p.done);
        running = true;
      }
      bar.setTotal(Math.max(1, p.total));
      bar.update(p.done);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
