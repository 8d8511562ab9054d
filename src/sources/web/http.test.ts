import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SiteHttp } from './http.js';

// a host that always answers 429 and asks for an hour: only the cap and the budget end the waits
let server: Server;
let origin: string;
const times = new Map<string, number[]>();
beforeEach(async () => {
  times.clear();
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    times.set(path, [...(times.get(path) ?? []), Date.now()]);
    res.writeHead(429, { 'retry-after': '3600' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('cuts a long Retry-After to maxRetryAfterMs and stops waiting once the budget is spent (the test would time out otherwise)', async () => {
  const http = new SiteHttp({ allowPrivate: true, retries: 1, backoffMs: 1, maxRetryAfterMs: 400, retryAfterBudgetMs: 600 });
  try {
    expect((await http.get(`${origin}/a`)).status).toBe(429);
    const [a1, a2] = times.get('/a')!;
    expect(a2! - a1!).toBeGreaterThanOrEqual(390); // the first wait, cut from an hour to 400 ms
    // the second 429 holds the host for the 200 ms left of the budget; then nothing more is waited for
    expect((await http.get(`${origin}/b`)).status).toBe(429);
    const [b1] = times.get('/b')!;
    expect(b1! - a2!).toBeGreaterThanOrEqual(190);
    expect(times.get('/b')).toHaveLength(2);
  } finally {
    await http.close();
  }
});

it('stops a Retry-After wait when the crawl is stopped', async () => {
  const http = new SiteHttp({ allowPrivate: true, retries: 1, backoffMs: 1 });
  const stop = new AbortController();
  try {
    const got = http.get(`${origin}/a`, { signal: stop.signal });
    setTimeout(() => stop.abort(), 200);
    await expect(got).rejects.toThrow(/the crawl stopped while 127\.0\.0\.1:\d+ asked to wait \(Retry-After\)/);
    expect(times.get('/a')).toHaveLength(1);
  } finally {
    await http.close();
  }
});
