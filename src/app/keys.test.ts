// API keys on both backends (the KeyStore port through the backend factory): created keys verify with
// their scopes, only the hash is kept, a wrong secret, an unknown id or a revoked key do not verify.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshSchema, schemaUrl } from '../../test/helpers/postgres.js';
import { openBackend, type Backend } from './backend.js';
import { ApiKeys, grants } from './keys.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const backends: [string, () => Promise<{ backend: Backend; file?: string }>][] = [
  [
    'sqlite',
    async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'dg-keys-')), 'index.db');
      const backend = await openBackend({ store: file }, { create: true });
      cleanups.push(() => backend.close());
      return { backend, file };
    },
  ],
  [
    'postgres',
    async () => {
      const fresh = await freshSchema('dgkeys');
      const backend = await openBackend({ store: schemaUrl(fresh.url, fresh.schema) }, { create: true });
      cleanups.push(async () => {
        await backend.close();
        await fresh.drop();
      });
      return { backend };
    },
  ],
];

describe.each(backends)('API keys on %s', (_name, open) => {
  it('creates, lists, verifies and revokes; keeps only the hash', async () => {
    const { backend, file } = await open();
    const keys = new ApiKeys(backend.keys);
    const ci = await keys.create({ scopes: ['read', 'ingest', 'read'], name: 'ci' });
    expect(ci.key).toMatch(/^dg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(ci.scopes).toEqual(['read', 'ingest']);
    const admin = await keys.create({ scopes: ['admin'] });

    expect(await keys.verify(ci.key)).toEqual({ id: ci.id, scopes: ['read', 'ingest'] });
    expect(await keys.verify(admin.key)).toEqual({ id: admin.id, scopes: ['admin'] });
    const wrongSecret = ci.key.slice(0, -1) + (ci.key.endsWith('A') ? 'B' : 'A');
    expect(await keys.verify(wrongSecret)).toBeUndefined();
    expect(await keys.verify(`dg_${'0'.repeat(16)}_${ci.key.slice(-43)}`)).toBeUndefined();
    expect(await keys.verify('not-a-key')).toBeUndefined();

    const listed = await keys.list();
    expect(listed.map((k) => k.id)).toEqual([ci.id, admin.id]);
    expect(JSON.stringify(listed)).not.toContain(ci.key.slice(-43));
    if (file) expect(readFileSync(file).includes(Buffer.from(ci.key.slice(-43)))).toBe(false);

    const revoked = await keys.revoke(ci.id);
    expect(revoked.revokedAt).toEqual(expect.any(Number));
    expect(await keys.verify(ci.key)).toBeUndefined();
    await expect(keys.revoke(ci.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(keys.revoke('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await keys.verify(admin.key)).toEqual({ id: admin.id, scopes: ['admin'] });
  });

  it('refuses unknown scopes and bad names', async () => {
    const { backend } = await open();
    const keys = new ApiKeys(backend.keys);
    await expect(keys.create({ scopes: ['write'] })).rejects.toMatchObject({ code: 'INVALID_INPUT', allowed: 'read, ingest, admin' });
    await expect(keys.create({ scopes: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(keys.create({ scopes: ['read'], name: 'x'.repeat(101) })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: '--name' });
    expect(await keys.list()).toEqual([]);
  });
});

describe('scopes', () => {
  it('admin grants everything; read and ingest only themselves', () => {
    expect(grants(['admin'], 'ingest')).toBe(true);
    expect(grants(['read'], 'read')).toBe(true);
    expect(grants(['read'], 'ingest')).toBe(false);
    expect(grants(['ingest'], 'read')).toBe(false);
    expect(grants(['read', 'ingest'], 'admin')).toBe(false);
  });
});
