// Pins what search_docs sends over stdio, byte for byte (issue 11: making the stdio path cheaper must
// not change its answers). test/fixtures/mcp-search-docs-wire.jsonl holds the JSON-RPC response lines
// `docgraph mcp` wrote for these calls on the MCP fixture index: text content, structured content, key
// order and number formatting included. Section ids hash the source's absolute path, and hits tied on
// score fall in id order, so the fixture is ingested from one fixed path (a copy under the temp folder)
// wherever the repository is checked out; ids are still numbered by first appearance in the pinned lines
// (s_ and 24 hex digits, so lengths, and the token budget's sums, are the same). After a deliberate change to search_docs or its ranking,
// regenerate it with WRITE_WIRE_FIXTURE=1 (built CLI: npm run build first) and review the diff.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_JS } from '../helpers/cli.js';
import { buildIndex, serverEnv } from '../helpers/mcp.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'mcp-search-docs-wire.jsonl');

/** The calls, in order; `cursorOf` continues the search of an earlier call with its next_cursor. */
const CALLS: { args: Record<string, unknown>; cursorOf?: number }[] = [
  { args: { query: 'certificate' } },
  { args: { query: 'certificate' }, cursorOf: 0 },
  { args: { query: 'rotate the TLS certificate', limit: 3 } },
  { args: { query: 'upgrade', filters: { uri_prefix: 'reference/' } } },
  { args: { query: 'zzqx vvbnm' } }, // nothing matches its words: weak hits by meaning only
];

/** Runs `docgraph mcp` on `index`, makes the calls one at a time, and returns the raw response line of each. */
async function wireLines(index: string, env: Record<string, string> = {}): Promise<string[]> {
  const child = spawn('node', [CLI_JS, '--index', index, 'mcp'], { env: serverEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.resume();
  let buffered = '';
  const waiting = new Map<number, (line: string) => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const id = (JSON.parse(line) as { id?: number }).id;
      if (id !== undefined) waiting.get(id)?.(line);
    }
  });
  const request = (id: number, method: string, params: object): Promise<string> =>
    new Promise((resolve) => {
      waiting.set(id, resolve);
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  await request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'wire-test', version: '1' } });
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
  const lines: string[] = [];
  for (const [i, call] of CALLS.entries()) {
    const cursor = call.cursorOf === undefined ? undefined : (JSON.parse(lines[call.cursorOf]!) as { result: { structuredContent: { next_cursor: string } } }).result.structuredContent.next_cursor;
    lines.push(await request(10 + i, 'tools/call', { name: 'search_docs', arguments: { ...call.args, ...(cursor ? { cursor } : {}) } }));
  }
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
  return lines;
}

/** Section ids hash the source's path: numbered by first appearance (zero-padded to the same 24 digits). */
function stableIds(lines: string[]): string[] {
  const ids = new Map<string, string>();
  return lines.map((l) => l.replace(/s_[0-9a-f]{24}/g, (id) => ids.get(id) ?? (ids.set(id, `s_${String(ids.size + 1).padStart(24, '0')}`), ids.get(id)!)));
}

describe('search_docs over stdio, on the wire', () => {
  let index: string;
  let lines: string[];
  beforeAll(async () => {
    index = await buildIndex(join(tmpdir(), 'docgraph-wire-pin'));
    lines = stableIds(await wireLines(index));
    if (process.env.WRITE_WIRE_FIXTURE === '1') writeFileSync(FIXTURE, lines.join('\n') + '\n');
  });
  afterAll(() => rmSync(dirname(index), { recursive: true, force: true }));

  it('answers each call with the same bytes as the pinned responses', () => {
    const pinned = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(pinned.length);
    for (const [i, line] of lines.entries()) expect(line, `call ${i}: ${JSON.stringify(CALLS[i]!.args)}`).toBe(pinned[i]);
  });

  it('covers a full page with a cursor, the page after it, a limit, a filter and a weak match', () => {
    const results = lines.map((l) => (JSON.parse(l) as { result: { structuredContent: { hits: { uri: string }[]; next_cursor?: string; weak: boolean }; content: { text: string }[] } }).result);
    expect(results[0]!.structuredContent.hits).toHaveLength(10);
    expect(results[0]!.structuredContent.next_cursor).toBeTruthy();
    expect(results[1]!.structuredContent.hits.length).toBeGreaterThan(0);
    expect(results[2]!.structuredContent.hits).toHaveLength(3);
    expect(results[3]!.structuredContent.hits.every((h) => h.uri.startsWith('reference/'))).toBe(true);
    expect(results[4]!.structuredContent.weak).toBe(true);
    expect(results[4]!.content[0]!.text).toMatch(/^Weak match/);
  });
});
