/**
 * Throwaway PostgreSQL schemas and databases for tests (the adapters' own
 * suites and the end-to-end ones): the server at
 * DOCGRAPH_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres,
 * the one `.ci/run` starts). Unreachable is an error, never a skip: a suite
 * that cannot reach its server fails, saying how to start it.
 */
import { randomBytes } from 'node:crypto';

/** The server tests use (a database on it they may create schemas in). */
export const TEST_POSTGRES_URL = process.env.DOCGRAPH_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const START_HINT = 'start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (what .ci/run does), or point DOCGRAPH_TEST_POSTGRES at one';

/** Runs statements on the test server's admin connection (one client, closed after). */
async function admin(url: string, statements: readonly string[]): Promise<void> {
  // the driver loads lazily here too (eslint refuses a static import of it outside the adapters)
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`PostgreSQL for tests is not reachable at ${url}: ${e instanceof Error ? e.message : String(e)}; ${START_HINT}`, { cause: e });
  }
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The test server's URL naming `schema` (docgraph's `?schema=` parameter, see app/backend.ts). */
export function schemaUrl(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

/** A fresh, empty schema on the test database; `drop` removes it with all it holds. */
export async function freshSchema(prefix = 'dgtest'): Promise<{ url: string; schema: string; drop: () => Promise<void> }> {
  const schema = uniqueName(prefix);
  await admin(TEST_POSTGRES_URL, [`CREATE SCHEMA ${schema}`]);
  return { url: TEST_POSTGRES_URL, schema, drop: () => admin(TEST_POSTGRES_URL, [`DROP SCHEMA IF EXISTS ${schema} CASCADE`]) };
}

/** A fresh database on the test server (for a test that goes through postgres://host/db URLs, as a user would); `drop` removes it. */
export async function freshDatabase(prefix = 'dgtest'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = uniqueName(prefix);
  await admin(TEST_POSTGRES_URL, [`CREATE DATABASE ${name}`]);
  const u = new URL(TEST_POSTGRES_URL);
  u.pathname = '/' + name;
  return { url: u.toString(), name, drop: () => admin(TEST_POSTGRES_URL, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]) };
}
