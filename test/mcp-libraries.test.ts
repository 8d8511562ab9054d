// MCP library tools (issue 15): list_libraries, resolve_library, search_docs with library/version, and
// the admin tools add_source/refresh_source/remove_source, which exist only with --allow-admin-tools and,
// over HTTP, need a key with the admin scope. `bin/docgraph.js mcp` over stdio (the built CLI) and
// `docgraph serve` over Streamable HTTP, on folders with the same paths in two versions of one library.
/* eslint-disable @typescript-eslint/no-explicit-any -- structured content is read field by field and checked by expect */
import { startDocsSite } from './helpers/docs-site.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, run, workspace } from './helpers/docgraph.js';
import { call, serverEnv, text } from './helpers/mcp.js';
import { makePdf } from './helpers/office-docs.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

const ws = workspace({}, 'dg-mcplib-');
const ADMIN_TOOLS = ['add_source', 'refresh_source', 'remove_source'];
const clients: Client[] = [];
let plain: Client;
let admin: Client;

function folder(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = join(ws.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, body] of Object.entries(files)) writeFileSync(join(dir, f), body);
  return dir;
}

async function stdio(args: string[] = []): Promise<Client> {
  // the built CLI, as an assistant runs it
  const transport = new StdioClientTransport({ command: 'node', args: [join(repo, 'bin', 'docgraph.js'), 'mcp', ...args], cwd: ws.dir, env: serverEnv(), stderr: 'pipe' });
  const client = new Client({ name: 'docgraph-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function http(url: string, key?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url + '/mcp'), { requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} } });
  const client = new Client({ name: 'docgraph-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const toolNames = async (c: Client): Promise<string[]> => (await c.listTools()).tools.map((t) => t.name);

beforeAll(async () => {
  const page2 = ['The useTransition hook marks an update as non-blocking.', 'It keeps the old screen visible.'];
  folder('react18', {
    'hooks.md': '# Hooks\n\n## useEffect\n\nThe cleanup of useEffect runs before the next effect in React 18.\n',
    'guide.pdf': await makePdf([{ lines: ['React 18 guide, first page.'] }, { lines: page2 }], { outline: [{ title: 'Start', page: 1 }, { title: 'Transitions', page: 2 }] }),
  });
  folder('react17', { 'hooks.md': '# Hooks\n\n## useEffect\n\nThe cleanup of useEffect runs asynchronously in React 17.\n', 'guide.pdf': await makePdf([{ lines: ['React 17 guide.'] }, { lines: ['Legacy mode only.'] }]) });
  folder('nodedocs', { 'fs.md': '# File system\n\n## `fs.readFile(path)`\n\nReads the entire contents of a file. Call `fs.readFile()` with a path.\n' });
  for (const args of [
    ['add', 'react18', '--name', 'react', '--version', '18.2'],
    ['add', 'react17', '--name', 'react', '--version', '17'],
    ['add', 'nodedocs', '--name', 'node.js'],
  ]) {
    const r = await run(ws.dir, args);
    expect(r.code, r.stderr).toBe(0);
  }
  [plain, admin] = await Promise.all([stdio(), stdio(['--allow-admin-tools'])]);
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  rmSync(ws.dir, { recursive: true, force: true });
});

describe('MCP library tools over stdio (bin/docgraph.js mcp)', () => {
  it('list_libraries gives names, versions (newest first), document counts and kinds, never a server path', async () => {
    const r = await call(plain, 'list_libraries', {});
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as any;
    expect(out.libraries.map((l: any) => [l.name, l.documents, l.versions.map((v: any) => [v.id, v.version, v.kind, v.documents])])).toEqual([
      ['node.js', 1, [['node.js', null, 'fs', 1]]],
      ['react', 4, [['react@18.2', '18.2', 'fs', 2], ['react@17', '17', 'fs', 2]]],
    ]);
    expect(JSON.stringify(r)).not.toContain(ws.dir);
    expect(text(r)).toContain('`react@18.2`');
  });

  it('resolve_library ranks the libraries a loose name may mean', async () => {
    const ids = async (name: string) => ((await call(plain, 'resolve_library', { name })).structuredContent as any).matches.map((m: any) => [m.name, m.score]);
    expect((await ids('React'))[0]).toEqual(['react', 1]);
    expect((await ids('nodejs'))[0]).toEqual(['node.js', 1]);
    expect((await ids('reakt'))[0]?.[0]).toBe('react');
    expect(await ids('postgresql')).toEqual([]);
    const pinned = (await call(plain, 'resolve_library', { name: 'react@17' })).structuredContent as any;
    expect(pinned.matches[0].versions.map((v: any) => v.id)).toEqual(['react@17']);
    const empty = await call(plain, 'resolve_library', { name: '  ' });
    expect(empty.isError).toBe(true);
  });

  it('search_docs searches one library and version, and cites a PDF page by name@version:file.pdf#page-2', async () => {
    const v17 = (await call(plain, 'search_docs', { query: 'useEffect cleanup', library: 'react', version: '17' })).structuredContent as any;
    expect(v17.hits.length).toBeGreaterThan(0);
    expect(new Set(v17.hits.map((h: any) => `${h.source}@${h.version}`))).toEqual(new Set(['react@17']));
    expect(v17.hits[0].ref).toBe('react@17:hooks.md#useeffect');
    const pdf = (await call(plain, 'search_docs', { query: 'useTransition non-blocking', library: 'react' })).structuredContent as any;
    expect(pdf.hits[0]).toMatchObject({ ref: 'react@18.2:guide.pdf#page-2', uri: 'guide.pdf', anchor: 'page-2', heading_path: ['Transitions'] });
    const clash = await call(plain, 'search_docs', { query: 'x', library: 'react', filters: { source: 'node.js' } });
    expect(clash.isError).toBe(true);
    expect(text(clash)).toMatch(/disagree/);
    const unknown = await call(plain, 'search_docs', { query: 'x', library: 'vue' });
    expect(unknown.isError).toBe(true);
  });

  it('get_section, traverse and docgraph://doc/ resources take name@version:path#anchor, and call a plain path two sources hold ambiguous', async () => {
    const s = await call(plain, 'get_section', { ref: 'react@18.2:guide.pdf#page-2' });
    expect((s.structuredContent as any).text).toContain('useTransition');
    const amb = await call(plain, 'get_section', { ref: 'guide.pdf#page-2' });
    expect(amb.isError).toBe(true);
    expect(text(amb)).toMatch(/ambiguous: guide\.pdf is in 2 sources: .*react@18\.2:guide\.pdf#page-2/);
    const walk = await call(plain, 'traverse', { from: 'react@17:hooks.md#useeffect', relations: ['PARENT_OF'] });
    expect(walk.isError, text(walk)).toBeFalsy();
    const w = walk.structuredContent as any;
    expect(w.start[0]).toMatchObject({ kind: 'section', label: 'react@17:hooks.md#useeffect' });
    expect(w.nodes.map((n: any) => n.ref)).toContain('react@17:hooks.md#hooks');
    const entity = await call(plain, 'lookup_entity', { name: 'fs.readFile' });
    expect(entity.isError, text(entity)).toBeFalsy();
    expect((entity.structuredContent as any).defined_in.map((d: any) => d.ref)).toEqual(['node.js:fs.md#fsreadfilepath']);
    const walkAmb = await call(plain, 'traverse', { from: 'hooks.md#useeffect' });
    expect(text(walkAmb)).toMatch(/ambiguous/);
    const listed = (await plain.listResources()).resources.map((r) => r.name);
    expect(listed).toEqual(expect.arrayContaining(['react@17:hooks.md', 'react@18.2:hooks.md', 'node.js:fs.md']));
    const read = await plain.readResource({ uri: 'docgraph://doc/react%4017%3Ahooks.md' });
    expect((read.contents[0] as any).text).toContain('asynchronously in React 17');
    await expect(plain.readResource({ uri: 'docgraph://doc/hooks.md' })).rejects.toThrow(/ambiguous/);
  });

  it('offers the admin tools only with --allow-admin-tools, and they add, refresh and remove a library', async () => {
    expect(await toolNames(plain)).not.toEqual(expect.arrayContaining(['add_source']));
    for (const t of ADMIN_TOOLS) expect(await toolNames(plain)).not.toContain(t);
    expect(await toolNames(admin)).toEqual(expect.arrayContaining([...ADMIN_TOOLS, 'list_libraries', 'resolve_library']));

    const dir = folder('vuedocs', { 'intro.md': '# Vue\n\nThe reactivity system tracks the quuxifier.\n' });
    const added = await call(admin, 'add_source', { location: dir, name: 'vue', version: '3' });
    expect(added.isError, text(added)).toBeFalsy();
    expect(added.structuredContent).toMatchObject({ name: 'vue', version: '3', kind: 'fs', files: 1, indexed: 1 });
    const found = (await call(plain, 'search_docs', { query: 'quuxifier', library: 'vue' })).structuredContent as any;
    expect(found.hits[0]).toMatchObject({ source: 'vue', version: '3', uri: 'intro.md' });

    writeFileSync(join(dir, 'more.md'), '# More\n\nAnother page.\n');
    const refreshed = await call(admin, 'refresh_source', { source: 'vue@3' });
    expect((refreshed.structuredContent as any).sources[0]).toMatchObject({ name: 'vue', indexed: 1, unchanged: 1 });

    const taken = await call(admin, 'add_source', { location: dir, name: 'vue2' });
    expect(taken.isError).toBe(true);
    expect(text(taken)).toMatch(/already the source vue@3/);

    const removed = await call(admin, 'remove_source', { source: 'vue@3' });
    expect(removed.structuredContent).toEqual({ name: 'vue', version: '3', removed_documents: 2 });
    const libs = (await call(plain, 'list_libraries', {})).structuredContent as any;
    expect(libs.libraries.map((l: any) => l.name)).toEqual(['node.js', 'react']);
  });

  it('adds a website with the crawl options: refused on loopback, crawled with allow_private, bounded by max_pages', async () => {
    const site = await startDocsSite();
    try {
      const refused = await call(admin, 'add_source', { location: site.url, name: 'acme' });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/private|loopback/i);
      const added = await call(admin, 'add_source', { location: site.url, name: 'acme', allow_private: true, max_pages: 3, rate: 1000 });
      expect(added.isError, text(added)).toBeFalsy();
      expect(added.structuredContent).toMatchObject({ name: 'acme', kind: 'web', files: 3 });
      const bad = await call(admin, 'add_source', { location: site.url, name: 'acme2', max_pages: 0 });
      expect(bad.isError).toBe(true);
      // says which argument, what it was and what is allowed
      expect(text(bad)).toContain('0 is out of range (a whole number from 1 to 1000000)');
      expect(text(bad)).toContain('max_pages');
      expect((await call(admin, 'remove_source', { source: 'acme' })).isError).toBeFalsy();
    } finally {
      await site.close();
    }
  });
});

describe('MCP admin tools over HTTP', () => {
  let withTools: Served;
  let without: Served;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    for (const scope of ['read', 'admin']) {
      const r = await run(ws.dir, ['keys', 'create', '--scope', scope, '--name', scope, '--json']);
      expect(r.code, r.stderr).toBe(0);
      keys[scope] = (JSON.parse(r.stdout) as { key: string }).key;
    }
    [withTools, without] = await Promise.all([serveIn(ws.dir, ['--allow-admin-tools', '--require-key']), serveIn(ws.dir, ['--require-key'])]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([withTools?.stop(), without?.stop()]);
  });

  it('are absent without the flag, refused to a read key, and work for an admin key', async () => {
    expect(await toolNames(await http(without.url, keys.admin))).not.toContain('add_source');
    const reader = await http(withTools.url, keys.read);
    expect(await toolNames(reader)).toContain('add_source');
    const dir = folder('svelte', { 'index.md': '# Svelte\n\nRunes are the zorblax of Svelte 5.\n' });
    const refused = await call(reader, 'add_source', { location: dir, name: 'svelte' });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/Forbidden: this key's scopes \(read\) do not include admin/);
    expect(((await call(reader, 'list_libraries', {})).structuredContent as any).libraries.map((l: any) => l.name)).not.toContain('svelte');

    const boss = await http(withTools.url, keys.admin);
    const added = await call(boss, 'add_source', { location: dir, name: 'svelte' });
    expect(added.isError, text(added)).toBeFalsy();
    expect(added.structuredContent).toMatchObject({ name: 'svelte', indexed: 1 });
    const removed = await call(boss, 'remove_source', { source: 'svelte' });
    expect(removed.structuredContent).toMatchObject({ removed_documents: 1 });
  });

  it('REST: libraries and their resolver for a read key; sources added, refreshed and removed with an admin key only', async () => {
    const libs = await getJson(`${without.url}/v1/libraries`, keys.read);
    expect(libs.body.libraries.map((l: any) => l.name)).toEqual(['node.js', 'react']);
    const resolved = await getJson(`${without.url}/v1/libraries/resolve?name=React.js`, keys.read);
    expect(resolved.body.matches[0]).toMatchObject({ name: 'react', score: 1 });
    const dir = folder('solid', { 'index.md': '# Solid\n\nSignals are the plonkwidget of Solid.\n' });
    const post = (key: string) => getJson(`${without.url}/v1/sources`, key, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ location: dir, name: 'solid' }) });
    expect((await post(keys.read!)).status).toBe(403);
    const added = await post(keys.admin!);
    expect(added.status).toBe(202);
    expect(added.body).toMatchObject({ name: 'solid', queued: 1 });
    let hits: any[] = [];
    for (let i = 0; i < 60 && hits.length === 0; i++) {
      hits = (await getJson(`${without.url}/v1/search?q=plonkwidget&source=solid`, keys.read)).body.hits ?? [];
      if (hits.length === 0) await sleep(500);
    }
    expect(hits[0]).toMatchObject({ source: 'solid', uri: 'index.md' });
    const refreshed = await getJson(`${without.url}/v1/sources/solid/refresh`, keys.admin, { method: 'POST' });
    expect(refreshed.status).toBe(202);
    expect(refreshed.body.sources[0]).toMatchObject({ name: 'solid', unchanged: 1, queued: 0 });
    const removed = await getJson(`${without.url}/v1/sources/solid`, keys.admin, { method: 'DELETE' });
    expect(removed.body).toEqual({ name: 'solid', version: null, removed_documents: 1 });
  });
});
