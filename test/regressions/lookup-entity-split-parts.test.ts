import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';

// lookup_entity listed the same anchor once per part of a split section (issue 12 #19).
const root = mkdtempSync(join(tmpdir(), 'dg-split-parts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('lists each defining or mentioning place once, with the mentions of all its parts summed', async () => {
  const docs = join(root, 'docs');
  mkdirSync(docs);
  writeFileSync(join(docs, 'config.md'), '# Config\n\n## `ACME_RETRY_LIMIT`\n\nThe environment variable `ACME_RETRY_LIMIT` sets how many times a deploy is retried.\n');
  const para = (i: number) => `Paragraph ${i} of the long guide: when a deploy fails, \`ACME_RETRY_LIMIT\` decides whether it is tried again, and the logs say so. ${'More words about retries and deploys. '.repeat(8)}`;
  writeFileSync(join(docs, 'guide.md'), `# Guide\n\n## Retries\n\n${Array.from({ length: 12 }, (_, i) => para(i)).join('\n\n')}\n`);
  const app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
  try {
    await app.ingest(docs);
    const parts = (await app.store.getDocumentSections((await app.store.getDocumentByUri('guide.md'))!.id)).filter((s) => s.anchor === 'retries');
    expect(parts.length).toBeGreaterThan(1); // the section was split
    const v = await app.lookupEntity('ACME_RETRY_LIMIT');
    const places = v.mentionedIn.map((c) => `${c.uri}#${c.anchor}`);
    expect(places).toEqual([...new Set(places)]);
    expect(places).toContain('guide.md#retries');
    expect(v.mentionedIn.find((c) => c.anchor === 'retries')!.count).toBeGreaterThanOrEqual(12);
    const defs = v.definedIn.map((c) => `${c.uri}#${c.anchor}`);
    expect(defs).toEqual([...new Set(defs)]);
  } finally {
    await app.close();
  }
});
