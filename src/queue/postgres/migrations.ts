/**
 * The PostgreSQL queue's numbered, append-only migrations (SQL only, frozen
 * once shipped: migrations.test.ts pins each one). The tables live in the
 * index's schema, beside the store's, so a document write and its job's
 * completion are one transaction. Applied under the schema's advisory lock
 * (store/postgres/database.ts, `migrate`), recorded as component `queue`.
 *
 * Unlike SQLite there are no per-state counter rows kept by triggers: on
 * PostgreSQL every claim would update the same two rows and serialise the
 * claimers that SKIP LOCKED lets run side by side; depth is counted from the
 * partial indexes instead.
 */
export const PG_QUEUE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'jobs, attempts, checkpoints, workers, counters',
    sql: `
      CREATE TABLE queue_jobs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type text COLLATE "C" NOT NULL,
        source_id text COLLATE "C" NOT NULL,
        uri text COLLATE "C" NOT NULL,
        checksum text NOT NULL,
        dedupe_key text NOT NULL,
        payload text NOT NULL,
        priority integer NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'running', 'completed', 'dead', 'superseded')),
        run_at bigint NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        lease_token text,
        lease_worker text COLLATE "C",
        lease_ms bigint,
        lease_expires_at bigint,
        lease_started_at bigint,
        superseded_by bigint,
        last_error text,
        dead_reason text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        finished_at bigint
      );
      CREATE INDEX queue_jobs_ready ON queue_jobs (priority DESC, run_at, id) WHERE state = 'pending';
      CREATE INDEX queue_jobs_subject ON queue_jobs (source_id, uri);
      CREATE INDEX queue_jobs_running ON queue_jobs (lease_expires_at) WHERE state = 'running';
      CREATE INDEX queue_jobs_dead ON queue_jobs (finished_at) WHERE state = 'dead';
      CREATE INDEX queue_jobs_finished ON queue_jobs (finished_at) WHERE state IN ('completed', 'superseded');

      CREATE TABLE queue_attempts (
        job_id bigint NOT NULL,
        n integer NOT NULL,
        attempt integer NOT NULL,
        worker text NOT NULL,
        started_at bigint NOT NULL,
        ended_at bigint NOT NULL,
        outcome text NOT NULL,
        error text,
        PRIMARY KEY (job_id, n)
      );

      CREATE TABLE queue_checkpoints (
        job_id bigint NOT NULL,
        step text NOT NULL,
        seq integer NOT NULL,
        payload text NOT NULL,
        recorded_at bigint NOT NULL,
        PRIMARY KEY (job_id, step)
      );
      CREATE INDEX queue_checkpoints_age ON queue_checkpoints (recorded_at);

      CREATE TABLE queue_workers (
        worker text COLLATE "C" PRIMARY KEY,
        last_seen_at bigint NOT NULL
      );

      CREATE TABLE queue_counters (
        name text PRIMARY KEY,
        value bigint NOT NULL
      );
      INSERT INTO queue_counters (name, value) VALUES ('dlq_dropped_size', 0), ('dlq_dropped_retention', 0);
    `,
  },
];
