// The import boundary of the ports is enforced by `npm run lint` (eslint.config.js,
// BACKEND_BOUNDARY): this runs the real ESLint with the repo's config on small
// sources placed in the folders the rule covers, and in those it leaves alone.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: repo });

/** The messages of the boundary rule for `code` as if it were the file at `path` (relative to the repo). */
async function boundary(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repo, path) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || (m.ruleId === 'no-restricted-syntax' && /backend factory/.test(m.message))).map((m) => m.message);
}

describe('lint: ports carry no backend', () => {
  it('refuses better-sqlite3 and its types outside the adapters and the factory', async () => {
    const code = "import type Database from 'better-sqlite3';\nexport type Db = Database.Database;\n";
    for (const path of ['src/app/app-extra.ts', 'src/ingest/x.ts', 'src/search/x.ts', 'src/cli/x.ts', 'src/mcp/x.ts', 'src/http/x.ts', 'test/x.test.ts']) {
      expect(await boundary(path, code), path).toEqual([expect.stringMatching(/SQLite stays inside src\/store\/sqlite/)]);
    }
  });

  it('refuses an adapter module, by any relative path, value or type import', async () => {
    expect(await boundary('src/app/x.ts', "import { SqliteStore } from '../store/sqlite/sqlite-store.js';\nexport const s = SqliteStore;\n")).toHaveLength(1);
    expect(await boundary('src/search/x.ts', "import type { SqliteStore } from '../store/sqlite/sqlite-store.js';\nexport type S = SqliteStore;\n")).toHaveLength(1);
    expect(await boundary('src/queue/x.ts', "import { SqliteJobQueue } from './sqlite/sqlite-queue.js';\nexport const q = SqliteJobQueue;\n")).toHaveLength(1);
    expect(await boundary('test/x.test.ts', "export { SqliteJobQueue } from '../src/queue/sqlite/sqlite-queue.js';\n")).toHaveLength(1);
    expect(await boundary('src/app/x.ts', "import { PgStore } from '../store/postgres/pg-store.js';\nexport const s = PgStore;\n")).toHaveLength(1);
    expect(await boundary('src/ingest/x.ts', "import type { PgJobQueue } from '../queue/postgres/pg-queue.js';\nexport type Q = PgJobQueue;\n")).toHaveLength(1);
    expect(await boundary('test/x.test.ts', "export const load = () => import('../src/store/postgres/pg-store.js');\n")).toHaveLength(1);
  });

  it('keeps pg types inside the PostgreSQL adapters, which load the driver itself lazily', async () => {
    for (const path of ['src/app/x.ts', 'src/search/x.ts', 'src/store/x.ts', 'test/x.test.ts']) {
      expect(await boundary(path, "import type { PoolClient } from 'pg';\nexport type C = PoolClient;\n"), path).toEqual([expect.stringMatching(/load lazily/)]);
    }
    expect(await boundary('src/store/postgres/x.ts', "import type { PoolClient } from 'pg';\nexport type C = PoolClient;\n")).toEqual([]);
    expect(await boundary('src/queue/postgres/x.ts', "import type * as Pg from 'pg';\nexport type P = Pg.Pool;\n")).toEqual([]);
    expect(await boundary('src/store/postgres/x.ts', "import pg from 'pg';\nexport const p = pg;\n")).toEqual([expect.stringMatching(/loadPg/)]);
  });

  it('keeps ioredis inside the Redis adapter, which loads it lazily, and the adapter inside the backend factory', async () => {
    for (const path of ['src/app/x.ts', 'src/search/x.ts', 'src/cache/x.ts', 'test/x.test.ts']) {
      expect(await boundary(path, "import type { Redis } from 'ioredis';\nexport type R = Redis;\n"), path).toEqual([expect.stringMatching(/load lazily/)]);
    }
    expect(await boundary('src/cache/redis/x.ts', "import type { Redis } from 'ioredis';\nexport type R = Redis;\n")).toEqual([]);
    expect(await boundary('src/cache/redis/x.ts', "import { Redis } from 'ioredis';\nexport const r = Redis;\n")).toEqual([expect.stringMatching(/RedisState.open/)]);
    expect(await boundary('src/app/x.ts', "import { RedisState } from '../cache/redis/redis-state.js';\nexport const r = RedisState;\n")).toHaveLength(1);
    expect(await boundary('src/app/backend.ts', "import { RedisState } from '../cache/redis/redis-state.js';\nexport const r = RedisState;\n")).toEqual([]);
  });

  it('refuses an adapter loaded with import(), also where another no-restricted-syntax rule applies', async () => {
    for (const path of ['src/app/x.ts', 'src/ingest/x.ts', 'src/parse/x.ts', 'test/x.test.ts']) {
      expect(await boundary(path, "export const load = () => import('../store/sqlite/sqlite-store.js');\n"), path).toEqual([expect.stringMatching(/with import\(\)/)]);
      expect(await boundary(path, "export const load = () => import('better-sqlite3');\n"), path).toHaveLength(1);
    }
    // the spread rule of parse/, extract/, ingest/ still holds beside it
    const [r] = await eslint.lintText('export const f = (xs: number[]) => Math.max(...xs);\n', { filePath: join(repo, 'src/ingest/x.ts') });
    expect(r!.messages.map((m) => m.message)).toEqual([expect.stringMatching(/spread into a call/)]);
  });

  it('refuses a static import of an optional driver, and lets it load lazily', async () => {
    expect(await boundary('src/app/x.ts', "import pg from 'pg';\nexport const p = pg;\n")).toEqual([expect.stringMatching(/load lazily/)]);
    expect(await boundary('src/app/x.ts', "import Redis from 'ioredis';\nexport const r = Redis;\n")).toEqual([expect.stringMatching(/load lazily/)]);
    expect(await boundary('src/app/x.ts', "export const load = () => import('pg');\n")).toEqual([]);
  });

  it('refuses SQL on the index tables outside the adapters and the damage helper, in strings and templates', async () => {
    for (const path of ['src/app/x.ts', 'src/search/x.ts', 'src/ingest/x.ts', 'test/x.test.ts']) {
      // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
      expect(await boundary(path, "export const q = 'SELECT id FROM sections WHERE doc_id = ?';\n"), path).toEqual([expect.stringMatching(/SQL on the index tables/)]);
      // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
      expect(await boundary(path, 'export const q = (t: string) => `DELETE FROM edges WHERE type = ${t}`;\n'), path).toHaveLength(1);
      // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
      expect(await boundary(path, "export const q = 'insert into queue_jobs (id) values (1)';\n"), path).toHaveLength(1);
    }
    // words in prose are not SQL
    expect(await boundary('src/search/x.ts', "export const s = 'the sections from the edges of the graph';\n")).toEqual([]);
    // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
    expect(await boundary('src/app/x.ts', "export const q = 'SELECT token FROM lexical_postings';\n")).toHaveLength(1);
    // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
    expect(await boundary('src/store/sqlite/x.ts', "export const q = 'SELECT id FROM sections';\n")).toEqual([]);
    // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
    expect(await boundary('src/store/postgres/x.ts', "export const q = 'SELECT id FROM sections';\n")).toEqual([]);
    // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
    expect(await boundary('src/queue/postgres/x.ts', "export const q = 'UPDATE queue_jobs SET state = 1';\n")).toEqual([]);
    // eslint-disable-next-line no-restricted-syntax -- the rule's own fixtures
    expect(await boundary('test/helpers/sqlite-index.ts', "export const q = 'UPDATE edges SET dst = 1';\n")).toEqual([]);
  });

  it('leaves the SQLite adapters and the backend factory alone', async () => {
    const code = "import Database from 'better-sqlite3';\nimport { SqliteStore } from '../store/sqlite/sqlite-store.js';\nexport const x = [Database, SqliteStore];\n";
    expect(await boundary('src/app/backend.ts', code)).toEqual([]);
    expect(await boundary('src/app/backend.ts', "export const load = () => import('../store/sqlite/sqlite-store.js');\n")).toEqual([]);
    expect(await boundary('src/store/sqlite/x.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n")).toEqual([]);
    expect(await boundary('src/queue/sqlite/x.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n")).toEqual([]);
  });
});
