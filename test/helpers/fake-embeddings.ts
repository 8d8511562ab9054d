/**
 * An OpenAI-compatible embeddings server on 127.0.0.1 for worker tests: it
 * answers `POST /v1/embeddings` with deterministic vectors, and can hold
 * requests whose input contains a marker until told to answer, so a test
 * knows a job is mid-embedding (and can keep it there).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class FakeEmbeddings {
  baseUrl = '';
  /** Inputs containing this are held (while `holding`) until `release()`. */
  marker = 'SLOWPAGE';
  holding = true;
  /** Requests seen with the marker (held or not). */
  markedRequests = 0;
  /** Embedding requests seen (any input). */
  requests = 0;
  /** Every request target seen (path and query string). */
  readonly urls: string[] = [];
  /** Set to make every request fail: `hang` never answers, `error` answers 500, `echo-key` answers 401 quoting the Authorization header (as careless servers do). */
  outage: 'hang' | 'error' | 'echo-key' | undefined;
  private held: (() => void)[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.handle(req.url, Buffer.concat(chunks).toString('utf8'), res, req.headers.authorization));
  });

  static async start(): Promise<FakeEmbeddings> {
    const self = new FakeEmbeddings();
    await new Promise<void>((resolve) => self.server.listen(0, '127.0.0.1', resolve));
    self.baseUrl = `http://127.0.0.1:${(self.server.address() as AddressInfo).port}/v1`;
    return self;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Answers the held requests (and stops holding new ones). */
  release(): void {
    this.holding = false;
    for (const answer of this.held.splice(0)) answer();
  }

  async close(): Promise<void> {
    this.held = [];
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(url: string | undefined, raw: string, res: ServerResponse, authorization?: string): void {
    // gateways may take the key in the query string: the path decides
    if (new URL(url ?? '/', 'http://x').pathname !== '/v1/embeddings') {
      res.writeHead(404).end();
      return;
    }
    this.requests++;
    this.urls.push(url ?? '');
    if (this.outage === 'hang') return;
    if (this.outage === 'echo-key') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${authorization ?? ''} (${url ?? ''})`, type: 'invalid_request_error' } }));
      return;
    }
    if (this.outage === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'the model crashed', type: 'server_error' } }));
      return;
    }
    const body = JSON.parse(raw) as { model: string; input: string[]; dimensions?: number };
    const dims = body.dimensions ?? 8;
    const answer = (): void => {
      const data = body.input.map((text, index) => ({ object: 'embedding', index, embedding: vectorOf(text, dims) }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
    };
    if (body.input.some((t) => t.includes(this.marker))) {
      this.markedRequests++;
      if (this.holding) {
        this.held.push(answer);
        return;
      }
    }
    answer();
  }
}

function vectorOf(text: string, dims: number): number[] {
  const h = createHash('sha256').update(text).digest();
  return Array.from({ length: dims }, (_, i) => (h[i % h.length]! - 127.5) / 127.5);
}
