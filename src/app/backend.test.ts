// The backend factory: which adapter a configuration names (SQLite, PostgreSQL on the test server,
// .ci/run starts it), and a clear refusal for the backend this build does not have yet (Redis).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, NotFoundError } from '../domain/errors.js';
import { documentWrite } from '../store/store.contract.js';
import { freshSchema, schemaUrl } from '../../test/helpers/postgres.js';
import { openBackend, redact, splitSchema, storeKind } from './backend.js';

const dir = mkdtempSync(join(tmpdir(), 'dg-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
}

describe('backend factory', () => {
  it('takes a path for SQLite and a postgres:// URL for PostgreSQL; refuses other schemes', () => {
    expect(storeKind('/var/lib/docgraph/index.db')).toBe('sqlite');
    expect(storeKind('relative/index.db')).toBe('sqlite');
    expect(storeKind(':memory:')).toBe('sqlite');
    expect(storeKind('postgres://127.0.0.1/docs')).toBe('postgres');
    expect(storeKind('postgresql://127.0.0.1/docs')).toBe('postgres');
    expect(() => storeKind('mysql://127.0.0.1/docs')).toThrow(ConfigError);
  });

  it('says PostgreSQL cannot be reached without showing the password', async () => {
    const e = await refusal(openBackend({ store: 'postgres://docgraph:s3cret@127.0.0.1:1/docs' }, { create: true }));
    expect(e).toMatchObject({ code: 'INDEX_UNAVAILABLE', reason: 'cannot-open' });
    expect((e as Error).message).toContain('postgres://docgraph:***@127.0.0.1:1/docs');
    expect((e as Error).message).not.toContain('s3cret');
  });

  it('takes the schema from ?schema= and the vector search from ?vectors=, and passes the rest of the URL to the driver', () => {
    expect(splitSchema('postgres://h:5432/db?schema=team_a&sslmode=disable&vectors=memory')).toEqual({ url: 'postgres://h:5432/db?sslmode=disable', schema: 'team_a', vectors: 'memory' });
    expect(splitSchema('postgres://h/db')).toEqual({ url: 'postgres://h/db', schema: 'public', vectors: 'auto' });
    expect(() => splitSchema('postgres://h/db?vectors=hnsw')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', hint: expect.stringContaining('?vectors=pgvector') }));
  });

  it('says where vector search runs: PostgreSQL 15 here has no pgvector, so auto is memory and pgvector is refused', async () => {
    const fresh = await freshSchema('dgbackend');
    try {
      const backend = await openBackend({ store: schemaUrl(fresh.url, fresh.schema) }, { create: true });
      expect(backend.vectorSearch).toBe('memory');
      await backend.close();
      await expect(openBackend({ store: `${schemaUrl(fresh.url, fresh.schema)}&vectors=pgvector` })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    } finally {
      await fresh.drop();
    }
  });

  it('does not create a PostgreSQL index unless asked to', async () => {
    const fresh = await freshSchema('dgbackend');
    try {
      expect(await refusal(openBackend({ store: schemaUrl(fresh.url, fresh.schema) }))).toBeInstanceOf(NotFoundError);
    } finally {
      await fresh.drop();
    }
  });

  it('gives PostgreSQL ports whose queue commits job changes to the index in one transaction', async () => {
    const fresh = await freshSchema('dgbackend');
    const backend = await openBackend({ store: schemaUrl(fresh.url, fresh.schema) }, { create: true });
    const queue = backend.openQueue();
    try {
      const w = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'alpha', vector: [1, 0, 0, 0] }] });
      await backend.store.upsertSource({ id: w.document.sourceId, kind: 'fs', location: '/docs', createdAt: '2025-01-01T00:00:00.000Z' });
      await backend.store.setEmbedder({ id: 'e:1', provider: 'test', model: 'm', dimensions: 4 });
      await queue.enqueue({ type: 'ingest-document', sourceId: w.document.sourceId, uri: 'a.md', checksum: w.document.checksum });
      const lease = (await queue.claim('w', 10_000))!;
      expect(await queue.commitJob(lease, { kind: 'write', write: w, embedderId: 'e:1' })).toEqual({ state: 'completed', changed: true });
      expect((await backend.store.getDocument(w.document.id))?.checksum).toBe(w.document.checksum);
      expect(await backend.integrity.check(4)).toMatchObject({ documents: 1, sections: 1, problems: [] });
      expect(await backend.integrity.storageProblems()).toEqual([]);
      expect(backend.kind).toBe('postgres');
      expect(backend.location).toContain(`(schema ${fresh.schema})`);
      // reopened without create: the index is there now
      const again = await openBackend({ store: schemaUrl(fresh.url, fresh.schema) });
      expect((await again.store.stats()).documents).toBe(1);
      await again.close();
    } finally {
      await queue.close();
      await backend.close();
      await backend.close();
      await fresh.drop();
    }
  });

  it('refuses Redis beside a SQLite index clearly, creating nothing', async () => {
    const path = join(dir, 'r.db');
    const e = await refusal(openBackend({ store: path, redis: 'redis://:pw@127.0.0.1:6379' }, { create: true }));
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toMatch(/^--redis shares state between replicas of a PostgreSQL index; this index is a SQLite file/);
    expect((e as ConfigError).message).not.toContain(':pw@');
    expect(existsSync(path)).toBe(false);
  });

  it('does not create a SQLite index unless asked to', async () => {
    const path = join(dir, 'missing', 'index.db');
    expect(await refusal(openBackend({ store: path }))).toBeInstanceOf(NotFoundError);
  });

  it('gives SQLite ports whose queue commits job changes to the index in one step', async () => {
    const backend = await openBackend({ store: join(dir, 'index.db') }, { create: true });
    const queue = backend.openQueue();
    try {
      const w = documentWrite({ uri: 'a.md', sections: [{ heading: 'A', text: 'alpha', vector: [1, 0, 0, 0] }] });
      await backend.store.upsertSource({ id: w.document.sourceId, kind: 'fs', location: '/docs', createdAt: '2025-01-01T00:00:00.000Z' });
      await backend.store.setEmbedder({ id: 'e:1', provider: 'test', model: 'm', dimensions: 4 });
      await queue.enqueue({ type: 'ingest-document', sourceId: w.document.sourceId, uri: 'a.md', checksum: w.document.checksum });
      const lease = (await queue.claim('w', 10_000))!;
      expect(await queue.commitJob(lease, { kind: 'write', write: w, embedderId: 'e:1' })).toEqual({ state: 'completed', changed: true });
      expect((await backend.store.getDocument(w.document.id))?.checksum).toBe(w.document.checksum);
      expect(await backend.integrity.check(4)).toMatchObject({ documents: 1, sections: 1, problems: [] });
      expect(backend).toMatchObject({ kind: 'sqlite', location: join(dir, 'index.db') });
    } finally {
      await queue.close();
      await backend.close();
      await backend.close();
    }
  });

  it('gives a SQLite store the configured term-score cache bound, and one that grows with the index without it', async () => {
    const fixed = await openBackend({ store: join(dir, 'bound.db'), termScoreCacheMiB: 1 }, { create: true });
    const grown = await openBackend({ store: join(dir, 'bound.db') });
    // the SQLite store's figure for tests (this file sees only the ports)
    const bound = (b: typeof fixed): number => (b.store as unknown as { termScoreBound: number }).termScoreBound;
    try {
      expect(bound(fixed)).toBe(65_536); // 1 MiB of 16-byte rows
      expect(bound(grown)).toBe(2 ** 20); // the floor, 16 MiB: an empty index
    } finally {
      await grown.close();
      await fixed.close();
    }
  });

  it('redacts only the password of a URL', () => {
    expect(redact('postgres://u:p@h/db')).toBe('postgres://u:***@h/db');
    expect(redact('postgres://h/db')).toBe('postgres://h/db');
    expect(redact('/a/b.db')).toBe('/a/b.db');
  });
});
