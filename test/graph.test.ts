// The knowledge graph end to end: real files, a real SQLite index, the App the
// CLI/HTTP/MCP use, and the CLI's `graph export` as a child process.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { exportGraphJsonl } from '../src/app/export.js';
import { TRAVERSE_LIMITS } from '../src/app/graph.js';
import { loadConfig } from '../src/config/config.js';
import { InvalidInputError, NotFoundError } from '../src/domain/errors.js';
import { documentId } from '../src/domain/ids.js';
import type { EdgeRecord, EntityRecord } from '../src/domain/types.js';
import { CLI_JS } from './helpers/cli.js';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, 'fixtures', 'graph');
const root = mkdtempSync(join(tmpdir(), 'dg-graph-'));
let n = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh copy of the graph fixture, so a test can change its files. */
function copyOfFixture(): string {
  const dir = join(root, `docs-${++n}`);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function newIndex(): string {
  return join(root, `index-${++n}.db`);
}

async function openApp(index = newIndex()): Promise<App> {
  const app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index } }), { create: true });
  apps.push(app);
  return app;
}

async function graphOf(app: App): Promise<string> {
  let out = '';
  for await (const line of exportGraphJsonl(app.store)) out += line + '\n';
  return out;
}

/** `docgraph graph export` as a user runs it. */
async function cliExport(index: string, format: 'jsonl' | 'graphml'): Promise<string> {
  const { stdout } = await run('node', [CLI_JS, '--index', index, 'graph', 'export', '--format', format], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function cliIngest(index: string, dir: string): Promise<void> {
  await run('node', [CLI_JS, '--index', index, 'ingest', dir]);
}

type Line = ({ kind: 'entity' } & EntityRecord) | ({ kind: 'edge'; docId: string } & EdgeRecord);

function parse(jsonl: string): { entities: EntityRecord[]; edges: (EdgeRecord & { docId: string })[] } {
  const lines = jsonl.trim().split('\n').map((l) => JSON.parse(l) as Line);
  return {
    entities: lines.filter((l): l is { kind: 'entity' } & EntityRecord => l.kind === 'entity'),
    edges: lines.filter((l): l is { kind: 'edge'; docId: string } & EdgeRecord => l.kind === 'edge'),
  };
}

/**
 * The graph's invariants: every entity has an edge, every edge's document
 * exists, and every section or entity an edge names (src, dst, evidence)
 * exists. A LINKS_TO edge may name a document that is not indexed (a link to a
 * page outside the folder): that is what the docs say, not drift.
 */
async function checkIntegrity(app: App): Promise<void> {
  const { entities, edges } = parse(await graphOf(app));
  const docs = new Set((await app.store.listDocuments()).map((d) => d.id));
  const sections = new Set<string>();
  for (const d of docs) for (const s of await app.store.getDocumentSections(d)) sections.add(s.id);
  const entityIds = new Set(entities.map((e) => e.id));
  const exists = (id: string): boolean => (id.startsWith('s_') ? sections.has(id) : id.startsWith('e_') ? entityIds.has(id) : docs.has(id));
  const touched = new Set(edges.flatMap((e) => [e.src, e.dst]));
  expect(entities.filter((e) => !touched.has(e.id)).map((e) => `${e.type} ${e.name}`), 'entities without an edge').toEqual([]);
  expect(edges.filter((e) => !docs.has(e.docId)), 'edges of a document that is gone').toEqual([]);
  const dangling = edges.filter((e) => !exists(e.src) || !(exists(e.dst) || (e.type === 'LINKS_TO' && e.dst.startsWith('d_'))) || (e.evidence !== null && !sections.has(e.evidence)));
  expect(dangling, 'edges naming a node that is gone').toEqual([]);
}

describe('graph export is deterministic', () => {
  it('the same folder ingested twice, and into two fresh indexes, exports byte-identical JSONL and GraphML', { timeout: 180_000 }, async () => {
    const dir = copyOfFixture();
    const a = newIndex();
    const b = newIndex();
    await cliIngest(a, dir);
    const [jsonl1, graphml1] = await Promise.all([cliExport(a, 'jsonl'), cliExport(a, 'graphml')]);
    await cliIngest(a, dir); // unchanged: nothing is rewritten
    await cliIngest(b, dir);
    const [jsonl2, graphml2, jsonl3, graphml3] = await Promise.all([cliExport(a, 'jsonl'), cliExport(a, 'graphml'), cliExport(b, 'jsonl'), cliExport(b, 'graphml')]);
    expect(jsonl1.split('\n').length).toBeGreaterThan(40);
    expect(graphml1).toContain('<graphml');
    // every edge's ends are declared nodes (links to pages the index lacks included)
    const declared = new Set([...graphml1.matchAll(/<node id="([^"]+)"/g)].map((m) => m[1]));
    const ends = [...graphml1.matchAll(/<edge id="[^"]+" source="([^"]+)" target="([^"]+)"/g)].flatMap((m) => [m[1], m[2]]);
    expect(ends.length).toBeGreaterThan(0);
    expect(ends.filter((id) => !declared.has(id))).toEqual([]);
    expect(graphml1).toContain('<data key="kind">missing</data>'); // the changelog install.md links to
    expect(jsonl2).toBe(jsonl1);
    expect(graphml2).toBe(graphml1);
    expect(jsonl3).toBe(jsonl1);
    expect(graphml3).toBe(graphml1);
  });

  it('rewriting every document (touched files) gives the same export', async () => {
    const dir = copyOfFixture();
    const app = await openApp();
    await app.ingest(dir);
    const before = await graphOf(app);
    for (const f of ['reference/settings.md', 'guides/troubleshooting.md', 'guides/install.md', 'guides/legacy.md']) writeFileSync(join(dir, f), readFileSync(join(dir, f), 'utf8') + '\n');
    const report = await app.ingest(dir);
    expect(report.indexed).toBe(4);
    expect(await graphOf(app)).toBe(before);
  });
});

describe('incremental re-ingest keeps the graph exact', () => {
  /** The changes: settings.md drops legacy_mode, adds strict_mode and no longer states cache_size's default; legacy.md is deleted. */
  function change(dir: string): void {
    const settings = join(dir, 'reference', 'settings.md');
    const text = readFileSync(settings, 'utf8');
    const legacy = text.indexOf('## legacy_mode');
    expect(legacy).toBeGreaterThan(0);
    writeFileSync(
      settings,
      text
        .slice(0, legacy)
        .replace('The default value is `64`.', 'Leave it unset to turn the cache off.') +
        '## strict_mode\n\nRefuses requests with unknown headers. Default: `on`.\n',
    );
    unlinkSync(join(dir, 'guides', 'legacy.md'));
  }

  it('a changed and a deleted file leave no orphans, and the graph equals a fresh ingest of the final folder', async () => {
    const dir = copyOfFixture();
    const app = await openApp();
    await app.ingest(dir);
    await checkIntegrity(app);
    const { entities: before } = parse(await graphOf(app));
    expect(before.map((e) => e.name)).toEqual(expect.arrayContaining(['legacy_mode', 'ERR_WIRE_VERSION', 'ERR_LEGACY_ONLY', 'cache_size']));
    expect(before.find((e) => e.name === 'cache_size')?.attributes).toMatchObject({ default: '64', unit: 'megabytes' });

    change(dir);
    const report = await app.ingest(dir);
    expect(report).toMatchObject({ indexed: 1, deleted: 1 });
    await checkIntegrity(app);
    const incremental = await graphOf(app);
    const { entities: after } = parse(incremental);
    const names = after.map((e) => e.name);
    expect(names).toContain('strict_mode');
    expect(names).not.toContain('legacy_mode'); // defined only in the changed file, and gone from it
    expect(names).not.toContain('ERR_WIRE_VERSION'); // only in the deleted file
    expect(names).toContain('ERR_LEGACY_ONLY'); // still mentioned by troubleshooting.md
    const cache = after.find((e) => e.name === 'cache_size')!;
    expect(cache.attributes).not.toHaveProperty('default'); // what the old version said is taken back
    expect(cache.attributes).toMatchObject({ unit: 'megabytes' });

    const fresh = await openApp();
    await fresh.ingest(dir);
    expect(incremental).toBe(await graphOf(fresh));
    expect(await app.status()).toMatchObject({ entities: (await fresh.status()).entities, edges: (await fresh.status()).edges });
  });

  it('links from unchanged documents follow their targets: a section that moves, a page that is deleted and comes back', async () => {
    const dir = copyOfFixture();
    const app = await openApp();
    await app.ingest(dir);
    const troubleshooting = (await app.store.getDocumentByUri('guides/troubleshooting.md'))!;
    const linksOf = async (): Promise<string[]> => {
      const sections = await app.store.getDocumentSections(troubleshooting.id);
      const edges = await app.store.edgesOf(sections.map((s) => s.id), 'out', ['LINKS_TO']);
      const out: string[] = [];
      for (const e of edges) {
        const [target] = await app.store.getSections([e.dst]);
        const legacy = documentId(troubleshooting.sourceId, 'guides/legacy.md'); // may not be indexed: a link names it all the same
        out.push(target ? `${(await app.store.getDocument(target.docId))!.uri}#${target.anchor}` : `${e.dst === legacy ? 'guides/legacy.md' : e.dst} (document)`);
      }
      return out.sort();
    };
    expect(await linksOf()).toEqual(['guides/legacy.md#the-legacy-protocol', 'reference/settings.md#worker_connections']);

    // worker_connections moves under a new heading: a new section id, the same anchor
    const settings = join(dir, 'reference', 'settings.md');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace('## worker_connections', '## Connections\n\n### worker_connections'));
    unlinkSync(join(dir, 'guides', 'legacy.md'));
    expect(await app.ingest(dir)).toMatchObject({ indexed: 1, deleted: 1 });
    expect(await linksOf()).toEqual(['guides/legacy.md (document)', 'reference/settings.md#worker_connections']);
    await checkIntegrity(app);

    cpSync(join(FIXTURE, 'guides', 'legacy.md'), join(dir, 'guides', 'legacy.md'));
    expect(await app.ingest(dir)).toMatchObject({ indexed: 1, deleted: 0 });
    expect(await linksOf()).toEqual(['guides/legacy.md#the-legacy-protocol', 'reference/settings.md#worker_connections']);
    await checkIntegrity(app);

    const fresh = await openApp();
    await fresh.ingest(dir);
    expect(await graphOf(app)).toBe(await graphOf(fresh));
  });
});

describe('graph operations on one index', () => {
  let app: App;
  const shared = newIndex();

  beforeAll(async () => {
    app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: shared } }), { create: true });
    await app.ingest(copyOfFixture());
  });
  afterAll(async () => {
    await app?.close();
  });

  async function refusal(p: Promise<unknown>): Promise<InvalidInputError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }

  it('traverse refuses depth and limit beyond the caps, unknown relations and directions, saying what is allowed', async () => {
    for (const depth of [0, 4, 1.5]) {
      expect(await refusal(app.traverse({ from: 'EADDRINUSE', depth }))).toMatchObject({ field: 'depth', allowed: `a whole number from 1 to ${TRAVERSE_LIMITS.maxDepth}` });
    }
    for (const limit of [0, 101]) {
      expect(await refusal(app.traverse({ from: 'EADDRINUSE', limit }))).toMatchObject({ field: 'limit', allowed: `a whole number from 1 to ${TRAVERSE_LIMITS.maxLimit}` });
    }
    const relation = await refusal(app.traverse({ from: 'EADDRINUSE', relations: ['DEFINES', 'CALLS'] }));
    expect(relation).toMatchObject({ field: 'relations', message: 'unknown relation "CALLS"' });
    expect(relation.allowed).toContain('LINKS_TO');
    expect(await refusal(app.traverse({ from: 'EADDRINUSE', direction: 'sideways' }))).toMatchObject({ field: 'direction', allowed: 'out, in, both' });
    expect(await refusal(app.traverse({ from: '  ' }))).toMatchObject({ field: 'from' });
    await expect(app.traverse({ from: 'nothing_by_this_name' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('traverse stops at the limit and says it was truncated', async () => {
    const all = await app.traverse({ from: 'guides/install.md', depth: 3, limit: 100 });
    expect(all.truncated).toBe(false);
    expect(all.edges.length).toBeGreaterThan(10);
    expect(all.edges.map((e) => e.depth)).toEqual([...all.edges.map((e) => e.depth)].sort()); // nearer hops first
    const capped = await app.traverse({ from: 'guides/install.md', depth: 3, limit: 4 });
    expect(capped.truncated).toBe(true);
    expect(capped.edges).toEqual(all.edges.slice(0, 4));
    const nodes = new Set(capped.nodes.map((n) => n.id));
    for (const e of capped.edges) expect(nodes.has(e.src) && nodes.has(e.dst)).toBe(true);
    const exact = await app.traverse({ from: 'guides/install.md', depth: 3, limit: all.edges.length });
    expect(exact.truncated).toBe(false);
  });

  it('graph-aware search puts the section that defines a named error code first and says which entity brought it', async () => {
    const r = await app.search('why do I get ERR_POOL_EXHAUSTED', { limit: 5 });
    expect(r.intent).toBe('error');
    const top = r.hits[0]!;
    expect(`${top.uri}#${top.anchor}`).toBe('guides/troubleshooting.md#err_pool_exhausted');
    expect(top.parts.entity?.rank).toBe(1);
    expect(top.via).toEqual(expect.arrayContaining([
      { kind: 'entity', entity: 'ERR_POOL_EXHAUSTED', type: 'ErrorCode', edge: 'DEFINES' },
      { kind: 'entity', entity: 'ERR_POOL_EXHAUSTED', type: 'ErrorCode', edge: 'RESOLVES' },
    ]));
    const fused = await app.search('why do I get ERR_POOL_EXHAUSTED', { limit: 5, mode: 'fused' });
    expect(fused.hits.every((h) => h.via === undefined && h.parts.entity === undefined)).toBe(true);
  });

  it('graph-aware search keeps filters: entity and expansion hits outside the uri prefix are dropped', async () => {
    for (const q of ['ERR_POOL_EXHAUSTED', 'worker_connections setting', 'install relay']) {
      const all = await app.search(q, { limit: 20 });
      expect(all.hits.some((h) => !h.uri.startsWith('reference/')), q).toBe(true);
      const filtered = await app.search(q, { limit: 20, filters: { uriPrefix: 'reference/' } });
      expect(filtered.hits.length, q).toBeGreaterThan(0);
      expect(filtered.hits.map((h) => h.uri).filter((u) => !u.startsWith('reference/')), q).toEqual([]);
    }
    // the defining section of worker_connections is in reference/, and the entity brought it
    const inRef = await app.search('worker_connections', { limit: 3, filters: { uriPrefix: 'reference/' } });
    expect(inRef.hits[0]).toMatchObject({ uri: 'reference/settings.md', anchor: 'worker_connections' });
    expect(inRef.hits[0]!.via).toContainEqual(expect.objectContaining({ kind: 'entity', entity: 'worker_connections', edge: 'DEFINES' }));
    const inGuides = await app.search('worker_connections', { limit: 20, filters: { uriPrefix: 'guides/' } });
    expect(inGuides.hits.map((h) => h.uri).every((u) => u.startsWith('guides/'))).toBe(true);
  });
});

describe('ids a page has besides its sections’ anchors', () => {
  it('a link to a label or to an id in the text lands on the section that holds it, and get_section and traverse take it', async () => {
    const dir = join(root, `aliases-${++n}`);
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(
      join(dir, 'statements.html'),
      '<html><head><title>Statements</title></head><body><main><section id="statements"><h1>Statements</h1><p>Intro.</p>' +
        '<section id="the-with-statement"><span id="with"></span><h2>The with statement</h2><p id="index-16">It wraps a block in a context manager.</p></section>' +
        '<section id="the-for-statement"><h2>The for statement</h2><p>It loops.</p></section></section></main></body></html>',
    );
    writeFileSync(
      join(dir, 'guide.html'),
      '<html><head><title>Guide</title></head><body><main><h1 id="guide">Guide</h1>' +
        '<p>See <a href="statements.html#with">with</a>, <a href="statements.html#index-16">the context manager</a> and <a href="statements.html#no-such-id">a broken link</a>.</p></main></body></html>',
    );
    const app = await openApp();
    await app.ingest(dir);
    const guide = (await app.store.getDocumentByUri('guide.html'))!;
    const statements = (await app.store.getDocumentByUri('statements.html'))!;
    const withSection = (await app.store.getDocumentSections(statements.id)).find((s) => s.anchor === 'the-with-statement')!;
    expect(withSection.aliases).toEqual(['with', 'index-16']);
    const edges = await app.store.edgesOf((await app.store.getDocumentSections(guide.id)).map((s) => s.id), 'out', ['LINKS_TO']);
    // both links land on the section (one edge, weight 2); the broken one on the page
    expect(edges.map((e) => [e.dst, e.weight]).sort()).toEqual([[statements.id, 1], [withSection.id, 2]].sort());

    const view = await app.getSection({ citation: 'statements.html#with' });
    expect(view.section.id).toBe(withSection.id);
    expect(view.ref).toBe('statements.html#the-with-statement');
    await expect(app.getSection({ citation: 'statements.html#no-such-id' })).rejects.toBeInstanceOf(NotFoundError);
    const traversed = await app.traverse({ from: 'statements.html#index-16', direction: 'in', relations: ['LINKS_TO'] });
    expect(traversed.nodes.map((x) => x.id)).toContain(withSection.id);
    await checkIntegrity(app);
  });
});
