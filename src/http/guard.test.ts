import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { rebindingGuard } from './guard.js';

function app(bindHost: string, extra: { allowedHosts?: string[]; allowedOrigins?: string[] } = {}): Hono {
  const a = new Hono();
  a.use('*', rebindingGuard({ bindHost, allowedHosts: extra.allowedHosts ?? [], allowedOrigins: extra.allowedOrigins ?? [] }));
  a.get('/x', (c) => c.text('ok'));
  a.onError((e, c) => ('getResponse' in e ? (e as { getResponse: () => Response }).getResponse() : c.text('boom', 500)));
  return a;
}

const get = (a: Hono, headers: Record<string, string>): Promise<Response> => Promise.resolve(a.request('http://127.0.0.1/x', { headers }));

describe('rebindingGuard', () => {
  it('on a loopback bind accepts loopback Host names on any port and nothing else', async () => {
    const a = app('127.0.0.1');
    for (const host of ['127.0.0.1:7700', 'localhost', 'localhost:1', '[::1]:7700']) expect((await get(a, { host })).status, host).toBe(200);
    for (const host of ['evil.example', 'evil.example:7700', '127.0.0.1.evil.example']) expect((await get(a, { host })).status, host).toBe(403);
    expect((await get(app('127.0.0.1', { allowedHosts: ['docs.internal'] }), { host: 'docs.internal:80' })).status).toBe(200);
  });

  it('refuses foreign browser Origins, accepts loopback and configured ones', async () => {
    const a = app('127.0.0.1', { allowedOrigins: ['https://console.example.com'] });
    const h = { host: 'localhost' };
    expect((await get(a, { ...h, origin: 'http://localhost:5173' })).status).toBe(200);
    expect((await get(a, { ...h, origin: 'https://console.example.com' })).status).toBe(200);
    expect((await get(a, { ...h, origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(a, { ...h, origin: 'null' })).status).toBe(403);
    expect((await get(a, { ...h, origin: 'file://localhost' })).status).toBe(403);
  });

  it('on a wildcard bind checks Host only when allowedHosts is set', async () => {
    expect((await get(app('0.0.0.0'), { host: 'any.example' })).status).toBe(200);
    expect((await get(app('0.0.0.0', { allowedHosts: ['docs.example'] }), { host: 'any.example' })).status).toBe(403);
  });
});
