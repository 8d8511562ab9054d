// Incremental ingest end to end: a real folder, a real SQLite index, the
// builtin embedder, through the App the CLI/HTTP/MCP use.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import type { IngestReport } from '../src/ingest/ingest.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const root = mkdtempSync(join(tmpdir(), 'dg-ingest-'));
let n = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh copy of a fixture folder, so tests can change files. */
function copyOf(fixture: string): string {
  const dir = join(root, `docs-${++n}`);
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function openApp(): Promise<App> {
  const config = loadConfig({ cwd: root, env: {}, overrides: { index: join(root, `index-${++n}.db`) } });
  const app = await App.open(config, { create: true });
  apps.push(app);
  return app;
}

async function exportOf(app: App): Promise<string> {
  let out = '';
  for await (const line of app.export()) out += line + '\n';
  return out;
}

async function vectorsOf(app: App, uri: string): Promise<Map<string, Float32Array>> {
  const doc = await app.store.getDocumentByUri(uri);
  expect(doc).toBeDefined();
  return app.store.getSectionVectors(doc!.id);
}

const FIXTURE_FILES = ['configure.md', 'guides/troubleshoot.md', 'guides/upgrade.md', 'install.md'];

describe('ingest: incremental updates', () => {
  it('indexes every file the first time, then changes nothing when nothing changed', async () => {
    const dir = copyOf('incremental');
    const app = await openApp();
    const first = await app.ingest(dir);
    expect(first).toMatchObject({ files: 4, indexed: 4, unchanged: 0, deleted: 0, skipped: [], ignored: 0 });
    expect(first.sections).toBe(11); // 3 + 4 + 3 + 1
    expect(first.embedded).toBe(first.sections);
    expect(first.embedder).toMatch(/^builtin:/);
    const stats = await app.status();
    expect(stats).toMatchObject({ documents: 4, sections: first.sections, vectors: first.sections });
    expect((await app.store.listDocuments()).map((d) => d.uri)).toEqual(FIXTURE_FILES);
    const before = await exportOf(app);

    const second = await app.ingest(dir);
    expect(second).toMatchObject({ files: 4, indexed: 0, unchanged: 4, deleted: 0, sections: 0, embedded: 0, skipped: [] });
    expect(second.embedder).toBe(first.embedder);
    expect(await exportOf(app)).toBe(before);
    expect(await app.status()).toMatchObject({ documents: 4, sections: first.sections, vectors: first.sections });
  });

  it('re-indexes only a changed file, and re-embeds only its changed section', async () => {
    const dir = copyOf('incremental');
    const app = await openApp();
    const first = await app.ingest(dir);
    const oldVectors = await vectorsOf(app, 'configure.md');
    const untouched = await vectorsOf(app, 'install.md');
    const before = (await exportOf(app)).split('\n');

    const path = join(dir, 'configure.md');
    writeFileSync(path, readFileSync(path, 'utf8').replace('Default: `512`.', 'Default: `1024`; raise it for the zebrafication workload.'));
    const second = await app.ingest(dir);
    expect(second).toMatchObject({ files: 4, indexed: 1, unchanged: 3, deleted: 0, embedded: 1, skipped: [] });
    expect(second.sections).toBe(4); // all of configure.md's sections were written
    expect(second.embedder).toBe(first.embedder);

    // the other sections of the changed file kept their vectors, byte for byte
    const newVectors = await vectorsOf(app, 'configure.md');
    const kept = [...newVectors].filter(([sum]) => oldVectors.has(sum));
    expect(kept).toHaveLength(3);
    for (const [sum, vec] of kept) expect(Buffer.from(vec.buffer).equals(Buffer.from(oldVectors.get(sum)!.buffer))).toBe(true);
    // other files are untouched
    expect(await vectorsOf(app, 'install.md')).toEqual(untouched);
    const after = (await exportOf(app)).split('\n');
    const changed = after.filter((line) => !before.includes(line));
    expect(changed.length).toBe(2); // the document row (checksum, bytes) and the one section
    expect(changed.every((line) => line.includes('configure.md') || line.includes('zebrafication'))).toBe(true);

    const hits = await app.search('zebrafication', { mode: 'lexical' });
    expect(hits.hits[0]).toMatchObject({ uri: 'configure.md', anchor: 'cache_size' });
  });

  it('removes a deleted file with its sections and vectors', async () => {
    const dir = copyOf('incremental');
    const app = await openApp();
    const first = await app.ingest(dir);
    expect((await app.search('quokkafication')).hits.map((h) => h.uri)).toContain('guides/troubleshoot.md');
    const doc = await app.store.getDocumentByUri('guides/troubleshoot.md');
    const sectionIds = (await app.store.getDocumentSections(doc!.id)).map((s) => s.id);
    expect(sectionIds).toHaveLength(3);

    unlinkSync(join(dir, 'guides', 'troubleshoot.md'));
    const second = await app.ingest(dir);
    expect(second).toMatchObject({ files: 3, indexed: 0, unchanged: 3, deleted: 1, embedded: 0 });
    expect(await app.store.getDocumentByUri('guides/troubleshoot.md')).toBeUndefined();
    expect(await app.store.getSections(sectionIds)).toEqual([]);
    expect(await app.store.getSectionVectors(doc!.id)).toEqual(new Map());
    expect(await app.status()).toMatchObject({ documents: 3, sections: first.sections - 3, vectors: first.sections - 3 });
    for (const mode of ['lexical', 'vector', 'fused'] as const) {
      const hits = (await app.search('quokkafication WIDGET_E42', { mode, limit: 100 })).hits;
      expect(hits.some((h) => h.uri === 'guides/troubleshoot.md')).toBe(false);
    }
    expect((await app.search('quokkafication', { mode: 'lexical' })).hits).toEqual([]);
  });

  it('adds a new file without touching the others', async () => {
    const dir = copyOf('incremental');
    const app = await openApp();
    await app.ingest(dir);
    writeFileSync(join(dir, 'guides', 'backup.md'), '# Backup\n\nCopy `/var/lib/widgetd` somewhere safe.\n');
    const second = await app.ingest(dir);
    expect(second).toMatchObject({ files: 5, indexed: 1, unchanged: 4, deleted: 0, sections: 1, embedded: 1 });
  });
});

describe('ingest: bad files', () => {
  it('skips bad files with their reasons and indexes the rest', async () => {
    const dir = copyOf('incremental');
    cpSync(join(FIXTURES, 'bad-files'), join(dir, 'bad'), { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'not a document type docgraph reads');
    const app = await openApp();
    const report = await app.ingest(dir);
    expect(report).toMatchObject({ files: 8, indexed: 4, unchanged: 0, ignored: 1 });
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.uri, s.reason]));
    expect(reasons).toEqual({
      'bad/binary.md': 'binary',
      'bad/latin1.md': 'invalid-utf8',
      'bad/too-deep.md': 'too-deep',
      'bad/whitespace-only.md': 'empty',
    });
    for (const s of report.skipped) expect(s.message).toContain(s.uri);
    expect((await app.store.listDocuments()).map((d) => d.uri)).toEqual(FIXTURE_FILES);

    // skipped files are not "unchanged" the next time: they are looked at again and skipped again
    const again = await app.ingest(dir);
    expect(again).toMatchObject({ indexed: 0, unchanged: 4, deleted: 0 });
    expect(again.skipped.map((s) => s.uri).sort()).toEqual(Object.keys(reasons).sort());
  });

  it('removes a file that was indexed and has since become unreadable as text', async () => {
    const dir = copyOf('incremental');
    const app = await openApp();
    await app.ingest(dir);
    appendFileSync(join(dir, 'guides', 'upgrade.md'), Buffer.from([0xff, 0xfe, 0x00, 0x00]));
    const report = await app.ingest(dir);
    expect(report).toMatchObject({ indexed: 0, unchanged: 3, deleted: 1 });
    expect(report.skipped).toEqual([expect.objectContaining({ uri: 'guides/upgrade.md', reason: 'binary' })]);
    expect(await app.store.getDocumentByUri('guides/upgrade.md')).toBeUndefined();
  });

  it('reports a missing folder as invalid input', async () => {
    const app = await openApp();
    await expect(app.ingest(join(root, 'no-such-folder'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('ingest: determinism', () => {
  it('gives byte-identical exports and the same embedder when the same folder is ingested into two fresh indexes', async () => {
    const dir = copyOf('incremental');
    const reports: IngestReport[] = [];
    const exports: string[] = [];
    for (let i = 0; i < 2; i++) {
      const app = await openApp();
      reports.push(await app.ingest(dir));
      exports.push(await exportOf(app));
    }
    expect(exports[0]!.length).toBeGreaterThan(1000);
    expect(exports[1]).toBe(exports[0]);
    expect(reports[1]!.embedder).toBe(reports[0]!.embedder);
    expect(reports[1]!.sourceId).toBe(reports[0]!.sourceId);
  });

  it('keeps section ids stable when a section is added elsewhere in the document', async () => {
    const dir = copyOf('incremental');
    const app = await openApp();
    await app.ingest(dir);
    const idsBefore = new Map((await app.store.getDocumentSections((await app.store.getDocumentByUri('configure.md'))!.id)).map((s) => [s.anchor, s.id]));
    const path = join(dir, 'configure.md');
    writeFileSync(path, readFileSync(path, 'utf8').replace('## `cache_size`', '## `max_clients`\n\nHow many clients may connect.\n\n## `cache_size`'));
    const report = await app.ingest(dir);
    expect(report).toMatchObject({ indexed: 1, embedded: 1 });
    const after = await app.store.getDocumentSections((await app.store.getDocumentByUri('configure.md'))!.id);
    for (const s of after) {
      if (s.anchor !== 'max_clients') expect(s.id).toBe(idsBefore.get(s.anchor));
    }
    expect(after.map((s) => s.anchor)).toEqual(['configure-the-widget-server', 'listen_port', 'max_clients', 'cache_size', 'log_level']);
  });
});
