/**
 * A minimal MCP Streamable HTTP client for load generation: the real
 * protocol (JSON-RPC 2.0 POSTed to /mcp, a session from `initialize` and its
 * `Mcp-Session-Id`, the `notifications/initialized` notification,
 * `MCP-Protocol-Version` on every later request, answers as SSE or JSON),
 * over node:http keep-alive connections instead of the SDK's client.
 *
 * Why: the SDK's client (undici fetch, web streams, zod validation of every
 * message) costs about as much CPU per call as the server's own handling,
 * and a load generator on the same two cores as the server takes that CPU
 * from the server it measures. This one parses the answer's JSON and checks
 * its id and shape (`result` or `error`, `isError`), nothing more: the server
 * does exactly the same work for it. What it leaves out is optional in the
 * protocol: the standalone GET stream for server-initiated messages (docgraph
 * sends only `list_changed` notifications there) and resumption of broken
 * streams.
 */
import { request, type Agent, type IncomingMessage } from 'node:http';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

/** An HTTP answer that was not a JSON-RPC result: `status` 503/429 is load shedding. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
    this.name = 'HttpStatusError';
  }
}

/** A JSON-RPC error answer (HTTP 200). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`JSON-RPC error ${code}: ${message}`);
    this.name = 'RpcError';
  }
}

interface RpcAnswer {
  id?: string | number | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** The JSON-RPC message in an SSE body that answers `id` (events are separated by blank lines; priming events have empty data). */
export function answerFromSse(body: string, id: number): RpcAnswer | undefined {
  for (const event of body.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
      .join('\n');
    if (data === '') continue;
    const msg = JSON.parse(data) as RpcAnswer;
    if (msg.id === id) return msg;
  }
  return undefined;
}

export class RawMcpSession {
  private nextId = 1;
  private sessionId: string | undefined;
  private protocolVersion = LATEST_PROTOCOL_VERSION;
  private readonly url: URL;

  constructor(
    endpoint: string,
    private readonly agent: Agent,
    private readonly name = 'docgraph-load',
  ) {
    this.url = new URL(endpoint);
  }

  /** initialize + notifications/initialized; afterwards every request carries the session id. */
  async connect(timeoutMs: number): Promise<void> {
    const init = await this.rpc('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: this.name, version: '1.0.0' } }, timeoutMs);
    const version = init.protocolVersion;
    if (typeof version === 'string') this.protocolVersion = version;
    if (this.sessionId === undefined) throw new Error('the server did not start a session (no Mcp-Session-Id header)');
    const res = await this.post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), timeoutMs);
    if (res.status !== 202 && res.status !== 200) throw new HttpStatusError(res.status, res.body);
  }

  /** tools/call; resolves with the CallToolResult (which may have isError). */
  callTool(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    return this.rpc('tools/call', { name, arguments: args }, timeoutMs);
  }

  /** Ends the session (DELETE), ignoring failures. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.sessionId === undefined) return;
    await this.send('DELETE', undefined, timeoutMs).catch(() => undefined);
    this.sessionId = undefined;
  }

  private async rpc(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const res = await this.post(JSON.stringify({ jsonrpc: '2.0', id, method, params }), timeoutMs);
    if (res.status !== 200) throw new HttpStatusError(res.status, res.body);
    const answer = res.type.startsWith('text/event-stream') ? answerFromSse(res.body, id) : (JSON.parse(res.body) as RpcAnswer);
    if (!answer || answer.id !== id) throw new Error(`no answer to request ${id} in the response`);
    if (answer.error) throw new RpcError(answer.error.code, answer.error.message);
    if (typeof answer.result !== 'object' || answer.result === null) throw new Error(`request ${id}: the answer has no result`);
    return answer.result;
  }

  private post(body: string, timeoutMs: number): Promise<{ status: number; type: string; body: string }> {
    return this.send('POST', body, timeoutMs);
  }

  private send(method: 'POST' | 'DELETE', body: string | undefined, timeoutMs: number): Promise<{ status: number; type: string; body: string }> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (this.sessionId !== undefined) {
      headers['mcp-session-id'] = this.sessionId;
      headers['mcp-protocol-version'] = this.protocolVersion;
    }
    return new Promise((resolve, reject) => {
      const req = request({ host: this.url.hostname, port: this.url.port, path: this.url.pathname, method, headers, agent: this.agent, timeout: timeoutMs }, (res: IncomingMessage) => {
        const sid = res.headers['mcp-session-id'];
        if (typeof sid === 'string' && this.sessionId === undefined) this.sessionId = sid;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      // the whole call, not only idle time, is bounded
      const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
