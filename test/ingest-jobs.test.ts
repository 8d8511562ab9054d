// The document job handler inside the app, in process on a real index: a
// write whose vectors come from an embedder the index has since left is
// refused and retried, and the retry re-uses the vectors the first attempt
// checkpointed instead of asking the (remote) embedder again.
import { appendFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { FakeEmbeddings } from './helpers/fake-embeddings.js';
import { doc, until, workspace, writeDocs } from './helpers/docgraph.js';
import { damage } from './helpers/sqlite-index.js';
import { settleRelinks } from '../src/ingest/links.js';
import type { Store } from '../src/store/store.js';

let server: FakeEmbeddings;
const dirs: string[] = [];
beforeAll(async () => {
  server = await FakeEmbeddings.start();
});
afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('document jobs in the app', () => {
  it('refuses a write embedded with a replaced embedder, retries, and re-uses the checkpointed vectors', async () => {
    const ws = workspace({
      embedder: { provider: 'openai', baseUrl: server.baseUrl, model: 'fake-embed', dimensions: 8 },
      queue: { backoffBaseMs: 3000, backoffMaxMs: 3000 },
      worker: { pollMs: 20 },
    });
    dirs.push(ws.dir);
    writeFileSync(join(ws.docs, 'slow.md'), `# Slow\n\nHeld page: ${server.marker}.\n\n## More\n\nSecond section, also ${server.marker}.\n`);
    writeFileSync(join(ws.docs, 'other.md'), doc(1));
    const app = await App.open(loadConfig({ cwd: ws.dir, env: {} }), { create: true });
    try {
      const queued = await app.ingest(ws.docs, undefined, { wait: false });
      const slowJob = queued.jobs!.ids[queued.jobs!.ids.length - 1]!;
      const original = (await app.store.getEmbedder())!;
      server.holding = true;
      server.markedRequests = 0;
      const stop = new AbortController();
      const worker = app.ingestion.runWorker({ signal: stop.signal });

      // while the page is being embedded, the index moves to another embedder
      await until(() => server.heldCount > 0, 'the slow page to be mid-embedding');
      await app.store.setEmbedder({ id: 'other:model:8', provider: 'other', model: 'model', dimensions: 8 });
      server.release();
      await until(async () => (await app.ingestion.job(slowJob))?.lastError?.code === 'EMBEDDER_MISMATCH', 'the write to be refused');
      const failed = (await app.ingestion.job(slowJob))!;
      expect(failed).toMatchObject({ state: 'pending', attempts: 1, lastError: { retryable: true } });
      expect(failed.checkpoints.map((c) => c.step)).toEqual(['vectors:1:0']);
      expect(await app.store.getDocumentByUri('slow.md')).toBeUndefined();

      // back to the embedder the vectors came from: the retry writes without embedding again
      await app.store.setEmbedder(original);
      await until(async () => (await app.ingestion.job(slowJob))?.state === 'completed', 'the retry to complete', 20_000);
      expect(server.markedRequests).toBe(1);
      const done = (await app.ingestion.job(slowJob))!;
      expect(done.history.map((h) => h.outcome)).toEqual(['failed', 'completed']);
      expect(done.checkpoints).toEqual([]);
      const stored = await app.store.getDocumentByUri('slow.md');
      expect((await app.store.getSectionVectors(stored!.id)).size).toBe(2);
      stop.abort();
      await worker;
    } finally {
      await app.close();
    }
  });

  it('verify finds drift of every kind and --repair brings it to 0%', async () => {
    const ws = workspace({ worker: { pollMs: 20 } });
    dirs.push(ws.dir);
    const uris = writeDocs(ws.docs, 6);
    const app = await App.open(loadConfig({ cwd: ws.dir, env: {} }), { create: true });
    try {
      await app.ingest(ws.docs);
      expect(await app.ingestion.verify()).toMatchObject({ driftPercent: 0, wrong: 0, documents: 6 });

      const docOf = async (uri: string): Promise<string> => (await app.store.getDocumentByUri(uri))!.id;
      const [doc0, doc1] = [await docOf(uris[0]!), await docOf(uris[1]!)];
      // a vector and a lexical row lost, an entity nothing refers to (damage no port can do), a file changed, one deleted, one added
      damage.dropVector(ws.index, doc0);
      damage.dropLexicalRow(ws.index, doc1);
      damage.addOrphanEntity(ws.index, 'e_orphan', 'orphan');
      appendFileSync(join(ws.docs, uris[2]!), '\nOne more line.\n');
      unlinkSync(join(ws.docs, uris[3]!));
      writeFileSync(join(ws.docs, 'new.md'), doc(99));

      const before = await app.ingestion.verify();
      expect(Object.fromEntries(before.drift.map((d) => [d.uri, d.problems]))).toEqual({
        [uris[0]!]: ['missing-vectors'],
        [uris[1]!]: ['missing-lexical'],
        [uris[2]!]: ['checksum'],
        [uris[3]!]: ['file-missing'],
        'new.md': ['not-indexed'],
      });
      expect(before.orphanEntities).toBe(1);
      expect(before.wrong).toBe(6);
      expect(before.driftPercent).toBeGreaterThan(0);

      const repair = await app.ingestion.verify({ repair: true });
      expect(repair.repair).toMatchObject({ removedEntities: 1 });
      expect(repair.repair!.jobs).toHaveLength(5);
      await app.ingestion.drain(repair.repair!.jobs);
      expect(await app.ingestion.verify()).toMatchObject({ driftPercent: 0, wrong: 0, documents: 6, queued: 0 });
    } finally {
      await app.close();
    }
  });

  it('an index parsed by an earlier revision: verify says so, and the next ingest parses every document again, re-using its vectors', async () => {
    const ws = workspace({ worker: { pollMs: 20 } });
    dirs.push(ws.dir);
    const uris = writeDocs(ws.docs, 4);
    const app = await App.open(loadConfig({ cwd: ws.dir, env: {} }), { create: true });
    try {
      expect(await app.ingest(ws.docs)).toMatchObject({ indexed: 4, unchanged: 0 });
      expect(await app.ingest(ws.docs)).toMatchObject({ indexed: 0, unchanged: 4 });
      const sections = (await app.store.stats()).sections;
      damage.parsedByRevision0(ws.index);

      const before = await app.ingestion.verify();
      expect(Object.fromEntries(before.drift.map((d) => [d.uri, d.problems]))).toEqual(Object.fromEntries(uris.map((u) => [u, ['parser']])));
      // the files are the same: every section's vector is re-used, none is embedded again
      expect(await app.ingest(ws.docs)).toMatchObject({ indexed: 4, unchanged: 0, embedded: 0, sections });
      expect(await app.ingestion.verify()).toMatchObject({ driftPercent: 0, wrong: 0, documents: 4 });
      expect(await app.ingest(ws.docs)).toMatchObject({ indexed: 0, unchanged: 4 });
    } finally {
      await app.close();
    }
  });

  /** A guide linking to a reference section, ingested; and the ids a crash test needs. */
  async function linkedPair(): Promise<{ app: App; index: string; src: string; port: string; refDoc: string }> {
    const ws = workspace({ worker: { pollMs: 20 } });
    dirs.push(ws.dir);
    writeFileSync(join(ws.docs, 'guide.md'), '# Guide\n\n## Setup\n\nSee [the port setting](reference.md#port) first.\n');
    writeFileSync(join(ws.docs, 'reference.md'), '# Reference\n\n## Port\n\nThe port to listen on.\n');
    const app = await App.open(loadConfig({ cwd: ws.dir, env: {} }), { create: true });
    await app.ingest(ws.docs);
    const refDoc = (await app.store.getDocumentByUri('reference.md'))!.id;
    const port = (await app.store.getDocumentSections(refDoc)).find((s) => s.anchor === 'port')!.id;
    const src = (await app.store.edgesOf([port], 'in', ['LINKS_TO']))[0]!.src;
    expect(src).toMatch(/^s_/);
    return { app, index: ws.index, src, port, refDoc };
  }

  /** Where a section's LINKS_TO edges point. */
  async function linkTargets(app: App, src: string): Promise<string[]> {
    return (await app.store.edgesOf([src], 'out', ['LINKS_TO'])).map((e) => e.dst);
  }

  it('verify finds links left pointing at an old version of their target and --repair relinks them without a job', async () => {
    const { app, index, src, port, refDoc } = await linkedPair();
    try {
      expect(await app.ingestion.verify()).toMatchObject({ driftPercent: 0, wrong: 0 });
      damage.pointLinksAtDocuments(index, src); // what a crash before the relinking leaves: the link names the document
      expect(await linkTargets(app, src)).toEqual([refDoc]);

      const before = await app.ingestion.verify();
      expect(before.drift).toEqual([expect.objectContaining({ uri: 'guide.md', problems: ['stale-links'] })]);
      expect(before.wrong).toBe(1);
      const repair = await app.ingestion.verify({ repair: true });
      expect(repair.repair).toMatchObject({ jobs: [], relinked: 1 });
      expect(await linkTargets(app, src)).toEqual([port]);
      expect(await app.ingestion.verify()).toMatchObject({ driftPercent: 0, wrong: 0 });
    } finally {
      await app.close();
    }
  });

  it('a relinking left pending by a crash (marker written, relink not run) is done by the next worker', async () => {
    const { app, index, src, port, refDoc } = await linkedPair();
    try {
      expect(await app.store.pendingRelinks()).toEqual([]); // the run settled them at its end
      // the state a SIGKILL right after reference.md's write leaves: its marker, and the guide's link not yet moved
      damage.pointLinksAtDocuments(index, src); // what a crash before the relinking leaves: the link names the document
      damage.addRelinkMarker(index, refDoc, [port]);
      expect(await app.store.pendingRelinks()).toEqual([{ docId: refDoc, before: [port] }]);
      await app.ingestion.runWorker({ exitWhenIdle: true });
      expect(await linkTargets(app, src)).toEqual([port]);
      expect(await app.store.pendingRelinks()).toEqual([]);
      expect(await app.ingestion.verify()).toMatchObject({ driftPercent: 0, wrong: 0 });
    } finally {
      await app.close();
    }
  });

  it('settles the links of a whole run at once: each document and each link target is read once, not once per link', async () => {
    const ws = workspace({ worker: { pollMs: 20 } });
    dirs.push(ws.dir);
    const n = 24;
    // a ring where every page links to the next five
    for (let i = 0; i < n; i++) {
      const links = [1, 2, 3, 4, 5].map((k) => `[page ${(i + k) % n}](p${(i + k) % n}.md#part-${(i + k) % n})`).join(', ');
      writeFileSync(join(ws.docs, `p${i}.md`), `# Page ${i}\n\n## Part ${i}\n\nSee ${links}.\n`);
    }
    const app = await App.open(loadConfig({ cwd: ws.dir, env: {} }), { create: true });
    try {
      await app.ingest(ws.docs);
      expect(await app.store.pendingRelinks()).toEqual([]);
      const sectionIds = async (): Promise<string[]> => {
        const out: string[] = [];
        for (const d of await app.store.listDocuments()) for (const s of await app.store.getDocumentSections(d.id)) out.push(s.id);
        return out.sort();
      };
      const edges = async (): Promise<string[]> => (await app.store.edgesOf(await sectionIds(), 'out', ['LINKS_TO'])).map((e) => `${e.src} ${e.dst}`).sort();
      const settled = await edges();
      expect(settled).toHaveLength(5 * n);
      // what a run of writes leaves before it settles: a marker per document, and links still naming documents
      const docs = await app.store.listDocuments();
      const markers = await Promise.all(docs.map(async (d) => ({ docId: d.id, before: (await app.store.getDocumentSections(d.id)).map((s) => s.id).sort() })));
      for (const m of markers) damage.addRelinkMarker(ws.index, m.docId, m.before);
      damage.pointLinksAtDocuments(ws.index);
      expect(await app.store.pendingRelinks()).toHaveLength(n);
      expect(await edges()).not.toEqual(settled);

      // the real store, with its document reads counted
      let reads = 0;
      const counted = new Proxy(app.store, {
        get(target, key) {
          const v = Reflect.get(target, key) as unknown;
          if (key === 'getDocumentSections') reads++;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as Store;
      expect(await settleRelinks(counted)).toBe(n);
      expect(await edges()).toEqual(settled);
      expect(await app.store.pendingRelinks()).toEqual([]);
      // each page once as a linking document and once as a link target; one relink per link would read 5 × 6 per page
      expect(reads).toBeLessThanOrEqual(2 * n);
      expect(await app.ingestion.verify()).toMatchObject({ driftPercent: 0, wrong: 0 });
    } finally {
      await app.close();
    }
  });
});
