/**
 * The lexical retriever leaves out query terms that most sections hold
 * (search.ts COMMON_TERM_SHARE), once the index is large enough for a share
 * to mean something, and keeps them when nothing else would match.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { COMMON_TERM_MIN_SECTIONS } from '../src/search/search.js';

const root = mkdtempSync(join(tmpdir(), 'dg-common-terms-'));
let app: App;

/** 20 pages × 60 sections; every section says "widget", two also say "quasar". */
beforeAll(async () => {
  const docs = join(root, 'docs');
  mkdirSync(docs);
  for (let p = 0; p < 20; p++) {
    const sections = Array.from({ length: 60 }, (_, s) => {
      const extra = (p === 3 && s === 7) || (p === 11 && s === 40) ? ' The quasar mode is set here.' : '';
      return `## Part ${p}-${s}\n\nThe widget holds item ${p * 60 + s}.${extra}\n`;
    });
    writeFileSync(join(docs, `page-${p}.md`), `# Page ${p}\n\n${sections.join('\n')}`);
  }
  app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
  const report = await app.ingest(docs);
  expect(report.sections).toBeGreaterThanOrEqual(COMMON_TERM_MIN_SECTIONS);
}, 120_000);

afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('common query terms', () => {
  it('are left out of the lexical query when a rarer term is there: only the sections with the rare term match', async () => {
    const r = await app.search('widget quasar', { mode: 'lexical', limit: 20 });
    expect(r.hits.map((h) => h.heading).sort()).toEqual(['Part 11-40', 'Part 3-7']);
  });

  it('are kept when the query has nothing rarer, or nothing else the index holds', async () => {
    expect((await app.search('widget', { mode: 'lexical', limit: 20 })).hits).toHaveLength(20);
    expect((await app.search('widget zyzzyva', { mode: 'lexical', limit: 20 })).hits).toHaveLength(20);
  });
});
