/**
 * The backend factory: the one module of the application that knows which
 * adapters exist (DESIGN §3, "only app wires adapters"). It reads where the
 * index lives — `store`: a SQLite file path (the default) or a postgres://
 * URL; `redis`: a redis:// URL — and hands back the ports, `Store`,
 * `JobQueue` and `IndexIntegrity`, with nothing of the adapter showing.
 * Everything else in app/, ingest/, search/, cli/, mcp/ and http/ sees only
 * those ports (eslint enforces it: see eslint.config.js).
 *
 * Drivers of optional backends (pg, ioredis) are never imported statically
 * anywhere (eslint refuses it): the PostgreSQL adapters import only pg's
 * types and load the driver with `import()` when a postgres:// store is
 * opened (store/postgres/database.ts), so an embedded user never needs it.
 * The Redis adapter itself is imported only when `redis` is set.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { SharedState, SharedStateStatus } from '../cache/shared-state.js';
import { ConfigError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { JobQueue, QueueOptions } from '../queue/queue.js';
import { PgJobQueue } from '../queue/postgres/pg-queue.js';
import { SqliteJobQueue } from '../queue/sqlite/sqlite-queue.js';
import { PgKeyStore } from '../store/postgres/key-store.js';
import { PgDeliveryLog } from '../store/postgres/delivery-log.js';
import { PgStore, VECTOR_SEARCH_CHOICES, type VectorSearchChoice } from '../store/postgres/pg-store.js';
import { probePgIndex } from '../store/postgres/probe.js';
import { backupSqliteIndex, restoreSqliteIndex, type BackupProgress, type BackupResult, type RestoreResult } from '../store/sqlite/backup.js';
import { asIndexFailure } from '../store/sqlite/failures.js';
import { SqliteKeyStore } from '../store/sqlite/key-store.js';
import { SqliteDeliveryLog } from '../store/sqlite/delivery-log.js';
import { probeSqliteIndex } from '../store/sqlite/probe.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { IndexIntegrity } from '../store/integrity.js';
import type { KeyStore } from '../store/keys.js';
import type { DeliveryLog } from '../store/deliveries.js';
import type { IndexProbe } from '../store/readiness.js';
import type { Store } from '../store/store.js';

/** The kinds of store a location can name. */
export type StoreKind = 'sqlite' | 'postgres';

/** A running backend: the ports over one index and the queue beside it. */
export interface Backend {
  readonly kind: StoreKind;
  /** Where the index lives, for messages: a file path, or a server URL without its password. */
  readonly location: string;
  readonly store: Store;
  readonly integrity: IndexIntegrity;
  /** Where vector search runs: the in-memory index, or pgvector in the database (`?vectors=` on a postgres:// URL). */
  readonly vectorSearch: 'memory' | 'pgvector';
  /**
   * How this process's in-memory vectors follow other processes' writes
   * (PostgreSQL in memory mode: LISTEN/NOTIFY, from its first vector search
   * on); undefined where there is nothing to follow (SQLite, pgvector).
   */
  vectorSync?(): { generation: number; listening: boolean; notifications: number } | undefined;
  /** What replicas share beside the index (Redis), when `redis` is set. */
  readonly shared?: SharedState;
  /** Names this index in shared keys and channels: the same for every process on it. */
  readonly key: string;
  /** The API keys kept in the index (their tables are created on first use). */
  readonly keys: KeyStore;
  /** The webhook deliveries taken (replays refused across processes; tables created on first use). */
  readonly deliveries: DeliveryLog;
  /** Whether the index can be reached now (a fresh read) and is at this build's schema: for /health/ready. Never throws. */
  probe(): Promise<IndexProbe>;
  /**
   * A handle on the job queue that lives beside the index (in the same
   * database, so `commitJob` is one transaction), creating its tables on
   * first use. The caller closes it, before `close()`.
   */
  openQueue(options?: QueueOptions): JobQueue;
  /** Closes the store. Idempotent. */
  close(): Promise<void>;
}

/** Where the backend's parts live (from the configuration: `store`, falling back to `index`; `redis`). */
export interface BackendSettings {
  /** A SQLite file path (or `:memory:`), or a postgres:// URL. */
  store: string;
  redis?: string | undefined;
  /** search.termScoreCacheMiB: the SQLite index's term-score cache, fixed (default: grows with the index). */
  termScoreCacheMiB?: number | undefined;
}

/** Which adapter a store location names; CONFIG_INVALID for a URL scheme no adapter speaks. */
export function storeKind(location: string): StoreKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'sqlite';
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  throw new ConfigError(`unknown store ${redact(location)}: expected a file path (SQLite) or a postgres:// URL`, { hint: 'set --store / DOCGRAPH_STORE to a file path, e.g. ./.docgraph/index.db' });
}

export interface BackendOpenOptions {
  /** Create the index when it does not exist. */
  create?: boolean;
  /** Hears every change of the shared state's status (Redis up or down), for the log. */
  onSharedState?: (s: SharedStateStatus) => void;
}

/**
 * Opens the backend the settings name. Without `create`, an index that does
 * not exist yet (a SQLite file; a PostgreSQL schema without docgraph's
 * tables) is NOT_FOUND (nothing is created). `redis` adds the state replicas
 * share (cache/shared-state.ts); it needs a PostgreSQL store, since a SQLite
 * index lives on one machine (CONFIG_INVALID otherwise). A Redis server that
 * does not answer is not an error: the backend opens, its shared state says
 * `down`, and the client keeps reconnecting.
 */
export async function openBackend(settings: BackendSettings, opts: BackendOpenOptions = {}): Promise<Backend> {
  const kind = storeKind(settings.store);
  if (settings.redis !== undefined && kind !== 'postgres') {
    throw new ConfigError(`--redis shares state between replicas of a PostgreSQL index; this index is a SQLite file (${settings.store}), which lives on one machine`, {
      hint: 'unset --redis / DOCGRAPH_REDIS, or point --store / DOCGRAPH_STORE at a postgres:// URL',
    });
  }
  const backend = kind === 'postgres' ? await openPostgres(settings.store, opts.create ?? false) : openSqlite(settings.store, opts.create ?? false, settings.termScoreCacheMiB);
  if (settings.redis === undefined) return backend;
  let shared: SharedState;
  try {
    // the Redis adapter (and rate-limiter-flexible) load only with --redis
    const { RedisState } = await import('../cache/redis/redis-state.js');
    shared = await RedisState.open(settings.redis, redact(settings.redis), opts.onSharedState ?? (() => undefined));
  } catch (e) {
    await backend.close();
    throw e;
  }
  return {
    ...backend,
    shared,
    close: async () => {
      await shared.close();
      await backend.close();
    },
  };
}

/** An index's name in shared keys: a digest of where it lives (server, database and schema, without credentials). */
function backendKey(location: string): string {
  return createHash('sha256').update(location).digest('hex').slice(0, 16);
}

/**
 * The index and the queue in one PostgreSQL schema (`?schema=NAME` in the
 * URL, default `public`), on one pool: commitJob is one transaction. The
 * queue's tables are migrated here, once, so `openQueue` stays synchronous.
 */
async function openPostgres(location: string, create: boolean): Promise<Backend> {
  const { url, schema, vectors } = splitSchema(location);
  const store = await PgStore.open({ url, schema, create, vectors });
  try {
    await PgJobQueue.migrate(store.database);
  } catch (e) {
    await store.close();
    throw e;
  }
  const where = store.location + (schema === 'public' ? '' : ` (schema ${schema})`);
  return {
    kind: 'postgres',
    location: where,
    key: backendKey(where),
    store,
    integrity: store.integrity,
    vectorSearch: store.vectorSearchMode,
    vectorSync: () => (store.vectorSearchMode === 'memory' ? store.vectorSync : undefined),
    keys: new PgKeyStore(store.database),
    deliveries: new PgDeliveryLog(store.database),
    probe: () => probePgIndex(store.database),
    openQueue: (options = {}) => PgJobQueue.open({ ...options, db: store.database, index: store }),
    close: () => store.close(),
  };
}

/**
 * A postgres:// URL without docgraph's own parameters, and their values:
 * `schema` (default `public`) and `vectors` (auto | pgvector | memory,
 * default auto: pgvector when the database has the extension).
 */
export function splitSchema(location: string): { url: string; schema: string; vectors: VectorSearchChoice } {
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    throw new ConfigError(`the store URL ${redact(location)} is not a valid URL`, { hint: 'write it as postgres://user@host:5432/database' });
  }
  const schema = u.searchParams.get('schema') ?? 'public';
  const vectors = (u.searchParams.get('vectors') ?? 'auto') as VectorSearchChoice;
  if (!VECTOR_SEARCH_CHOICES.includes(vectors)) {
    throw new ConfigError(`the store URL's vectors=${vectors} is not a vector search mode`, {
      hint: `use ?vectors=auto (pgvector when the database has the extension), ?vectors=pgvector (required) or ?vectors=memory (the in-memory index)`,
    });
  }
  u.searchParams.delete('schema');
  u.searchParams.delete('vectors');
  return { url: u.toString(), schema, vectors };
}

function openSqlite(path: string, create: boolean, termScoreCacheMiB?: number): Backend {
  if (!create && path !== ':memory:' && !existsSync(path)) {
    throw new NotFoundError(`no index at ${path}`, { hint: 'run `docgraph ingest <folder>` first, or point --index / DOCGRAPH_INDEX at an existing index' });
  }
  const store = SqliteStore.open(path, { termScoreCacheMiB });
  return {
    kind: 'sqlite',
    location: path,
    key: backendKey(path),
    store,
    integrity: store.integrity,
    vectorSearch: 'memory',
    keys: new SqliteKeyStore(() => store.database),
    deliveries: new SqliteDeliveryLog(() => store.database),
    probe: () => Promise.resolve(probeSqliteIndex(path)),
    // the queue's tables live in the index file, on the store's connection: commitJob is one transaction
    openQueue: (options = {}) => SqliteJobQueue.open({ ...options, index: store }),
    close: () => store.close(),
  };
}

/**
 * A driver error that is about the index itself (damaged, read-only, disk
 * full, cannot be opened ...) as the docgraph error that says so; anything
 * else unchanged. Each adapter knows its driver's error codes; this asks them.
 */
export function driverFailure(e: unknown, location?: string): unknown {
  return asIndexFailure(e, location);
}

/** A location fit for messages and logs: a URL loses its password. */
export function redact(location: string): string {
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return location;
  }
}

/**
 * `docgraph backup` and `restore` copy a SQLite index file; a PostgreSQL
 * index is the server's to back up (pg_dump), which this says, with the
 * commands, as CONFIG_INVALID (exit 2).
 */
function refuseFileCopy(location: string, what: 'backup' | 'restore'): void {
  if (location === ':memory:') throw new InvalidInputError(`an in-memory index has nothing to ${what}`, { field: '--index', allowed: 'an index file' });
  if (storeKind(location) !== 'postgres') return;
  const { url, schema } = splitSchema(location);
  const server = redact(url);
  throw new ConfigError(`docgraph ${what} copies a SQLite index file; this index lives in PostgreSQL (${server}, schema ${schema}): use pg_dump and pg_restore`, {
    hint:
      what === 'backup'
        ? `pg_dump --format=custom --schema=${schema} --file=docgraph.dump '${server}' (docs/operations.md, "Backup and restore")`
        : `createdb <new database>, then pg_restore --dbname='postgres://.../<new database>' docgraph.dump (docs/operations.md, "Backup and restore")`,
  });
}

/**
 * Copies the index at `location` to the file `dest`, consistent while other
 * processes write it (store/sqlite/backup.ts). SQLite only: a PostgreSQL
 * location is CONFIG_INVALID pointing at pg_dump.
 */
export function backupIndex(location: string, dest: string, opts: { force?: boolean; progress?: (p: BackupProgress) => void } = {}): Promise<BackupResult> {
  refuseFileCopy(location, 'backup');
  return backupSqliteIndex(location, dest, opts);
}

/** Puts the backup `file` in place as the index at `location` (store/sqlite/backup.ts); PostgreSQL as `backupIndex`. */
export function restoreIndex(file: string, location: string, opts: { force?: boolean } = {}): RestoreResult {
  refuseFileCopy(location, 'restore');
  return restoreSqliteIndex(file, location, opts);
}

export type { BackupProgress, BackupResult, RestoreResult };
