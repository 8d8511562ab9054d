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
  await adminQuery(url, statements);
}

/** A connected admin client on `url`; the caller ends it. */
export async function adminClient(url: string): Promise<{ query: (sql: string) => Promise<{ rows: unknown[] }>; end: () => Promise<void> }> {
  // the driver loads lazily here too (eslint refuses a static import of it outside the adapters)
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`PostgreSQL for tests is not reachable at ${url}: ${e instanceof Error ? e.message : String(e)}; ${START_HINT}`, { cause: e });
  }
  return client;
}

/** Runs statements on an admin connection to `url` (one client, closed after); returns the rows of the last. */
export async function adminQuery<R = Record<string, unknown>>(url: string, statements: readonly string[]): Promise<R[]> {
  const client = await adminClient(url);
  try {
    let rows: R[] = [];
    for (const sql of statements) rows = (await client.query(sql)).rows as R[];
    return rows;
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

/**
 * Statements that count, from now on, the UPDATEs of entity rows in a docgraph
 * schema (a trigger), and the query that reads the count (column n): how the
 * Store contract sees which writes re-merge an entity.
 */
export function entityRewriteCounter(schema: string): { install: string[]; read: string } {
  return {
    install: [
      `CREATE TABLE ${schema}.test_entity_rewrites (n integer NOT NULL)`,
      `INSERT INTO ${schema}.test_entity_rewrites VALUES (0)`,
      `CREATE FUNCTION ${schema}.test_count_entity_rewrites() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN UPDATE ${schema}.test_entity_rewrites SET n = n + 1; RETURN NULL; END $$`,
      `CREATE TRIGGER test_count_entity_rewrites AFTER UPDATE ON ${schema}.entities FOR EACH ROW EXECUTE FUNCTION ${schema}.test_count_entity_rewrites()`,
    ],
    read: `SELECT n FROM ${schema}.test_entity_rewrites`,
  };
}
