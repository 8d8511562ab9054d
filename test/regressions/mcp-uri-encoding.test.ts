// Documents whose file names hold `#`, `?`, `%` or spaces are indexed; the
// citations (`ref`) search_docs gives for them must open with get_section,
// their uris with get_document, and their resource uris with resources/read,
// over the real MCP stdio server.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, token, workspace } from '../helpers/docgraph.js';
import { call, serverEnv, text } from '../helpers/mcp.js';
import { CLI_JS } from '../helpers/cli.js';

/** File names that a naive `uri#anchor` or URL would cut or misread. */
const NAMES = ['a#b.md', 'what?.md', '100%.md', 'with space.md', '50%20off.md', 'x%2Fy.md', 'caf\u00e9 #1?.md'];

const ws = workspace({}, 'dg-uri-');
let client: Client;

beforeAll(async () => {
  NAMES.forEach((name, i) => writeFileSync(join(ws.docs, name), `# Page ${i}\n\nIntro of ${token(i)}.\n\n## Setup steps\n\nRun \`widget --setup\` for ${token(i)}.\n`));
  const r = await run(ws.dir, ['ingest', 'docs', '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ indexed: NAMES.length, skipped: [] });
  client = new Client({ name: 'docgraph-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: 'node', args: [CLI_JS, '--index', ws.index, 'mcp'], env: serverEnv(), stderr: 'pipe' }));
});
afterAll(async () => {
  await client?.close();
  rmSync(ws.dir, { recursive: true, force: true });
});

interface Hit {
  ref: string;
  uri: string;
  id: string;
  anchor: string;
}

describe('uris with #, ?, % and spaces over MCP', () => {
  it.each(NAMES.map((name, i) => [name, i] as const))('%s: search_docs refs open with get_section and get_document', async (name, i) => {
    const found = await call(client, 'search_docs', { query: `${token(i)} setup steps`, limit: 10 });
    expect(found.isError, text(found)).toBeFalsy();
    const hits = (found.structuredContent as { hits: Hit[] }).hits.filter((h) => h.uri === name);
    const hit = hits.find((h) => h.anchor === 'setup-steps');
    expect(hit, JSON.stringify(found.structuredContent)).toBeDefined();
    // one '#', between the uri and the anchor; no '?' or space to cut the citation short
    expect(hit!.ref).toMatch(/^[^#?\s]+#setup-steps$/);

    const byRef = await call(client, 'get_section', { ref: hit!.ref });
    expect(byRef.isError, text(byRef)).toBeFalsy();
    expect(byRef.structuredContent).toMatchObject({ id: hit!.id, uri: name, anchor: 'setup-steps', ref: hit!.ref });

    // the part of the ref before '#' is the document, as the tool descriptions say
    const docRef = hit!.ref.slice(0, hit!.ref.indexOf('#'));
    for (const uri of [name, docRef]) {
      const d = await call(client, 'get_document', { uri });
      expect(d.isError, `${uri}: ${text(d)}`).toBeFalsy();
      expect(d.structuredContent).toMatchObject({ uri: name, title: `Page ${i}` });
    }
    const whole = await call(client, 'get_section', { ref: docRef });
    expect(whole.isError, text(whole)).toBeFalsy();
    expect(whole.structuredContent).toMatchObject({ uri: name, heading: `Page ${i}` });
  });

  it('lists each document as a resource whose uri reads it back', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.name).sort()).toEqual([...NAMES].sort());
    for (const r of resources) {
      const read = await client.readResource({ uri: r.uri });
      const content = read.contents[0] as { uri: string; text: string };
      expect(content.uri).toBe(r.uri);
      expect(content.text).toContain('## Setup steps');
      const byResource = await call(client, 'get_document', { uri: r.uri });
      expect(byResource.isError, text(byResource)).toBeFalsy();
      expect((byResource.structuredContent as { uri: string }).uri).toBe(r.name);
    }
  });
});
