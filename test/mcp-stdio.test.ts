import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, call, checkResourcesAndPrompts, checkToolsContract, pageThroughSearch, resultTokens, serverEnv, text } from './helpers/mcp.js';
import { CLI_JS } from './helpers/cli.js';

const SMALL_BUDGET = 1000;

async function connect(index: string, env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({ command: 'node', args: [CLI_JS, '--index', index, 'mcp'], env: serverEnv(env), stderr: 'pipe' });
  const client = new Client({ name: 'docgraph-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('docgraph mcp (stdio)', () => {
  let index: string;
  let client: Client;
  let small: Client;

  beforeAll(async () => {
    index = await buildIndex();
    [client, small] = await Promise.all([connect(index), connect(index, { DOCGRAPH_TOKEN_BUDGET: String(SMALL_BUDGET) })]);
  });
  afterAll(async () => {
    await Promise.all([client?.close(), small?.close()]);
  });

  it('identifies itself and gives the model instructions', () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'docgraph' });
    expect(client.getInstructions()).toMatch(/search_docs.*get_section/s);
  });

  it('lists the tools and answers each with good and bad arguments', async () => {
    await checkToolsContract(client);
  });

  it('lists and reads documents as resources, and offers the answer_from_docs prompt', async () => {
    await checkResourcesAndPrompts(client);
  });

  it('pages search results with a cursor, never above the token budget', async () => {
    const paged = await pageThroughSearch(small, 'certificate rotation upgrade', SMALL_BUDGET);
    const whole = await pageThroughSearch(client, 'certificate rotation upgrade', 4000);
    expect(paged.sawPartial).toBe(true);
    expect(paged.pages).toBeGreaterThan(whole.pages);
    expect(new Set(paged.ids).size).toBe(paged.ids.length);
    expect(paged.ids).toEqual(whole.ids);
  });

  it('gives the model hits with their citation, confidence and snippet; why they matched stays in the structured content', async () => {
    const r = await call(client, 'search_docs', { query: 'rotate the TLS certificate', limit: 3 });
    const hits = (r.structuredContent as { hits: { ref: string; confidence: number; why: { retrievers: unknown[] } }[]; weak: boolean }).hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]!.why.retrievers.length).toBeGreaterThan(0);
    expect(text(r)).toContain(`\`${hits[0]!.ref}\``);
    expect(text(r)).toContain(`confidence ${hits[0]!.confidence}`);
    expect(text(r)).not.toMatch(/matched by|keywords #|meaning #/);
  });

  it('says which names of the query no section holds, and calls the result weak', async () => {
    const r = await call(client, 'search_docs', { query: 'rotate the TLS certificate with ERR_CERT_NOT_IN_DOCS', limit: 3 });
    const out = r.structuredContent as { hits: unknown[]; weak: boolean; unknown_names?: string[] };
    expect(out.hits.length).toBeGreaterThan(0); // its other words still match
    expect(out).toMatchObject({ weak: true, unknown_names: ['ERR_CERT_NOT_IN_DOCS'] });
    expect(text(r)).toMatch(/^Weak match: no indexed section holds `ERR_CERT_NOT_IN_DOCS`/);
    const known = (await call(client, 'search_docs', { query: 'rotate the TLS certificate', limit: 3 })).structuredContent as { unknown_names?: string[] };
    expect(known.unknown_names).toBeUndefined();
  });

  it('refuses a cursor from another query', async () => {
    const first = await call(small, 'search_docs', { query: 'certificate' });
    const cursor = (first.structuredContent as { next_cursor: string }).next_cursor;
    expect(cursor).toBeTruthy();
    const other = await call(small, 'search_docs', { query: 'upgrade', cursor });
    expect(other.isError).toBe(true);
    expect(text(other)).toMatch(/different search.*same query and filters/s);
  });

  it('pages a long section by characters and on through its parts', async () => {
    const first = await call(small, 'get_section', { ref: 'reference/upgrade.md#upgrading-a-cluster' });
    let r = first;
    let all = '';
    let pages = 0;
    for (;;) {
      expect(r.isError, text(r)).toBeFalsy();
      expect(resultTokens(r)).toBeLessThanOrEqual(SMALL_BUDGET);
      const s = r.structuredContent as { text: string; next_cursor?: string; heading: string };
      expect(s.heading).toBe('Upgrading a cluster');
      all += s.text;
      pages++;
      if (!s.next_cursor) break;
      expect(pages).toBeLessThan(50);
      r = await call(small, 'get_section', { ref: 'reference/upgrade.md#upgrading-a-cluster', cursor: s.next_cursor });
    }
    expect(pages).toBeGreaterThan(2);
    expect((first.structuredContent as { part?: { of: number } }).part?.of).toBeGreaterThan(1);
    const order = Array.from({ length: 12 }, (_, i) => all.indexOf(`Paragraph ${i + 1} of the upgrade notes`));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(all).not.toContain('acme status'); // the next section is not part of it
  });

  it('pages a long outline', async () => {
    const nodes: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await call(small, 'get_document', { uri: 'reference/config.md', ...(cursor ? { cursor } : {}) });
      expect(resultTokens(r)).toBeLessThanOrEqual(SMALL_BUDGET);
      const s = r.structuredContent as { outline: { anchor: string }[]; next_cursor?: string };
      nodes.push(...s.outline.map((n) => n.anchor));
      cursor = s.next_cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThan(1);
    expect(nodes).toHaveLength(21); // the title section and 20 keys
    expect(new Set(nodes).size).toBe(21);
    const wrongDoc = await call(small, 'get_document', { uri: 'guides/tls.md', cursor: (await call(small, 'get_document', { uri: 'reference/config.md' })).structuredContent!.next_cursor as string });
    expect(text(wrongDoc)).toMatch(/cursor continues the outline of reference\/config\.md/);
  });

  it('writes nothing but JSON-RPC on stdout, logs on stderr, and exits 0 when stdin closes', async () => {
    const child = spawn('node', [CLI_JS, '--index', index, 'mcp'], { env: serverEnv({ DOCGRAPH_LOG_LEVEL: 'debug' }), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const send = (m: object): boolean => child.stdin.write(JSON.stringify(m) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_docs', arguments: { query: 'certificate' } } });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_section', arguments: { ref: 'nope.md' } } });
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (stdout.includes('"id":3')) resolve();
      };
      child.stdout.on('data', check);
    });
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ jsonrpc: '2.0' });
    expect(stderr).toContain('MCP server ready on stdio');
  });

  it('mcp-config prints a snippet with absolute paths that exist', async () => {
    const child = spawn('node', [CLI_JS, '--index', index, 'mcp-config', '--client', 'claude-desktop'], { env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    const entry = (JSON.parse(stdout) as { mcpServers: { docgraph: { command: string; args: string[] } } }).mcpServers.docgraph;
    expect(entry.command).toBe(process.execPath);
    expect(entry.args[0]).toMatch(/\/bin\/docgraph\.js$/);
    expect(existsSync(entry.args[0]!)).toBe(true);
    expect(entry.args.slice(1)).toEqual(['--index', index, 'mcp']);
    expect(stderr).toContain('claude_desktop_config.json');
  });

  it('fails with a clear message and exit code 3 when there is no index', async () => {
    const child = spawn('node', [CLI_JS, '--index', index + '.missing', 'mcp'], { env: serverEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/no index at .*hint: run `docgraph ingest/s);
    expect(existsSync(index + '.missing')).toBe(false);
  });
});
