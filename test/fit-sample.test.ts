/**
 * ingest.fitSampleBytes: a large run fits the builtin embedder on every other
 * new or changed file and parses the others while the fit and the writes run
 * (the plan streams them to the jobs). What is indexed must not depend on it:
 * the same documents, sections, entities and links, and the same skipped
 * files; the fit is the same on every run of the same files (the sample
 * depends only on them), and it stands for the whole run, so the next small
 * change does not refit.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { openBackend } from '../src/app/backend.js';
import { loadConfig } from '../src/config/config.js';
import { documentId, sourceId } from '../src/domain/ids.js';
import { planFolder } from '../src/ingest/plan.js';
import { parserOnThisThread, ThreadParser } from '../src/ingest/parse-pool.js';

const root = mkdtempSync(join(tmpdir(), 'dg-fit-sample-'));
const docs = join(root, 'docs');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PAGES = 20;
function page(i: number, extra = ''): string {
  const parts = [`# Page ${i}\n\nSee [the next page](page-${String((i + 1) % PAGES).padStart(2, '0')}.md#setup) and set \`retry.max_attempts\`.${extra}\n`];
  for (let k = 0; k < 11; k++) parts.push(`## Topic ${k} of page ${i}\n\nRun \`tool step-${k} --level ${i}\` to configure part ${k} of ${['cache', 'queue', 'index', 'search'][k % 4]} ${i}.\n`);
  parts.push(`## Setup\n\nE${1000 + i}: the part ${i} is missing.\n`);
  return parts.join('\n');
}
mkdirSync(docs);
for (let i = 0; i < PAGES; i++) writeFileSync(join(docs, `page-${String(i).padStart(2, '0')}.md`), page(i));
// a file that cannot be indexed, in the half the fit does not sample (it is the 4th changed file: index 3)
writeFileSync(join(docs, 'page-02b.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02, 0xff, 0xfe]));

interface Indexed {
  lines: string[];
  report: { indexed: number; sections: number; skipped: string[]; embedded: number };
  embedder: string | undefined;
}

async function ingest(cwd: string, fitSampleBytes: number | undefined): Promise<Indexed> {
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ ingest: fitSampleBytes === undefined ? {} : { fitSampleBytes } }));
  const app = await App.open(loadConfig({ cwd, env: {}, overrides: { index: join(cwd, 'index.db') } }), { create: true });
  try {
    const r = await app.ingest(docs);
    const status = await app.status();
    const lines: string[] = [];
    for await (const line of app.export()) lines.push(line);
    return {
      lines: lines.sort(),
      report: { indexed: r.indexed, sections: r.sections, skipped: r.skipped.map((s) => `${s.uri} ${s.reason}`), embedded: r.embedded },
      embedder: status.embedder?.id,
    };
  } finally {
    await app.close();
  }
}

describe('ingest.fitSampleBytes', () => {
  it('indexes the same documents, sections, entities, links and skipped files with a sampled fit; the sampled fit is deterministic', async () => {
    const whole = await ingest(join(root, 'whole'), undefined);
    const sampled = await ingest(join(root, 'sampled'), 0);
    const again = await ingest(join(root, 'again'), 0);
    expect(whole.report).toEqual({ indexed: PAGES, sections: PAGES * 13, skipped: ['page-02b.md binary'], embedded: PAGES * 13 });
    expect(sampled.report).toEqual(whole.report);
    expect(sampled.lines.length).toBeGreaterThan(PAGES * 13);
    expect(sampled.lines).toEqual(whole.lines);
    // the fit saw half the files: another model; the same one on every run
    expect(sampled.embedder).toMatch(/^builtin:/);
    expect(sampled.embedder).not.toBe(whole.embedder);
    expect(again.embedder).toBe(sampled.embedder);
    expect(again.lines).toEqual(sampled.lines);
  });

  it('a sampled fit stands for the whole run: adding a few files later does not refit', async () => {
    const cwd = join(root, 'refit');
    const first = await ingest(cwd, 0);
    // 143 sections were fitted on, standing for 260: 3 more pages (39) would pass twice the 143 (a refit)
    const added = [20, 21, 22].map((i) => join(docs, `page-${i}.md`));
    added.forEach((path, k) => writeFileSync(path, page(20 + k)));
    try {
      const second = await ingest(cwd, 0);
      expect(second.report.indexed).toBe(3);
      expect(second.embedder).toBe(first.embedder);
      // only the new sections were embedded: nothing stored was re-embedded
      expect(second.report.embedded).toBe(3 * 13);
    } finally {
      for (const path of added) rmSync(path);
    }
  });
});

describe('a streaming plan', () => {
  it('fits on every other changed file, parsed first, and hands the others to the jobs still parsing, on parse threads', async () => {
    const backend = await openBackend({ store: join(root, 'plan.db') }, { create: true });
    const store = backend.store;
    const threads = new ThreadParser(2);
    try {
      const fitted: { texts: number; represents: number | undefined }[] = [];
      const plan = await planFolder(docs, {
        store,
        parser: threads,
        threadsFromBytes: 0,
        fitSampleFromBytes: 0,
        stream: true,
        now: () => new Date('2026-12-03T00:00:00Z'),
        resolveEmbedder: async (texts, represents) => {
          fitted.push({ texts: texts.length, represents });
          const { BuiltinEmbedder } = await import('../src/embed/builtin/builtin.js');
          const { fitModel } = await import('../src/embed/builtin/model.js');
          return { embedder: new BuiltinEmbedder(fitModel([...texts])), reembedAll: false };
        },
      });
      expect(plan.changes.map((c) => c.uri)).toHaveLength(PAGES + 1);
      const sampled = plan.changes.filter((_, i) => i % 2 === 0);
      const others = plan.changes.filter((_, i) => i % 2 === 1);
      expect(sampled.every((c) => c.records !== undefined && c.pending === undefined)).toBe(true);
      // (a parse that ended before the plan returned has its records too)
      expect(others.every((c) => c.pending !== undefined)).toBe(true);
      // the fit saw the sampled files' sections and stands for all of them (by their share of the bytes)
      expect(fitted).toHaveLength(1);
      expect(fitted[0]!.texts).toBe(11 * 13);
      expect(fitted[0]!.represents).toBeGreaterThan(PAGES * 13 - 13);
      expect(fitted[0]!.represents).toBeLessThan(PAGES * 13 + 13);
      // what the threads hand over is what this thread parses; the bad file is an outcome, not a throw
      for (const c of others) {
        const outcome = await c.pending!;
        if (c.uri === 'page-02b.md') {
          expect('error' in outcome && (outcome.error as { reason?: string }).reason).toBe('binary');
          continue;
        }
        const here = await parserOnThisThread.parse({ uri: c.uri, bytes: Buffer.from(page(Number(c.uri.slice(5, 7)))), sourceId: plan.sourceId, checksum: c.checksum, indexedAt: '2026-12-03T00:00:00.000Z', maxSectionTokens: undefined, maxFileBytes: undefined });
        expect('records' in outcome && outcome.records).toEqual(here);
        expect(here.document.id).toBe(documentId(sourceId('fs', plan.root), c.uri));
      }
    } finally {
      await threads.close();
      await backend.close();
    }
  });
});
