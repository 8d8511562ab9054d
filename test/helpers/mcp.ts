/** Shared by the MCP end-to-end tests: a temp index of test/fixtures/mcp, real child processes, and the tool checks both transports must pass. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { CLI_JS } from './cli.js';

const run = promisify(execFile);
export const root = join(import.meta.dirname, '..', '..');
export const cli = join(root, 'src', 'cli', 'run.ts');
export const fixture = join(root, 'test', 'fixtures', 'mcp');

/**
 * Ingests the MCP fixture folder into a fresh temp index; returns its path. With `at`, the folder is
 * copied to `at`/docs and ingested from there (the index is `at`/index.db): section ids hash the
 * source's path, so a fixed `at` gives the same ids, and the same order among tied hits, in every checkout.
 */
export async function buildIndex(at?: string): Promise<string> {
  let docs = fixture;
  let dir: string;
  if (at) {
    rmSync(at, { recursive: true, force: true });
    mkdirSync(at, { recursive: true });
    docs = join(at, 'docs');
    cpSync(fixture, docs, { recursive: true });
    dir = at;
  } else {
    dir = mkdtempSync(join(tmpdir(), 'dg-mcp-'));
  }
  const index = join(dir, 'index.db');
  await run('node', [CLI_JS, '--index', index, 'ingest', docs]);
  return index;
}

/** Environment for a server child: no stray DOCGRAPH_* from the developer's shell. */
export function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DOCGRAPH_')) env[k] = v;
  return { ...env, ...extra };
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/** Starts `docgraph serve --port 0` and waits for the URL it prints on stderr. */
export async function startServe(index: string, env: Record<string, string> = {}, args: string[] = []): Promise<ServeProcess> {
  const child = spawn('node', [CLI_JS, '--index', index, 'serve', '--port', '0', ...args], { env: serverEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+) /.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening:\n${err}`)));
  });
  return {
    url,
    child,
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

export function text(r: CallToolResult): string {
  const first = r.content[0];
  return first && first.type === 'text' ? first.text : '';
}

/** Estimated tokens of a whole tool result, as the server's budget counts them (≈4 chars per token). */
export function resultTokens(r: CallToolResult): number {
  return Math.ceil(JSON.stringify(r.structuredContent ?? {}).length / 4) + Math.ceil(text(r).length / 4);
}

export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The tools this contract covers (the graph tools have their own tests). */
export const TOOLS = ['get_document', 'get_section', 'index_status', 'list_sources', 'search_docs'];

/**
 * Every tool with good and bad arguments: the contract both transports must
 * keep. Assumes the default token budget and an index of test/fixtures/mcp.
 */
export async function checkToolsContract(client: Client): Promise<void> {
  const { tools: listed } = await client.listTools();
  expect(listed.map((t) => t.name)).toEqual(expect.arrayContaining(TOOLS));
  const tools = listed.filter((t) => TOOLS.includes(t.name));
  for (const t of tools) {
    expect(t.description!.length, t.name).toBeGreaterThan(60);
    expect(t.outputSchema, t.name).toBeDefined();
    expect(t.annotations, t.name).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
    expect(t.inputSchema.additionalProperties, t.name).toBe(false);
  }

  // search_docs
  const found = await call(client, 'search_docs', { query: 'rotate the TLS certificate', limit: 5 });
  expect(found.isError).toBeFalsy();
  const s = found.structuredContent as { hits: { ref: string; id: string; rank: number; why: { retrievers: { name: string }[]; terms: string[] } }[]; partial: boolean };
  expect(s.hits.length).toBe(5);
  expect(s.hits.map((h) => h.ref)).toContain('guides/tls.md#rotate-the-certificate');
  expect(s.hits[0]!.rank).toBe(1);
  expect(s.hits[0]!.why.retrievers.map((r) => r.name)).toContain('lexical');
  expect(s.hits[0]!.why.terms.length).toBeGreaterThan(0);
  expect(text(found)).toContain('guides/tls.md#');
  const byError = await call(client, 'search_docs', { query: 'ERR_CERT_EXPIRED', limit: 3 });
  const errHit = (byError.structuredContent as { hits: { ref: string; why: { graph?: { kind: string; entity?: string }[] } }[] }).hits.find((h) => h.ref === 'guides/tls.md#err_cert_expired');
  expect(errHit?.why.graph).toContainEqual(expect.objectContaining({ kind: 'entity', entity: 'ERR_CERT_EXPIRED' }));
  expect(text(byError)).not.toContain('graph: ErrorCode'); // the graph path is for clients, not the text a model reads
  const filtered = await call(client, 'search_docs', { query: 'certificate', filters: { uri_prefix: 'reference/' } });
  const inReference = (filtered.structuredContent as { hits: { uri: string }[] }).hits;
  expect(inReference.length).toBeGreaterThan(0);
  expect(inReference.every((h) => h.uri.startsWith('reference/'))).toBe(true);
  const tagged = await call(client, 'search_docs', { query: 'certificate', filters: { tags: ['tls'] } });
  const withTag = (tagged.structuredContent as { hits: { uri: string }[] }).hits;
  expect(withTag.length).toBeGreaterThan(0);
  expect(withTag.every((h) => h.uri === 'guides/tls.md')).toBe(true);

  const empty = await call(client, 'search_docs', { query: '' });
  expect(empty.isError).toBe(true);
  expect(text(empty)).toMatch(/query/);
  expect(text(empty)).not.toMatch(/\n\s+at /); // no stack trace
  const tooMany = await call(client, 'search_docs', { query: 'tls', limit: 500 });
  expect(tooMany.isError).toBe(true);
  expect(text(tooMany)).toMatch(/limit.*50|50.*limit/s);
  const unknownKey = await call(client, 'search_docs', { query: 'tls', top_k: 3 });
  expect(unknownKey.isError).toBe(true);
  expect(text(unknownKey)).toContain('top_k');
  const badCursor = await call(client, 'search_docs', { query: 'tls', cursor: 'not-a-cursor' });
  expect(badCursor.isError).toBe(true);
  expect(text(badCursor)).toMatch(/cursor.*Allowed: the next_cursor/s);
  const badSource = await call(client, 'search_docs', { query: 'tls', filters: { source: 'src_nope' } });
  expect(badSource.isError).toBe(true);
  expect(text(badSource)).toMatch(/no source "src_nope".*Allowed: mcp/s);

  // get_section
  const hit = s.hits.find((h) => h.ref === 'guides/tls.md#rotate-the-certificate')!;
  const byId = await call(client, 'get_section', { ref: hit.id, with_context: ['parent', 'children', 'siblings'] });
  expect(byId.isError).toBeFalsy();
  const sec = byId.structuredContent as { text: string; ref: string; parent: { heading: string }; children: { anchor: string }[]; siblings: { anchor: string }[]; partial: boolean };
  expect(sec.ref).toBe('guides/tls.md#rotate-the-certificate');
  expect(sec.text).toContain('acme certs rotate --force');
  expect(sec.partial).toBe(false);
  expect(sec.parent.heading).toBe('TLS certificates');
  expect(sec.children.map((c) => c.anchor)).toEqual(['rotation-schedule']);
  expect(sec.siblings.map((c) => c.anchor)).toEqual(['issue-a-certificate', 'revoke-a-certificate', 'troubleshooting']);
  const byRef = await call(client, 'get_section', { ref: 'guides/tls.md#rotate-the-certificate' });
  expect((byRef.structuredContent as { id: string }).id).toBe(hit.id);
  expect(byRef.structuredContent).not.toHaveProperty('children');

  const missingDoc = await call(client, 'get_section', { ref: 'guides/nope.md#x' });
  expect(missingDoc.isError).toBe(true);
  expect(text(missingDoc)).toMatch(/^Not found: no document guides\/nope\.md.*Hint:/s);
  const missingAnchor = await call(client, 'get_section', { ref: 'guides/tls.md#nope' });
  expect(text(missingAnchor)).toMatch(/no section with anchor #nope.*get_document/s);
  const noUri = await call(client, 'get_section', { ref: '#anchor-only' });
  expect(text(noUri)).toMatch(/^Invalid arguments: .*Allowed: a section id/s);
  const badContext = await call(client, 'get_section', { ref: hit.id, with_context: ['cousins'] });
  expect(badContext.isError).toBe(true);
  expect(text(badContext)).toMatch(/parent.*children.*siblings/s);

  // get_document
  const doc = await call(client, 'get_document', { uri: 'guides/tls.md' });
  const d = doc.structuredContent as { title: string; meta: { tags: string[] }; outline: { anchor: string; depth: number }[]; partial: boolean };
  expect(d.title).toBe('TLS certificates');
  expect(d.meta.tags).toEqual(['security', 'tls']);
  expect(d.outline.map((n) => n.anchor)).toContain('rotation-schedule');
  expect(d.outline.find((n) => n.anchor === 'rotation-schedule')!.depth).toBe(2);
  expect(d.partial).toBe(false);
  const viaResource = await call(client, 'get_document', { uri: 'docgraph://doc/guides/tls.md' });
  expect((viaResource.structuredContent as { title: string }).title).toBe('TLS certificates');
  const missing = await call(client, 'get_document', { uri: 'nope.md' });
  expect(missing.isError).toBe(true);
  expect(text(missing)).toMatch(/^Not found: no document nope\.md/);
  const noArgs = await call(client, 'get_document', {});
  expect(noArgs.isError).toBe(true);
  expect(text(noArgs)).toContain('uri');

  // list_sources, index_status
  const sources = await call(client, 'list_sources', {});
  const src = (sources.structuredContent as { sources: { id: string; documents: number }[] }).sources;
  expect(src).toHaveLength(1);
  expect(src[0]!.documents).toBe(3);
  const bySource = await call(client, 'search_docs', { query: 'certificate', filters: { source: src[0]!.id }, limit: 1 });
  expect(bySource.isError).toBeFalsy();
  const status = await call(client, 'index_status', {});
  expect(status.structuredContent).toMatchObject({ sources: 1, documents: 3 });
  expect((status.structuredContent as { sections: number }).sections).toBeGreaterThan(15);
  expect((status.structuredContent as { last_ingest: string | null }).last_ingest).not.toBeNull();
  const extra = await call(client, 'index_status', { verbose: true });
  expect(extra.isError).toBe(true);
}

/** Resources and prompts, the same over both transports. */
export async function checkResourcesAndPrompts(client: Client): Promise<void> {
  const { resources } = await client.listResources();
  expect(resources.map((r) => r.uri).sort()).toEqual(['docgraph://doc/guides/tls.md', 'docgraph://doc/reference/config.md', 'docgraph://doc/reference/upgrade.md']);
  const read = await client.readResource({ uri: 'docgraph://doc/guides/tls.md' });
  const content = read.contents[0] as { text: string; mimeType: string };
  expect(content.mimeType).toBe('text/markdown');
  expect(content.text).toContain('## Rotate the certificate');
  expect(content.text).toContain('acme certs rotate --force');
  await expect(client.readResource({ uri: 'docgraph://doc/nope.md' })).rejects.toMatchObject({ code: -32002 });
  const { resourceTemplates } = await client.listResourceTemplates();
  expect(resourceTemplates[0]!.uriTemplate).toBe('docgraph://doc/{+uri}');
  const completion = await client.complete({ ref: { type: 'ref/resource', uri: 'docgraph://doc/{+uri}' }, argument: { name: 'uri', value: 'reference/' } });
  expect(completion.completion.values).toEqual(['reference/config.md', 'reference/upgrade.md']);

  const { prompts } = await client.listPrompts();
  expect(prompts.map((p) => p.name)).toContain('answer_from_docs');
  const p = await client.getPrompt({ name: 'answer_from_docs', arguments: { question: 'How do I rotate the certificate?' } });
  const msg = p.messages[0]!.content as { text: string };
  expect(msg.text).toContain('How do I rotate the certificate?');
  expect(msg.text).toContain('search_docs');
}

/** Follows search_docs cursors to the end; checks each page against the budget. */
export async function pageThroughSearch(client: Client, query: string, budget: number, limit = 10): Promise<{ ids: string[]; pages: number; sawPartial: boolean }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let sawPartial = false;
  do {
    const r = await call(client, 'search_docs', { query, limit, ...(cursor ? { cursor } : {}) });
    expect(r.isError, text(r)).toBeFalsy();
    expect(resultTokens(r)).toBeLessThanOrEqual(budget);
    const s = r.structuredContent as { hits: { id: string; rank: number }[]; next_cursor?: string; partial: boolean };
    s.hits.forEach((h, i) => expect(h.rank).toBe(ids.length + i + 1));
    ids.push(...s.hits.map((h) => h.id));
    sawPartial ||= s.partial;
    cursor = s.next_cursor;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { ids, pages, sawPartial };
}
