import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';
import { DIVERSITY_FREE, diversify } from '../../src/search/search.js';

// A single-page manual with many sections that each mention the query's words took most of the top 10
// for questions answered on a specific reference page (issue 9, cause 3).
const root = mkdtempSync(join(tmpdir(), 'dg-crowding-'));
const docs = join(root, 'docs');
let app: App;

beforeAll(async () => {
  mkdirSync(join(docs, 'ref'), { recursive: true });
  const manual = ['# The complete manual', ''];
  for (let i = 0; i < 40; i++) manual.push(`## Chapter ${i}`, '', `Retry settings for part ${i}: the retry delay and the retry budget of component ${i}.`, '');
  writeFileSync(join(docs, 'manual.md'), manual.join('\n'));
  writeFileSync(join(docs, 'ref', 'retry-delay.md'), '# Retry delay\n\nThe retry delay setting waits between attempts; set the retry delay in milliseconds.\n');
  writeFileSync(join(docs, 'ref', 'retry-budget.md'), '# Retry budget\n\nThe retry budget caps attempts; the retry budget resets every minute.\n');
  for (let i = 0; i < 6; i++) writeFileSync(join(docs, 'ref', `other-${i}.md`), `# Topic ${i}\n\nUnrelated text about topic ${i}, with one retry mention.\n`);
  app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
  await app.ingest(docs);
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a long single-page manual does not fill the top 10', () => {
  it('keeps the reference pages in the list and bounds the manual’s share', async () => {
    const r = await app.search('retry delay and retry budget', { limit: 10 });
    const uris = r.hits.map((h) => h.uri);
    expect(uris).toContain('ref/retry-delay.md');
    expect(uris).toContain('ref/retry-budget.md');
    expect(uris.filter((u) => u === 'manual.md').length).toBeLessThan(10 - 2);
    expect(r.hits.find((h) => h.uri === 'ref/retry-delay.md')!.parts.page).toBeDefined();
  });
});

describe('diversify', () => {
  const c = (doc: string, score: number) => ({ doc, score });
  it('keeps the first hits of a document and discounts each one past them', () => {
    const list = [...Array.from({ length: DIVERSITY_FREE + 3 }, (_, i) => c('big', 1 - i * 0.01)), c('small', 0.5)];
    const out = diversify(list, (x) => x.doc, 0.5, list.length);
    expect(out.slice(0, DIVERSITY_FREE).map((x) => x.doc)).toEqual(Array(DIVERSITY_FREE).fill('big'));
    // the next 'big' hit scores 0.97 × 0.5 < 0.5: the other page comes first
    expect(out[DIVERSITY_FREE]!.doc).toBe('small');
  });
  it('is the identity with a decay of 1, and stable on ties', () => {
    const list = [c('a', 1), c('a', 1), c('b', 1)];
    expect(diversify(list, (x) => x.doc, 1, 3)).toEqual(list);
    expect(diversify(list, (x) => x.doc, 0.5, 2)).toEqual(list.slice(0, 2));
  });
});

describe('confidence and weak', () => {
  it('means the same across queries: a query the docs answer scores above one they do not, and only the latter is weak', async () => {
    const answered = await app.search('retry delay milliseconds', { limit: 5 });
    const unanswered = await app.search('kubernetes ingress annotations for gzip', { limit: 5 });
    expect(answered.weak).toBe(false);
    expect(answered.hits[0]!.confidence).toBeGreaterThan(0.5);
    expect(unanswered.weak).toBe(true);
    expect(unanswered.hits.every((h) => h.confidence < 0.5)).toBe(true);
    for (const h of [...answered.hits, ...unanswered.hits]) {
      expect(h.confidence).toBeGreaterThanOrEqual(0);
      expect(h.confidence).toBeLessThanOrEqual(1);
    }
    // every page of one search says the same
    expect((await app.search('retry delay milliseconds', { limit: 2, offset: 2 })).weak).toBe(false);
  });
});
