// Issue 13: `pg` and `ioredis` are optional dependencies, loaded lazily by their adapters. With them
// left out (as `npm install --omit=optional` does) embedded mode works as ever, and a postgres:// store
// or --redis says which command installs the driver: one error, no stack trace. The real CLI in child
// processes, with module resolution told that those packages are not there
// (test/fixtures/without-packages, loaded with NODE_OPTIONS=--import); a real PostgreSQL for --redis.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/docgraph.js';
import { freshSchema, schemaUrl } from './helpers/postgres.js';
import { TEST_REDIS_URL } from './helpers/redis.js';

const register = join(import.meta.dirname, 'fixtures', 'without-packages', 'register.mjs');
const without = (packages: string): Record<string, string> => ({ WITHOUT_PACKAGES: packages, NODE_OPTIONS: `--import ${register}` });

const ws = workspace({}, 'dg-optional-');
const schemas: { drop: () => Promise<void> }[] = [];
afterAll(async () => {
  for (const s of schemas) await s.drop();
  rmSync(ws.dir, { recursive: true, force: true });
});

describe('optional drivers left out', () => {
  it('embedded mode ingests and searches without pg and ioredis', async () => {
    writeFileSync(join(ws.docs, 'a.md'), '# Widget server\n\nThe widget server listens on port 8123.\n');
    const ingest = await run(ws.dir, ['ingest', 'docs'], without('pg,ioredis'));
    expect(ingest.code, ingest.stderr).toBe(0);
    const search = await run(ws.dir, ['search', 'widget port', '--json'], without('pg,ioredis'));
    expect(search.code, search.stderr).toBe(0);
    expect((JSON.parse(search.stdout) as { hits: { uri: string }[] }).hits[0]?.uri).toBe('a.md');
  });

  it('a postgres:// store without pg names the install command', async () => {
    // port 1: with the driver there, this would be a connection error instead
    const r = await run(ws.dir, ['--store', 'postgres://postgres@127.0.0.1:1/none', 'status'], without('pg'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^docgraph: the PostgreSQL store needs the `pg` driver, which is not installed$/m);
    expect(r.stderr).toMatch(/hint: run `npm install pg`/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('--redis without ioredis names the install command', async () => {
    const fresh = await freshSchema('dgoptional');
    schemas.push(fresh);
    const r = await run(ws.dir, ['--store', schemaUrl(fresh.url, fresh.schema), '--redis', TEST_REDIS_URL, 'ingest', 'docs'], without('ioredis'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^docgraph: --redis needs the ioredis driver, which is not installed/m);
    expect(r.stderr).toMatch(/npm install ioredis/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
