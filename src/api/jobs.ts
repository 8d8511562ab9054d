/**
 * The operations on the job queue that REST serves besides the read ones:
 * jobs, the dead letter queue and the ingest trigger. They are not MCP tools
 * (MCP is read-only); the CLI's `jobs`, `dlq` and `ingest --no-wait` call the
 * same Ingestion methods. Jobs go on the wire as the CLI's `--json` prints
 * them (api/wire.ts): snake_case, times in ISO 8601.
 */
import { z } from 'zod';
import type { Ingestion } from '../app/ingestion.js';
import { DocgraphError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import { JOB_STATES, type JobState } from '../queue/queue.js';
import type { AdminSources } from './sources.js';
import { defineOperation, type OperationContext } from './operation.js';
import { toWire } from './wire.js';

/** What the queue operations need of the application. */
export type QueueApp = Pick<Ingestion, 'listJobs' | 'job' | 'deadJobs' | 'deadJob' | 'retryDead' | 'purgeDead' | 'enqueueFolder' | 'backpressure'>;

export interface QueueContext extends OperationContext {
  ingestion: QueueApp;
  /** Folders an `ingest`-scoped caller may ask to ingest: the config's `watch` folders and the sources already indexed. An admin may name any folder. */
  ingestFolders: () => Promise<readonly string[]>;
  /** The caller holds the admin scope. */
  admin: boolean;
  /** The folder's real path (App.checkSourceFolder): INVALID_INPUT when it is missing or not a folder. */
  checkFolder: (dir: string) => string;
  /** The sources of the index (POST /v1/sources ...; admin scope). */
  sources: AdminSources;
  /** False on REST: source jobs are queued for the server's worker. */
  waitForJobs: boolean;
}

const iso = z.string().describe('ISO 8601');
const jobError = z.object({ name: z.string(), message: z.string(), code: z.string().optional(), retryable: z.boolean() });

const jobSchema = z.object({
  id: z.string(),
  type: z.string(),
  source_id: z.string(),
  uri: z.string(),
  checksum: z.string(),
  payload: z.unknown(),
  dedupe_key: z.string(),
  priority: z.number(),
  generation: z.number(),
  state: z.enum(JOB_STATES as [JobState, ...JobState[]]),
  attempts: z.number(),
  max_attempts: z.number(),
  run_at: iso,
  created_at: iso,
  updated_at: iso,
  finished_at: iso.nullable(),
  superseded_by: z.string().nullable(),
  lease: z.object({ worker: z.string(), expires_at: iso }).nullable(),
  last_error: jobError.extend({ stack: z.string().optional() }).nullable(),
  dead_reason: z.enum(['permanent-error', 'max-attempts']).nullable(),
});

const jobDetailsSchema = jobSchema.extend({
  history: z.array(
    z.object({ attempt: z.number(), worker: z.string(), started_at: iso, ended_at: iso.nullable(), outcome: z.string().nullable(), error: jobError.extend({ stack: z.string().optional() }).nullable() }),
  ),
  checkpoints: z.array(z.object({ step: z.string(), payload: z.unknown(), recorded_at: iso })),
});

type WireJob = z.infer<typeof jobSchema>;
type WireJobDetails = z.infer<typeof jobDetailsSchema>;

const jobId = z.string().min(1).max(100).describe('A job id, as `docgraph jobs list` shows it.');

/** A job (or its details) in the wire vocabulary. */
function wireJob<T>(job: unknown): T {
  return toWire(job) as T;
}

export const listJobsOp = defineOperation({
  name: 'list_jobs',
  title: 'List jobs',
  description: 'Jobs of the ingest queue, newest first, optionally only those in some states (as `docgraph jobs list`).',
  input: z.strictObject({
    state: z.array(z.enum(JOB_STATES as [JobState, ...JobState[]])).max(JOB_STATES.length).optional().describe('Only jobs in these states.'),
    limit: z.number().int().min(1).max(1000).optional().describe('At most this many (default 50).'),
  }),
  output: z.object({ jobs: z.array(jobSchema) }),
  run: async (ctx: QueueContext, args) => {
    const jobs = await ctx.ingestion.listJobs({ ...(args.state ? { states: args.state } : {}), limit: args.limit ?? 50 });
    return { out: { jobs: jobs.map((j) => wireJob<WireJob>(j)) }, md: `${jobs.length} jobs` };
  },
});

export const getJobOp = defineOperation({
  name: 'get_job',
  title: 'Show a job',
  description: 'One job with its attempt history, errors and checkpoints (as `docgraph jobs show`).',
  input: z.strictObject({ id: jobId }),
  output: jobDetailsSchema,
  run: async (ctx: QueueContext, args) => {
    const job = await ctx.ingestion.job(args.id);
    if (!job) throw new NotFoundError(`no job ${args.id}`, { hint: 'list jobs with GET /v1/jobs' });
    return { out: wireJob<WireJobDetails>(job), md: `job ${job.id}: ${job.state}` };
  },
});

export const listDeadJobsOp = defineOperation({
  name: 'list_dead_jobs',
  title: 'List the dead letter queue',
  description: 'Dead jobs (failed for good, or out of attempts), most recently dead first (as `docgraph dlq list`).',
  input: z.strictObject({ limit: z.number().int().min(1).max(1000).optional().describe('At most this many (default 50).') }),
  output: z.object({ jobs: z.array(jobSchema) }),
  run: async (ctx: QueueContext, args) => {
    const jobs = await ctx.ingestion.deadJobs(args.limit ?? 50);
    return { out: { jobs: jobs.map((j) => wireJob<WireJob>(j)) }, md: `${jobs.length} dead jobs` };
  },
});

export const getDeadJobOp = defineOperation({
  name: 'get_dead_job',
  title: 'Show a dead job',
  description: 'A dead job with its last error and attempt history (as `docgraph dlq show`).',
  input: z.strictObject({ id: jobId }),
  output: jobDetailsSchema,
  run: async (ctx: QueueContext, args) => {
    const job = await ctx.ingestion.deadJob(args.id);
    if (!job) throw new NotFoundError(`no job ${args.id}`, { hint: 'list dead jobs with GET /v1/dlq' });
    return { out: wireJob<WireJobDetails>(job), md: `job ${job.id}: ${job.state}` };
  },
});

export const retryDeadJobsOp = defineOperation({
  name: 'retry_dead_jobs',
  title: 'Retry dead jobs',
  description:
    'Puts one dead job (id) or all of them (no id) back on the queue with a fresh attempt budget (as `docgraph dlq retry`). ' +
    'Jobs whose file still cannot be indexed and has not changed are kept; jobs of a document with newer content are superseded.',
  input: z.strictObject({ id: jobId.optional() }),
  output: z.object({
    requeued: z.array(z.string()),
    superseded: z.array(z.string()),
    kept: z.array(z.object({ id: z.string(), uri: z.string(), reason: z.string() })),
  }),
  run: async (ctx: QueueContext, args) => {
    const r = await ctx.ingestion.retryDead(args.id);
    if (r.notFound) throw new NotFoundError(`no dead job ${args.id ?? ''}`, { hint: 'list dead jobs with GET /v1/dlq' });
    const out = { requeued: r.requeued, superseded: r.superseded, kept: r.kept };
    return { out, md: `requeued ${out.requeued.length}` };
  },
});

export const purgeDeadJobsOp = defineOperation({
  name: 'purge_dead_jobs',
  title: 'Purge the dead letter queue',
  description: 'Deletes dead jobs, all of them or those dead at least older_than_s seconds (as `docgraph dlq purge`).',
  input: z.strictObject({ older_than_s: z.number().int().min(0).optional().describe('Only jobs dead at least this many seconds (default 0: all).') }),
  output: z.object({ deleted: z.number() }),
  run: async (ctx: QueueContext, args) => {
    const deleted = await ctx.ingestion.purgeDead((args.older_than_s ?? 0) * 1000);
    return { out: { deleted }, md: `deleted ${deleted}` };
  },
});

export const ingestFolderOp = defineOperation({
  name: 'ingest_folder',
  title: 'Ingest a folder',
  description:
    'Plans a folder on the server (a source already indexed, or a `watch` folder of the config; an admin key may name any folder) and queues a job per new, changed or vanished file; ' +
    "the server's worker runs them. Answers at once with the job ids (follow them with GET /v1/jobs/{id}). While the queue is above its high-water mark it answers 503 with Retry-After.",
  input: z.strictObject({
    path: z.string().min(1).max(4096).describe('The folder, as a path on the server.'),
  }),
  output: z.object({ source_id: z.string(), root: z.string(), job_ids: z.array(z.string()), deduplicated: z.number() }),
  run: async (ctx: QueueContext, args) => {
    const root = ctx.checkFolder(args.path);
    if (!ctx.admin) {
      const allowed = await ctx.ingestFolders();
      if (!allowed.includes(root)) {
        throw new InvalidInputError(`${args.path} is not a source of this index`, {
          field: 'path',
          allowed: allowed.length ? `one of ${allowed.join(', ')} (an admin key may name any folder)` : 'nothing yet: an admin key may name any folder',
        });
      }
    }
    if ((await ctx.ingestion.backpressure()).paused) {
      throw new DocgraphError('QUEUE_FULL', 'the job queue is above its high-water mark; retry when it has drained', { retryable: true });
    }
    const { plan, queued } = await ctx.ingestion.enqueueFolder(root);
    return { out: { source_id: plan.sourceId, root: plan.root, job_ids: queued.ids, deduplicated: queued.deduplicated }, md: `queued ${queued.ids.length} jobs` };
  },
});
