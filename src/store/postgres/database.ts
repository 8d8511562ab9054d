/**
 * One PostgreSQL database as the store and the queue use it: a pool of
 * connections (the `pg` driver, loaded lazily so an embedded user never
 * needs it), the schema every statement runs in, and transactions.
 *
 * Only this folder and `queue/postgres` see a `pg` type (eslint enforces it).
 */
import type * as Pg from 'pg';
import { ConfigError, DocgraphError, IndexUnavailableError } from '../../domain/errors.js';

/** What runs statements: the pool (autocommit) or one connection inside a transaction. */
export type Queryable = Pick<Pg.PoolClient, 'query'>;

export interface PgDatabaseOptions {
  /** A postgres:// URL (user, password, host, port, database; query parameters as libpq knows them). */
  url: string;
  /**
   * The schema that holds docgraph's tables (created if missing). Default
   * `public`. Several indexes can share one database in schemas of their own.
   */
  schema?: string;
  /** Create the schema when it does not exist. Default true. */
  createSchema?: boolean;
  /** Connections at most. Default 8. */
  maxConnections?: number;
  /** A statement running longer than this is cancelled, in ms. Default 120,000. */
  statementTimeoutMs?: number;
  /** Waiting for a connection at most this long, in ms. Default 10,000. */
  connectTimeoutMs?: number;
}

let driver: Promise<typeof Pg> | undefined;

/** The `pg` module, loaded on first use; CONFIG_INVALID naming the install command when it is missing. */
export function loadPg(): Promise<typeof Pg> {
  driver ??= import('pg').then(
    (m) => ((m as unknown as { default?: typeof Pg }).default ?? m) as typeof Pg,
    (e: unknown) => {
      driver = undefined;
      throw new ConfigError('the PostgreSQL store needs the `pg` driver, which is not installed', {
        hint: 'run `npm install pg` where docgraph is installed (it is an optional dependency: `npm install --omit=optional` leaves it out)',
        cause: e,
      });
    },
  );
  return driver;
}

/** A schema name as it may appear in SQL: plain identifiers only, so it needs no quoting rules of its own. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A pool on one database and schema. Numbers: `bigint` columns come back as
 * JavaScript numbers (row ids and epoch milliseconds stay far below 2^53).
 */
export class PgDatabase {
  private closed = false;

  private constructor(
    private readonly pool: Pg.Pool,
    readonly schema: string,
    /** The URL without its password, for messages. */
    readonly location: string,
    /** A connection outside the pool (LISTEN keeps one for itself). */
    private readonly newClient: () => Pg.Client,
  ) {}

  static async open(options: PgDatabaseOptions): Promise<PgDatabase> {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) throw new ConfigError(`schema "${schema}" is not a plain lower-case identifier`);
    const pg = await loadPg();
    const int8 = (v: string): number => Number(v);
    const types = {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === 20 /* int8 */ || oid === 1700 /* numeric */) return int8;
        return pg.types.getTypeParser(oid, format ?? 'text');
      }) as typeof pg.types.getTypeParser,
    };
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 8,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 120_000,
      options: `-c search_path=${schema}`,
      application_name: 'docgraph',
      types,
    });
    // an idle connection that the server drops must not crash the process; the next query reports it
    pool.on('error', () => undefined);
    const newClient = (): Pg.Client =>
      new pg.Client({ connectionString: options.url, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, application_name: 'docgraph-listen', types });
    const db = new PgDatabase(pool, schema, redactUrl(options.url), newClient);
    try {
      if (options.createSchema === false) await db.query('SELECT 1');
      else await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (e) {
      if (!(isPgError(e) && e.code === '42501')) {
        await pool.end().catch(() => undefined);
        throw connectionFailure(e, db.location);
      }
      // no right to create schemas: fine if it exists (migrations will say otherwise)
    }
    return db;
  }

  /**
   * One statement on a pooled connection (autocommit). `prepared`: a name
   * for it, so each connection parses and plans it once and then only binds
   * (for hot statements; one name, one text).
   */
  async query<R extends Pg.QueryResultRow = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], prepared?: string): Promise<R[]> {
    this.live();
    try {
      if (prepared !== undefined) return (await this.pool.query<R>({ name: prepared, text: sql, values: params as unknown[] })).rows;
      return (await this.pool.query<R>(sql, params as unknown[])).rows;
    } catch (e) {
      throw connectionFailure(e, this.location);
    }
  }

  /**
   * Runs `fn` in one transaction on one connection: COMMIT when it resolves,
   * ROLLBACK when it throws (and the error is rethrown). A serialization
   * failure or deadlock the server reports is retried (at most 5 times).
   * `relaxed`: the COMMIT does not wait for the disk (synchronous_commit off,
   * for this transaction only), sent with BEGIN in one round trip.
   */
  async tx<T>(fn: (c: Queryable) => Promise<T>, options: { relaxed?: boolean } = {}): Promise<T> {
    this.live();
    for (let attempt = 1; ; attempt++) {
      let client: Pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw connectionFailure(e, this.location);
      }
      let broken = false;
      try {
        await client.query(options.relaxed ? 'BEGIN; SET LOCAL synchronous_commit TO off' : 'BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        if (isPgError(e) && (e.code === '40001' || e.code === '40P01') && attempt < 5) continue;
        throw connectionFailure(e, this.location);
      } finally {
        client.release(broken);
      }
    }
  }

  /**
   * LISTENs on `channel` on a connection of its own (outside the pool, so
   * it takes none of its connections): `notify` gets each notification's
   * payload. When that connection
   * drops (or cannot be had), `down` is told and it is tried again every
   * `retryMs`; `up` is told each time the LISTEN is in place (notifications
   * sent while it was not were missed: the caller catches up then).
   */
  listen(channel: string, on: { notify(payload: string): void; up?(): void; down?(error: unknown): void }, retryMs = 1_000): Listener {
    this.live();
    /** Frees the current connection (once). */
    let release: (() => boolean) | undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const retry = (): void => {
      if (!stopped && !this.closed && !timer) timer = setTimeout(() => void connect(), retryMs).unref();
    };
    const connect = async (): Promise<void> => {
      timer = undefined;
      if (stopped || this.closed) return;
      let c: Pg.Client | undefined;
      let dropped = false;
      // once per connection, whichever of its error event and a failed LISTEN comes first
      const free = (): boolean => {
        if (dropped || !c) return false;
        dropped = true;
        if (release === free) release = undefined;
        c.removeAllListeners('notification');
        c.end().catch(() => undefined);
        return true;
      };
      const drop = (e: unknown): void => {
        if (!free()) return;
        on.down?.(e);
        retry();
      };
      try {
        c = this.newClient();
        c.on('error', (e) => drop(e));
        c.on('end', () => drop(new Error('the listening connection ended')));
        await c.connect();
        if (stopped) {
          free();
          return;
        }
        release = free;
        c.on('notification', (m) => {
          if (!dropped && m.channel === channel) on.notify(m.payload ?? '');
        });
        await c.query(`LISTEN ${quoteIdent(channel)}`);
        if (stopped || dropped) return;
        on.up?.();
      } catch (e) {
        if (c) drop(e);
        else {
          on.down?.(e);
          retry();
        }
      }
    };
    void connect();
    return {
      close: async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        release?.();
      },
    };
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private live(): void {
    if (this.closed) throw new DocgraphError('STORE_FAILED', `the PostgreSQL connection to ${this.location} is closed`);
  }
}

/** A LISTEN kept open by `PgDatabase.listen`. */
export interface Listener {
  /** Stops listening and drops its connection. Idempotent. */
  close(): Promise<void>;
}

/** A PostgreSQL identifier, quoted. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A server error (it has a SQLSTATE code). */
export function isPgError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((e as unknown as { code: string }).code);
}

/**
 * Failures about reaching or using the database as docgraph errors
 * (INDEX_UNAVAILABLE); anything else unchanged. Branches on SQLSTATE classes
 * and Node's socket error codes, never on message text.
 */
export function connectionFailure(e: unknown, location: string): unknown {
  if (e instanceof DocgraphError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return e;
  const opts = { cause: e, path: location, hint: 'check that PostgreSQL is running and reachable at that URL, that the database exists and that this user may use it; queued jobs are kept' };
  if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code) || code.startsWith('08') || code === '57P01' || code === '57P03') {
    // a dropped or refused connection is usually brief (a restart, a failover, a network blip): a job that met it is
    // retried later instead of dead-lettered, and a worker that keeps meeting it stops (fatalIndexFailure)
    return new IndexUnavailableError('cannot-open', `cannot reach PostgreSQL at ${location}: ${(e as Error).message} (${code})`, { ...opts, retryable: true });
  }
  if (code === '3D000') return new IndexUnavailableError('cannot-open', `no database at ${location} (${code}): create it first`, opts);
  if (code === '53100') return new IndexUnavailableError('disk-full', `PostgreSQL at ${location} is out of disk space (${code})`, opts);
  if (code === '25006') return new IndexUnavailableError('read-only', `PostgreSQL at ${location} is read-only (${code})`, opts);
  if (code === '28000' || code === '28P01' || code === '42501') return new IndexUnavailableError('permission', `PostgreSQL at ${location} refused: ${(e as Error).message} (${code})`, opts);
  return e;
}

/** The URL fit for messages: no password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * Applies numbered, append-only migrations of one component (`store`,
 * `queue`) under a transaction-scoped advisory lock on the schema, so
 * processes that open a new database at once migrate it once: the second
 * waits for the lock, then finds the version already there. Refuses a
 * schema newer than this build.
 */
export async function migrate(db: PgDatabase, component: string, migrations: readonly { version: number; name: string; sql: string }[]): Promise<void> {
  const latest = migrations[migrations.length - 1]!.version;
  await db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`docgraph-migrate:${db.schema}`]);
    await c.query('CREATE TABLE IF NOT EXISTS docgraph_schema (component text PRIMARY KEY, version integer NOT NULL)');
    const row = (await c.query<{ version: number }>('SELECT version FROM docgraph_schema WHERE component = $1', [component])).rows[0];
    const current = row?.version ?? 0;
    if (current > latest) {
      throw new DocgraphError('STORE_FAILED', `the ${component} schema was written by a newer docgraph (version ${current}, this build knows ${latest}); upgrade docgraph`);
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await c.query(m.sql);
    }
    if (current < latest) {
      await c.query(
        'INSERT INTO docgraph_schema (component, version) VALUES ($1, $2) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
        [component, latest],
      );
    }
  });
}
