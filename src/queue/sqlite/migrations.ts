import type Database from 'better-sqlite3';

/**
 * The queue's own numbered, append-only migrations. Never edit one that has
 * shipped: add a new one. The queue may share a file with the store, which
 * owns `PRAGMA user_version`; so every queue table is named `queue_*` and the
 * queue's schema version lives in `queue_meta` under `schema_version`.
 */
export const QUEUE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'jobs, attempts, checkpoints, workers, counters',
    sql: `
      CREATE TABLE queue_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        source_id TEXT NOT NULL,
        uri TEXT NOT NULL,
        checksum TEXT NOT NULL,
        dedupe_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        priority INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'completed', 'dead', 'superseded')),
        run_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        lease_token TEXT,
        lease_worker TEXT,
        lease_ms INTEGER,
        lease_expires_at INTEGER,
        lease_started_at INTEGER,
        superseded_by INTEGER,
        last_error TEXT,
        dead_reason TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      -- Partial indexes keyed off the state, so a state change rewrites as few
      -- index pages as possible (each commit's cost is the pages it writes).
      -- claim: ready jobs in priority order
      CREATE INDEX queue_jobs_ready ON queue_jobs(priority DESC, run_at, id) WHERE state = 'pending';
      -- one running job per subject; the newest job of a subject (few rows per subject)
      CREATE INDEX queue_jobs_subject ON queue_jobs(source_id, uri);
      -- the reaper and stale-lease stats
      CREATE INDEX queue_jobs_lease ON queue_jobs(lease_expires_at) WHERE state = 'running';
      -- DLQ listing, retention and size cap (completed jobs are cleaned up in id order instead)
      CREATE INDEX queue_jobs_dead ON queue_jobs(finished_at) WHERE state = 'dead';

      -- Finished attempts; the running one is read from the job row (one page less per claim).
      CREATE TABLE queue_attempts (
        job_id INTEGER NOT NULL,
        n INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        worker TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        PRIMARY KEY (job_id, n)
      ) WITHOUT ROWID;

      CREATE TABLE queue_checkpoints (
        job_id INTEGER NOT NULL,
        step TEXT NOT NULL,
        seq INTEGER NOT NULL,
        payload TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, step)
      );
      CREATE INDEX queue_checkpoints_age ON queue_checkpoints(recorded_at);

      CREATE TABLE queue_workers (
        worker TEXT PRIMARY KEY,
        last_seen_at INTEGER NOT NULL
      );

      -- Monotonic counters for operators (DLQ drops).
      CREATE TABLE queue_counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      );
      INSERT INTO queue_counters (name, value) VALUES ('dlq_dropped_size', 0), ('dlq_dropped_retention', 0);

      -- Jobs per state, kept exact by triggers so depth checks and backpressure are O(1).
      CREATE TABLE queue_state_counts (
        state TEXT PRIMARY KEY,
        n INTEGER NOT NULL
      );
      INSERT INTO queue_state_counts (state, n) VALUES ('pending', 0), ('running', 0), ('completed', 0), ('dead', 0), ('superseded', 0);
      CREATE TRIGGER queue_jobs_count_insert AFTER INSERT ON queue_jobs BEGIN
        UPDATE queue_state_counts SET n = n + 1 WHERE state = NEW.state;
      END;
      CREATE TRIGGER queue_jobs_count_delete AFTER DELETE ON queue_jobs BEGIN
        UPDATE queue_state_counts SET n = n - 1 WHERE state = OLD.state;
      END;
      CREATE TRIGGER queue_jobs_count_update AFTER UPDATE OF state ON queue_jobs WHEN OLD.state <> NEW.state BEGIN
        UPDATE queue_state_counts SET n = n - 1 WHERE state = OLD.state;
        UPDATE queue_state_counts SET n = n + 1 WHERE state = NEW.state;
      END;
    `,
  },
];

/** The newest queue schema this build knows. */
export const QUEUE_SCHEMA_VERSION = QUEUE_MIGRATIONS[QUEUE_MIGRATIONS.length - 1]!.version;

/** The queue schema version recorded in the file (0 when the queue was never set up there). */
export function queueSchemaVersion(db: Database.Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue_meta'").get();
  if (!exists) return 0;
  const v = db.prepare("SELECT value FROM queue_meta WHERE key = 'schema_version'").pluck().get() as string | undefined;
  return v === undefined ? 0 : Number(v);
}

/**
 * Brings the queue tables to the newest schema in one immediate transaction
 * (so processes opening the same file at once migrate it once); refuses a
 * file whose queue schema is newer than this build.
 */
export function migrateQueue(db: Database.Database): void {
  const check = (current: number): void => {
    if (current > QUEUE_SCHEMA_VERSION) {
      throw new Error(`the job queue was written by a newer docgraph (queue schema ${current}, this build knows ${QUEUE_SCHEMA_VERSION}); upgrade docgraph`);
    }
  };
  const current = queueSchemaVersion(db);
  check(current);
  if (current === QUEUE_SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const now = queueSchemaVersion(db);
    check(now);
    db.exec('CREATE TABLE IF NOT EXISTS queue_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const setVersion = db.prepare("INSERT INTO queue_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    for (const m of QUEUE_MIGRATIONS) {
      if (m.version <= now) continue;
      db.exec(m.sql);
      setVersion.run(String(m.version));
    }
  }).immediate();
}
