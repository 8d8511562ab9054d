// Release notes count less in the default search, unless the question is
// about change: classification by title and path, and the ranking it makes
// on a real SQLite index built by the App from files written here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { asksAboutChange, isReleaseNotes } from '../src/search/release-notes.js';

describe('which documents are release notes', () => {
  it.each([
    ['whatsnew/3.8.html', 'What’s New In Python 3.8'],
    ['about/release-notes.html', 'Release Notes'],
    ['CHANGELOG.md', 'Changelog'],
    ['docs/changes.html', 'Changes'],
    ['NEWS', 'NEWS'],
    ['guide/ch12.html', 'Release Notes for 4.2'],
    ['appendix-e.html', 'Changes in version 2.0'],
  ])('%s («%s») is', (uri, title) => {
    expect(isReleaseNotes({ uri, title })).toBe(true);
  });
  it.each([
    ['library/history.html', 'A Brief History of the Project'],
    ['news/2024/launch.html', 'We launched'],
    ['reference/newsletter.html', 'Newsletter API'],
    ['library/logging.html', 'logging — Logging facility'],
    ['guide/changing-passwords.html', 'Changing passwords'],
  ])('%s («%s») is not', (uri, title) => {
    expect(isReleaseNotes({ uri, title })).toBe(false);
  });
});

describe('which questions ask about change', () => {
  it.each(['what’s new in asyncio', 'was this deprecated', 'removed in 3.12?', 'added in v18.3', 'since version 2 the default is', 'upgrading from 1.x', 'new in 4.0'])('%s does', (q) => {
    expect(asksAboutChange(q)).toBe(true);
  });
  it.each(['DeprecationWarning fails my tests', 'RuntimeError: dictionary changed size during iteration', 'why is 0.1 + 0.2 != 0.3', 'create a new file', 'does f(3) equal f(3.0)', 'oldest TLS protocol version'])('%s does not', (q) => {
    expect(asksAboutChange(q)).toBe(false);
  });
});

describe('ranking', () => {
  const root = mkdtempSync(join(tmpdir(), 'dg-release-notes-'));
  let app: App;
  beforeAll(async () => {
    const docs = join(root, 'docs');
    mkdirSync(join(docs, 'whatsnew'), { recursive: true });
    mkdirSync(join(docs, 'library'), { recursive: true });
    // the release notes retell the features in the reference's own words
    writeFileSync(
      join(docs, 'whatsnew', '2.0.md'),
      "# What's New in 2.0\n\n## tempfile\n\nThe temporary directory helper now cleans up.\n\n## shutil\n\nCopying a directory tree keeps temporary files.\n\n## os\n\nRemoving a directory is faster.\n",
    );
    writeFileSync(
      join(docs, 'library', 'tempfile.md'),
      '# tempfile\n\n## TemporaryDirectory\n\nCreates a temporary directory; when done, the directory and everything in it is removed.\n\n' +
        '## mkdtemp\n\nCreates a temporary directory that you remove yourself when done.\n\n## mkstemp\n\nCreates a temporary file in the most secure manner possible.\n',
    );
    writeFileSync(join(docs, 'library', 'os.md'), '# os\n\n## rmdir\n\nRemove a directory.\n\n## getcwd\n\nThe current folder.\n');
    app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
    await app.ingest(docs);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const order = (hits: { uri: string; anchor: string }[]): string[] => hits.map((h) => `${h.uri}#${h.anchor}`);

  it('a how-to question ranks the reference above a release note that retells it', async () => {
    const q = 'temporary directory removed when done';
    const lexical = order((await app.search(q, { mode: 'lexical' })).hits);
    expect(lexical.indexOf('whatsnew/2.0.md#os')).toBeGreaterThanOrEqual(2); // not among the first two lexical hits
    const graph = order((await app.search(q)).hits);
    expect(graph.indexOf('library/tempfile.md#temporarydirectory')).toBeLessThan(graph.indexOf('whatsnew/2.0.md#os'));
  });

  it('a question about change keeps release notes at full weight', async () => {
    const graph = order((await app.search("what's new: temporary directory removed when done")).hits);
    expect(graph.indexOf('whatsnew/2.0.md#os')).toBeLessThan(graph.indexOf('library/tempfile.md#temporarydirectory'));
  });
});
