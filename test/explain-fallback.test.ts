// explain_error's fallback for a text that names no known error: a bare code
// keeps only the search hits whose section contains the code itself; a message
// keeps them all. A real SQLite index built by the App from files written here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { fallbackHits } from '../src/app/graph.js';
import { loadConfig } from '../src/config/config.js';

const root = mkdtempSync(join(tmpdir(), 'dg-explain-fallback-'));
let app: App;
const idOf = new Map<string, string>();

beforeAll(async () => {
  const docs = join(root, 'docs');
  mkdirSync(docs);
  writeFileSync(join(docs, 'notes.md'), ['# Notes', '', '## Docs layout', '', 'These docs do not cover the changelog.', '', '## Lease renewal', '', 'A lease that lapses is logged as ERR_LEASE_LAPSED and renewed on the next tick.', ''].join('\n'));
  app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
  await app.ingest(docs);
  for (const d of await app.store.listDocuments()) for (const s of await app.store.getDocumentSections(d.id)) idOf.set(s.heading, s.id);
});
afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('fallbackHits', () => {
  const hits = () => ['Docs layout', 'Lease renewal'].map((h) => ({ sectionId: idOf.get(h)! }));

  it('keeps, for a bare code, only the sections that contain that code', async () => {
    expect(await fallbackHits(app.store, 'ERR_LEASE_LAPSED', hits())).toEqual([{ sectionId: idOf.get('Lease renewal') }]);
    // the words split out of an unknown code match other sections, which are no explanation of it
    expect(await fallbackHits(app.store, 'ERR_NOT_IN_THESE_DOCS', hits())).toEqual([]);
  });

  it('keeps every hit for a message, even one that names a code', async () => {
    expect(await fallbackHits(app.store, 'these docs do not cover it', hits())).toEqual(hits());
    expect(await fallbackHits(app.store, 'renewal failed: ERR_LEASE_GONE', hits())).toEqual(hits());
  });
});
