import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';

// Man pages built from shared includes (git's diff options sit in eight pages) filled the first five hits with one
// passage under eight addresses, and the page that answered the question fell below them (git docs, session 17).
const root = mkdtempSync(join(tmpdir(), 'dg-near-dup-'));
const docs = join(root, 'docs');
let app: App;
const include = [
  'Show the changes of each line with the commit that changed it, in the unified diff format.',
  'Detect renames and copies of a file, and show each changed line of the file once.',
  'Treat all files as text, and show whole functions as context for each changed line.',
].join(' ');

beforeAll(async () => {
  mkdirSync(docs, { recursive: true });
  for (const cmd of ['log', 'show', 'diff', 'format-patch', 'diff-tree']) {
    writeFileSync(join(docs, `git-${cmd}.md`), `# git-${cmd}\n\nThe ${cmd} command of the tool, page ${cmd}.\n\n## Options\n\n${include}\n`);
  }
  writeFileSync(join(docs, 'git-blame.md'), '# git-blame\n\nShow what commit last changed each line of a file, and who made the change.\n');
  app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
  await app.ingest(docs);
});
afterAll(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a passage published on several pages is one hit', () => {
  it('shows the shared options once, at the best rank of its copies, and the answering page within the first hits', async () => {
    const r = await app.search('which commit changed each line of a file', { limit: 5 });
    const copies = r.hits.filter((h) => h.heading === 'Options');
    expect(copies).toHaveLength(1);
    expect(r.hits.map((h) => h.uri)).toContain('git-blame.md');
  });
  it('pages through the list without the copies: the second page repeats nothing of the first', async () => {
    const all = (await app.search('which commit changed each line of a file', { limit: 10 })).hits.map((h) => h.sectionId);
    const first = (await app.search('which commit changed each line of a file', { limit: 3 })).hits.map((h) => h.sectionId);
    const second = (await app.search('which commit changed each line of a file', { limit: 3, offset: 3 })).hits.map((h) => h.sectionId);
    expect([...first, ...second]).toEqual(all.slice(0, first.length + second.length));
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([]);
  });
  it('lexical mode, a single retriever, lists every copy', async () => {
    const r = await app.search('which commit changed each line of a file', { limit: 10, mode: 'lexical' });
    expect(r.hits.filter((h) => h.heading === 'Options').length).toBeGreaterThan(1);
  });
});
