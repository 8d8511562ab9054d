// Two folders that both hold install.md collided: search returned install.md#install-b, but
// get_section install.md#install-b said not found and get_document install.md returned the other
// folder's file (issue 15). Every hit, section and document now names its source (and version);
// a citation is name[@version]:path#anchor once several sources are indexed, a plain path#anchor
// still opens when one source holds it, and is refused as ambiguous, listing both, when two do.
// Through the CLI (--json), MCP (stdio) and REST (serve), the same operations.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from '../helpers/docgraph.js';
import { call, serverEnv, text } from '../helpers/mcp.js';
import { getJson, serveIn, type Served } from '../helpers/serve.js';
import { CLI_JS } from '../helpers/cli.js';

const ws = workspace({}, 'dg-two-sources-');
let client: Client;
let served: Served;

interface Hit {
  ref: string;
  source: string;
  version: string | null;
  uri: string;
  anchor: string;
  id: string;
}

beforeAll(async () => {
  for (const lib of ['alpha', 'beta']) {
    mkdirSync(join(ws.dir, lib));
    writeFileSync(join(ws.dir, lib, 'install.md'), `# Install ${lib}\n\nInstall the ${lib} widget with the zorblax installer.\n\n## Requirements\n\nThe ${lib} widget needs quuxlib ${lib === 'alpha' ? 1 : 2}.\n`);
    writeFileSync(join(ws.dir, lib, `only-${lib}.md`), `# Only ${lib}\n\nA page only ${lib} has.\n`);
    const r = await run(ws.dir, ['ingest', lib, '--json']);
    expect(r.code, r.stderr).toBe(0);
  }
  client = new Client({ name: 'docgraph-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: 'node', args: [CLI_JS, '--index', ws.index, 'mcp'], env: serverEnv(), stderr: 'pipe' }));
  served = await serveIn(ws.dir);
});
afterAll(async () => {
  await client?.close();
  await served?.stop();
  rmSync(ws.dir, { recursive: true, force: true });
});

describe('regression: two sources holding the same path', () => {
  it('lists both sources by name, without their server paths', async () => {
    const r = await run(ws.dir, ['sources', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = await call(client, 'list_sources', {});
    const sources = (listed.structuredContent as { sources: { name: string; version: string | null; documents: number }[] }).sources;
    expect(sources.map((s) => [s.name, s.version, s.documents])).toEqual([
      ['alpha', null, 2],
      ['beta', null, 2],
    ]);
    expect(JSON.stringify(listed)).not.toContain(ws.dir);
    const rest = await getJson(`${served.url}/v1/sources`);
    expect(rest.body.sources).toEqual(sources);
    expect(JSON.stringify(JSON.parse(r.stdout))).not.toContain(ws.dir);
  });

  it('search hits carry source and version, and their refs open the right file with get_section and get_document', async () => {
    const found = await call(client, 'search_docs', { query: 'zorblax installer requirements quuxlib', limit: 10 });
    expect(found.isError, text(found)).toBeFalsy();
    const hits = (found.structuredContent as { hits: Hit[] }).hits.filter((h) => h.uri === 'install.md' && h.anchor === 'requirements');
    expect(hits.map((h) => [h.source, h.version, h.ref]).sort()).toEqual([
      ['alpha', null, 'alpha:install.md#requirements'],
      ['beta', null, 'beta:install.md#requirements'],
    ]);
    for (const h of hits) {
      const section = await call(client, 'get_section', { ref: h.ref });
      expect(section.isError, text(section)).toBeFalsy();
      expect(section.structuredContent).toMatchObject({ id: h.id, source: h.source, version: null, uri: 'install.md', ref: h.ref });
      expect((section.structuredContent as { text: string }).text).toContain(`quuxlib ${h.source === 'alpha' ? 1 : 2}`);
      const doc = await call(client, 'get_document', { uri: `${h.source}:install.md` });
      expect(doc.isError, text(doc)).toBeFalsy();
      expect(doc.structuredContent).toMatchObject({ uri: 'install.md', source: h.source, version: null, title: `Install ${h.source}` });
      // REST: the same answers
      const restSection = await getJson(`${served.url}/v1/sections/${encodeURIComponent(h.ref)}`);
      expect(restSection.status).toBe(200);
      expect(restSection.body).toMatchObject({ id: h.id, source: h.source, ref: h.ref });
      const restDoc = await getJson(`${served.url}/v1/documents/${h.source}:install.md`);
      expect(restDoc.status).toBe(200);
      expect(restDoc.body).toMatchObject({ source: h.source, title: `Install ${h.source}` });
    }
  });

  it('refuses a plain path both hold as ambiguous, naming the candidates; opens one only one holds', async () => {
    for (const [tool, args] of [
      ['get_section', { ref: 'install.md#requirements' }],
      ['get_document', { uri: 'install.md' }],
    ] as const) {
      const r = await call(client, tool, args);
      expect(r.isError, tool).toBe(true);
      expect(text(r)).toMatch(/ambiguous: install\.md is in 2 sources: alpha:install\.md.*, beta:install\.md/);
    }
    const rest = await getJson(`${served.url}/v1/sections/${encodeURIComponent('install.md#requirements')}`);
    expect(rest.status).toBe(400);
    expect(rest.body.error.message).toMatch(/^ambiguous: /);
    const only = await call(client, 'get_section', { ref: 'only-beta.md' });
    expect(only.isError, text(only)).toBeFalsy();
    expect(only.structuredContent).toMatchObject({ source: 'beta', uri: 'only-beta.md', ref: 'beta:only-beta.md#only-beta' });
  });

  it('filters search by source on MCP, REST and the CLI', async () => {
    const mcp = await call(client, 'search_docs', { query: 'zorblax installer', filters: { source: 'beta' } });
    const mcpHits = (mcp.structuredContent as { hits: Hit[] }).hits;
    expect(mcpHits.length).toBeGreaterThan(0);
    expect(new Set(mcpHits.map((h) => h.source))).toEqual(new Set(['beta']));
    const rest = await getJson(`${served.url}/v1/search?q=zorblax+installer&source=beta`);
    expect(rest.body.hits.map((h: Hit) => h.id)).toEqual(mcpHits.map((h) => h.id));
    const r = await run(ws.dir, ['search', 'zorblax installer', '--source', 'alpha', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const cliHits = (JSON.parse(r.stdout) as { hits: { source: string; version: string | null }[] }).hits;
    expect(cliHits.length).toBeGreaterThan(0);
    expect(cliHits.every((h) => h.source === 'alpha' && h.version === null)).toBe(true);
    const bad = await call(client, 'search_docs', { query: 'zorblax', filters: { source: 'gamma' } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('alpha, beta');
  });
});
