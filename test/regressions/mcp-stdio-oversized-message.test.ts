// A client that sends one stdio message over 10 MB makes the SDK close the
// transport. docgraph mcp must not then exit 0 in silence as if the client
// had hung up: it says why on stderr, in one line, and exits non-zero.
// A real `docgraph mcp` child process, spoken to in raw JSON-RPC lines.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, serverEnv } from '../helpers/mcp.js';
import { CLI_JS } from '../helpers/cli.js';

let index: string;
beforeAll(async () => {
  index = await buildIndex();
}, 120_000);
afterAll(() => undefined);

describe('docgraph mcp with a message over 10 MB', () => {
  it('logs one line saying why and exits non-zero', async () => {
    const child = spawn('node', [CLI_JS, '--index', index, 'mcp'], { env: serverEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // the server drops the connection part-way through the big write: EPIPE here is expected
    child.stdin.on('error', () => undefined);
    const send = (m: unknown): boolean => child.stdin.write(JSON.stringify(m) + '\n');
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    // wait for the answer, so the server is up before the big message
    for (let i = 0; i < 600 && !stdout.includes('"id":1'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain('"id":1');
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    // 11 MB in one message; stdin stays open: the server must end on its own
    const big = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_docs', arguments: { query: 'x'.repeat(11 * 1024 * 1024) } } });
    child.stdin.write(big + '\n');
    const code = await exited;
    child.stdin.destroy();
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^docgraph: MCP stdio: the client sent a message larger than 10485760 bytes \(10 MB\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
