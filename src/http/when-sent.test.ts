import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { whenSent } from './mcp-endpoint.js';

/** An SSE body whose second event comes only when `finish()` is called, as a tool call's result does. */
function sse(): { body: ReadableStream<Uint8Array>; finish: () => void } {
  const enc = new TextEncoder();
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctrl = c;
      c.enqueue(enc.encode('id: 1\ndata: \n\n'));
    },
  });
  return {
    body,
    finish: () => {
      ctrl.enqueue(enc.encode('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n'));
      ctrl.close();
    },
  };
}

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A real server on loopback answering GET / with an SSE response through whenSent; `ends` collects onEnd's verdicts. */
async function serve(useOutgoing: boolean): Promise<{ url: string; ends: boolean[]; finishers: (() => void)[] }> {
  const ends: boolean[] = [];
  const finishers: (() => void)[] = [];
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/', (c) => {
    const { body, finish } = sse();
    finishers.push(finish);
    const res = new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    return whenSent(res, (complete) => ends.push(complete), useOutgoing ? c.env.outgoing : undefined);
  });
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push({ close: () => server.close() });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, ends, finishers };
}

/** GETs `url`; resolves with the headers once they arrive and the body when it ends (or the socket when asked to cut). */
function get(url: string): Promise<{ headers: Record<string, unknown>; body: Promise<string>; cut: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      const body = new Promise<string>((ok) => res.on('end', () => ok(text)).on('close', () => ok(text)));
      resolve({ headers: res.headers, body, cut: () => req.destroy() });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('whenSent', () => {
  for (const useOutgoing of [true, false]) {
    const how = useOutgoing ? "the node response's events" : 'a stream of its own';
    it(`reports a response sent to its end, once (${how})`, async () => {
      const s = await serve(useOutgoing);
      const res = await get(s.url);
      await until(() => s.finishers.length === 1);
      expect(s.ends).toEqual([]);
      s.finishers[0]!();
      expect(await res.body).toContain('"result"');
      await until(() => s.ends.length > 0);
      await new Promise((r) => setTimeout(r, 100));
      expect(s.ends).toEqual([true]);
    });

    it(`reports a response the client cut off as not complete (${how})`, async () => {
      const s = await serve(useOutgoing);
      const res = await get(s.url);
      await until(() => s.finishers.length === 1);
      res.cut();
      await until(() => s.ends.length > 0);
      await new Promise((r) => setTimeout(r, 100));
      expect(s.ends).toEqual([false]);
    });
  }
});
