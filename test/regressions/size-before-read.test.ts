// A file's size is checked (fstat) before it is read: a 1.9 GB file must not
// be read into memory to find out it is over the 20 MB limit, and one over
// 2 GB is `too-large`, not "unreadable". Sparse files keep this cheap; the
// peak memory of this process shows whether the bytes were read.
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';

const GB = 1024 ** 3;
const dir = mkdtempSync(join(tmpdir(), 'dg-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Peak resident memory of this process so far, in bytes. */
const peak = (): number => process.resourceUsage().maxRSS * 1024;

async function openApp(): Promise<App> {
  return App.open(loadConfig({ cwd: dir, env: {}, overrides: { index: join(dir, 'index.db') } }), { create: true });
}

describe('size before read', () => {
  it('skips files over the limit as too-large without reading them, 1.9 GB and over 2 GB alike', async () => {
    const docs = join(dir, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'good.md'), '# Good\n\nA small page.\n');
    writeFileSync(join(docs, 'big.md'), '# Big\n');
    truncateSync(join(docs, 'big.md'), Math.round(1.9 * GB));
    writeFileSync(join(docs, 'huge.md'), '# Huge\n');
    truncateSync(join(docs, 'huge.md'), Math.round(2.1 * GB));
    const app = await openApp();
    try {
      const before = peak();
      const report = await app.ingest(docs);
      expect(peak() - before).toBeLessThan(300 * 1024 ** 2);
      expect(report.indexed).toBe(1);
      const skipped = Object.fromEntries(report.skipped.map((s) => [s.uri, s]));
      expect(skipped['big.md']).toMatchObject({ reason: 'too-large', message: expect.stringMatching(/big\.md is 1\.9 GB, over the 20\.0 MB limit/) });
      expect(skipped['huge.md']).toMatchObject({ reason: 'too-large', message: expect.stringMatching(/huge\.md is 2\.1 GB/) });
    } finally {
      await app.close();
    }
  });

  it('a file that grew past the limit after planning is refused by its job without being read', async () => {
    const docs = join(dir, 'grows');
    mkdirSync(docs);
    writeFileSync(join(docs, 'grows.md'), '# Grows\n\nSmall for now.\n');
    const app = await openApp();
    try {
      const queued = await app.ingest(docs, undefined, { wait: false });
      expect(queued.jobs!.queued).toBe(1);
      truncateSync(join(docs, 'grows.md'), Math.round(1.9 * GB));
      const before = peak();
      await app.ingestion.runWorker({ exitWhenIdle: true });
      expect(peak() - before).toBeLessThan(300 * 1024 ** 2);
      const [dead] = await app.ingestion.deadJobs(50);
      expect(dead).toMatchObject({ uri: 'grows.md', lastError: { code: 'UNSUPPORTED_FILE', message: expect.stringMatching(/1\.9 GB, over the 20\.0 MB limit/) } });
    } finally {
      await app.close();
    }
  });
});
