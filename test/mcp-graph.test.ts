// The knowledge-graph tools over MCP (stdio): lookup_entity, explain_error,
// get_procedure, traverse, each with good and bad arguments, against a real
// index of test/fixtures/graph served by a real `docgraph mcp` child process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, resultTokens, root, serverEnv, text } from './helpers/mcp.js';
import { CLI_JS } from './helpers/cli.js';

const run = promisify(execFile);
const SMALL_BUDGET = 1000;
const GRAPH_TOOLS = ['explain_error', 'get_procedure', 'lookup_entity', 'traverse'];

async function connect(index: string, env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({ command: 'node', args: [CLI_JS, '--index', index, 'mcp'], env: serverEnv(env), stderr: 'pipe' });
  const client = new Client({ name: 'docgraph-graph-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function expectToolError(r: CallToolResult, pattern: RegExp): void {
  expect(r.isError, text(r)).toBe(true);
  expect(text(r)).toMatch(pattern);
  expect(text(r)).not.toMatch(/\n\s+at |Error: .*\.ts:\d+/); // no stack trace
}

describe('graph tools over MCP (stdio)', () => {
  let index: string;
  let client: Client;
  let small: Client;

  beforeAll(async () => {
    index = join(mkdtempSync(join(tmpdir(), 'dg-mcp-graph-')), 'index.db');
    await run('node', [CLI_JS, '--index', index, 'ingest', join(root, 'test', 'fixtures', 'graph')]);
    [client, small] = await Promise.all([connect(index), connect(index, { DOCGRAPH_TOKEN_BUDGET: String(SMALL_BUDGET) })]);
  });
  afterAll(async () => {
    await Promise.all([client?.close(), small?.close()]);
    if (index) rmSync(dirname(index), { recursive: true, force: true });
  });

  it('lists the graph tools read-only, with output schemas and strict inputs, and names them in the instructions', async () => {
    const { tools } = await client.listTools();
    const graph = tools.filter((t) => GRAPH_TOOLS.includes(t.name));
    expect(graph.map((t) => t.name).sort()).toEqual(GRAPH_TOOLS);
    for (const t of graph) {
      expect(t.description!.length, t.name).toBeGreaterThan(200);
      expect(t.description, t.name).toMatch(/search_docs/); // says when to use search_docs instead
      expect(t.outputSchema, t.name).toBeDefined();
      expect(t.annotations, t.name).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
    }
    const traverse = graph.find((t) => t.name === 'traverse')!;
    expect(traverse.inputSchema.properties).toMatchObject({ depth: { maximum: 3, minimum: 1 }, limit: { maximum: 100, minimum: 1 } });
    for (const name of GRAPH_TOOLS) expect(client.getInstructions()).toContain(name);
  });

  describe('lookup_entity', () => {
    it('finds a setting by any spelling: its definition, default and unit, mentions', async () => {
      for (const name of ['cache_size', 'cache-size', 'cache size']) {
        const r = await call(client, 'lookup_entity', { name });
        expect(r.isError, text(r)).toBeFalsy();
        const s = r.structuredContent as {
          entity: { type: string; name: string; aliases: string[] };
          default: string | null;
          unit: string | null;
          defined_in: { ref: string; id: string }[];
          mentioned_in: { ref: string; count: number }[];
          mentions_total: number;
          partial: boolean;
        };
        expect(s.entity).toMatchObject({ type: 'ConfigParameter', name: 'cache_size' });
        expect(s.default).toBe('64');
        expect(s.unit).toBe('megabytes');
        expect(s.defined_in.map((d) => d.ref)).toEqual(['reference/settings.md#cache_size']);
        expect(s.defined_in[0]!.id).toMatch(/^s_[0-9a-f]{24}$/);
        expect(s.mentioned_in).toEqual([expect.objectContaining({ ref: 'guides/install.md#install-the-server', count: 1 })]);
        expect(s.mentions_total).toBe(1);
        expect(s.partial).toBe(false);
        expect(text(r)).toContain('default: `64`');
        expect(text(r)).toContain('`reference/settings.md#cache_size`');
      }
    });

    it('narrows by type, and says what exists when the type is wrong', async () => {
      const ok = await call(client, 'lookup_entity', { name: 'ERR_POOL_EXHAUSTED', type: 'ErrorCode' });
      expect((ok.structuredContent as { entity: { type: string } }).entity.type).toBe('ErrorCode');
      const other = await call(client, 'lookup_entity', { name: 'ERR_POOL_EXHAUSTED', type: 'Command' });
      expectToolError(other, /^Not found: no Command named "ERR_POOL_EXHAUSTED".*Hint: found it as ErrorCode; drop or change the type/s);
    });

    it('answers bad arguments with what is allowed', async () => {
      expectToolError(await call(client, 'lookup_entity', { name: 'no_such_setting_anywhere' }), /^Not found: .*Hint: .*search_docs tool/s);
      expectToolError(await call(client, 'lookup_entity', { name: '' }), /name/);
      expectToolError(await call(client, 'lookup_entity', { name: 'cache_size', type: 'Setting' }), /ConfigParameter/);
      expectToolError(await call(client, 'lookup_entity', { name: 'cache_size', kind: 'x' }), /kind/);
      expectToolError(await call(client, 'lookup_entity', { name: 'cache_size', cursor: 'garbage' }), /cursor.*Allowed: the next_cursor string of a previous lookup_entity response/s);
    });
  });

  describe('explain_error', () => {
    it('ranks the section that defines and resolves an error first, then the ones that mention it', async () => {
      const r = await call(client, 'explain_error', { code_or_message: 'EADDRINUSE' });
      expect(r.isError, text(r)).toBeFalsy();
      const s = r.structuredContent as { errors: { name: string }[]; sections: { rank: number; ref: string; why: string[] }[] };
      expect(s.errors.map((e) => e.name)).toEqual(['EADDRINUSE']);
      expect(s.sections.map((x) => x.ref)).toEqual(['guides/troubleshooting.md#eaddrinuse', 'guides/install.md#check-the-installation']);
      expect(s.sections[0]!.why).toEqual(['DEFINES', 'RESOLVES']);
      expect(s.sections[1]!.why).toEqual(['MENTIONS']);
      expect(text(r)).toMatch(/1\. \*\*Troubleshooting › EADDRINUSE\*\* — `guides\/troubleshooting\.md#eaddrinuse`.*defines it, how to resolve it/);
    });

    it('picks the code out of a whole log line, and pages with a cursor', async () => {
      const line = await call(client, 'explain_error', { code_or_message: 'Error: request refused (ERR_POOL_EXHAUSTED) at Pool.acquire (pool.js:88)' });
      expect((line.structuredContent as { sections: { ref: string }[] }).sections[0]!.ref).toBe('guides/troubleshooting.md#err_pool_exhausted');
      const first = await call(client, 'explain_error', { code_or_message: 'EADDRINUSE', limit: 1 });
      const p1 = first.structuredContent as { sections: { rank: number; ref: string }[]; next_cursor?: string };
      expect(p1.sections.map((x) => x.rank)).toEqual([1]);
      expect(p1.next_cursor).toBeTruthy();
      const second = await call(client, 'explain_error', { code_or_message: 'EADDRINUSE', limit: 1, cursor: p1.next_cursor });
      const p2 = second.structuredContent as { sections: { rank: number; ref: string }[]; next_cursor?: string };
      expect(p2.sections).toEqual([expect.objectContaining({ rank: 2, ref: 'guides/install.md#check-the-installation' })]);
      expect(p2.next_cursor).toBeUndefined();
      expectToolError(await call(client, 'explain_error', { code_or_message: 'ERR_POOL_EXHAUSTED', cursor: p1.next_cursor }), /cursor continues another explain_error call/);
    });

    it('answers a message that names no known error with search hits for its text (fallback)', async () => {
      const r = await call(client, 'explain_error', { code_or_message: 'another process already listens on the port' });
      expect(r.isError, text(r)).toBeFalsy();
      const out = r.structuredContent as { fallback: boolean; errors: unknown[]; sections: { ref: string; why: string[] }[] };
      expect(out).toMatchObject({ fallback: true, errors: [] });
      expect(out.sections[0]).toMatchObject({ ref: 'guides/troubleshooting.md#eaddrinuse', why: ['SEARCH'] });
      expect(text(r)).toMatch(/best search hits for the text/);
      // a log line's path is a name no doc holds: the search calls itself weak for it, the words still answer
      const line = await call(client, 'explain_error', { code_or_message: 'another process already listens on the port at /srv/relay/main.js:12:5' });
      expect(line.isError, text(line)).toBeFalsy();
      expect((line.structuredContent as { sections: { ref: string }[] }).sections[0]!.ref).toBe('guides/troubleshooting.md#eaddrinuse');
    });

    it('answers an unknown error and bad arguments with a hint or what is allowed', async () => {
      expectToolError(await call(client, 'explain_error', { code_or_message: 'ERR_NOT_IN_THESE_DOCS' }), /^Not found: no error code or message matching .*Hint: .*search_docs/s);
      expectToolError(await call(client, 'explain_error', { code_or_message: '   ' }), /^Invalid arguments: the error code or message is empty\. Field: code_or_message\. Allowed: /);
      expectToolError(await call(client, 'explain_error', { code_or_message: 'EADDRINUSE', limit: 0 }), /limit/);
      expectToolError(await call(client, 'explain_error', { code: 'EADDRINUSE' }), /code_or_message|code/);
    });
  });

  describe('get_procedure', () => {
    it('returns the ordered steps of the matching procedure, with its section and prerequisites', async () => {
      const r = await call(client, 'get_procedure', { task: 'install the relay server' });
      expect(r.isError, text(r)).toBeFalsy();
      const s = r.structuredContent as {
        procedure: { title: string };
        section: { ref: string };
        prerequisites: { ref: string } | null;
        steps: { order: number; text: string }[];
        total_steps: number;
        partial: boolean;
      };
      expect(s.procedure.title).toBe('Install the server');
      expect(s.section.ref).toBe('guides/install.md#install-the-server');
      expect(s.prerequisites?.ref).toBe('guides/install.md#prerequisites');
      expect(s.steps.map((x) => x.order)).toEqual([1, 2, 3, 4]);
      expect(s.steps[1]!.text).toBe('Unpack it with `tar -xzf relay.tar.gz`.');
      expect(s.total_steps).toBe(4);
      expect(s.partial).toBe(false);
      expect(text(r)).toMatch(/# Install the server\n.*`guides\/install\.md#install-the-server`[\s\S]*\n1\. Download the release/);
    });

    it('says plainly when no procedure covers the task, and points to search_docs', async () => {
      expectToolError(await call(client, 'get_procedure', { task: 'bake a sourdough loaf' }), /^Not found: no step-by-step procedure in the docs matches "bake a sourdough loaf".*Hint: .*search_docs/s);
      expectToolError(await call(client, 'get_procedure', { task: '' }), /task/);
      expectToolError(await call(client, 'get_procedure', { task: 'install', cursor: 'x' }), /cursor/);
    });
  });

  describe('traverse', () => {
    it('walks typed edges from an entity name, a section citation or a document id', async () => {
      const r = await call(client, 'traverse', { from: 'EADDRINUSE', relations: ['DEFINES', 'RESOLVES'], direction: 'in' });
      expect(r.isError, text(r)).toBeFalsy();
      const s = r.structuredContent as { start: { kind: string; label: string }[]; edges: { src: string; dst: string; type: string; depth: number }[]; nodes: { id: string; kind: string; ref?: string }[]; truncated: boolean };
      expect(s.start).toEqual([expect.objectContaining({ kind: 'entity', label: 'ErrorCode EADDRINUSE' })]);
      expect(s.edges.map((e) => e.type).sort()).toEqual(['DEFINES', 'RESOLVES']);
      const section = s.nodes.find((n) => n.id === s.edges[0]!.src)!;
      expect(section).toMatchObject({ kind: 'section', ref: 'guides/troubleshooting.md#eaddrinuse' });
      expect(s.truncated).toBe(false);
      expect(text(r)).toContain('—DEFINES→ ErrorCode `EADDRINUSE`');

      const links = await call(client, 'traverse', { from: 'guides/install.md#check-the-installation', relations: ['LINKS_TO'], direction: 'out' });
      const l = links.structuredContent as { edges: { dst: string }[]; nodes: { id: string; kind: string; ref?: string }[] };
      const targets = l.edges.map((e) => l.nodes.find((n) => n.id === e.dst));
      // the troubleshooting section, and the changelog the docs link to but do not include
      expect(targets.map((n) => n?.ref ?? n?.kind).sort()).toEqual(['guides/troubleshooting.md#eaddrinuse', 'missing']);

      const doc = (s.nodes.find((n) => n.kind === 'section') as { id: string }).id;
      const byId = await call(client, 'traverse', { from: doc, relations: ['PARENT_OF'], direction: 'in' });
      expect((byId.structuredContent as { edges: { type: string }[] }).edges.map((e) => e.type)).toEqual(['PARENT_OF']);
    });

    it('stops at the limit and says so; pages within the token budget with a cursor', async () => {
      const capped = await call(client, 'traverse', { from: 'guides/install.md', depth: 3, limit: 5 });
      const c = capped.structuredContent as { edges: unknown[]; truncated: boolean };
      expect(c.edges).toHaveLength(5);
      expect(c.truncated).toBe(true);
      expect(text(capped)).toContain('stopped at the edge limit');

      const args = { from: 'guides/install.md', depth: 3, limit: 100 };
      const whole = (await call(client, 'traverse', args)).structuredContent as { edges: { src: string; dst: string; type: string }[]; partial: boolean };
      expect(whole.partial).toBe(false);
      const paged: typeof whole.edges = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await call(small, 'traverse', { ...args, ...(cursor ? { cursor } : {}) });
        expect(r.isError, text(r)).toBeFalsy();
        expect(resultTokens(r)).toBeLessThanOrEqual(SMALL_BUDGET);
        const s = r.structuredContent as { edges: { src: string; dst: string; type: string }[]; nodes: { id: string }[]; next_cursor?: string; edges_offset: number };
        expect(s.edges_offset).toBe(paged.length);
        for (const e of s.edges) expect(s.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([e.src]));
        paged.push(...s.edges);
        cursor = s.next_cursor;
        pages++;
      } while (cursor && pages < 50);
      expect(pages).toBeGreaterThan(1);
      expect(paged.map((e) => `${e.src} ${e.type} ${e.dst}`)).toEqual(whole.edges.map((e) => `${e.src} ${e.type} ${e.dst}`));
      const first = (await call(small, 'traverse', args)).structuredContent as { next_cursor: string };
      expectToolError(await call(small, 'traverse', { ...args, depth: 2, cursor: first.next_cursor }), /cursor continues another traversal/);
    });

    it('refuses anything beyond the caps, unknown relations and directions, with what is allowed', async () => {
      // the SDK checks the input schema first; its message names the field and the bound or the options
      expectToolError(await call(client, 'traverse', { from: 'EADDRINUSE', depth: 4 }), /<=3 at depth/);
      expectToolError(await call(client, 'traverse', { from: 'EADDRINUSE', depth: 0 }), />=1 at depth/);
      expectToolError(await call(client, 'traverse', { from: 'EADDRINUSE', limit: 101 }), /<=100 at limit/);
      expectToolError(await call(client, 'traverse', { from: 'EADDRINUSE', limit: 0 }), />=1 at limit/);
      expectToolError(await call(client, 'traverse', { from: 'EADDRINUSE', relations: ['CALLS'] }), /expected one of "HAS_SECTION"\|.*"LINKS_TO".* at relations\[0\]/);
      expectToolError(await call(client, 'traverse', { from: 'EADDRINUSE', direction: 'sideways' }), /expected one of "out"\|"in"\|"both" at direction/);
      expectToolError(await call(client, 'traverse', { from: 'EADDRINUSE', query: 'MATCH (n) RETURN n' }), /query/);
      expectToolError(await call(client, 'traverse', { from: 'nothing_by_this_name' }), /^Not found: nothing named "nothing_by_this_name" in the graph.*Hint:/s);
    });
  });
});
