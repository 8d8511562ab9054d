import type { Job } from '../queue/queue.js';
import type { FailedFile, IngestReport } from './ingest.js';
import { DELETE_DOCUMENT, type DocumentOutcome } from './jobs.js';
import type { Plan } from './plan.js';

export interface QueuedJobs {
  /** Job ids in plan order (created or deduplicated). */
  ids: string[];
  deduplicated: number;
}

/**
 * The ingest report from the plan and how its jobs ended. `finals` maps each
 * queued job id to the job that ended its chain (itself, or the job that
 * superseded it, followed to the end); `outcomes` holds what this process's
 * handler did, by job id. A job another process did has no outcome: what it
 * did is inferred from its final state and the plan.
 */
export function buildReport(plan: Plan, queued: QueuedJobs, finals: Map<string, Job>, outcomes: Map<string, DocumentOutcome>, startedAt: number): IngestReport {
  const r: IngestReport = {
    root: plan.root,
    sourceId: plan.sourceId,
    files: plan.files,
    indexed: 0,
    unchanged: plan.unchanged,
    deleted: 0,
    sections: 0,
    embedded: plan.reembedded,
    skipped: [...plan.skipped],
    ignored: plan.ignored,
    embedder: plan.embedderId ?? 'none',
    seconds: 0,
    timings: { ...plan.timings, embedMs: 0, writeMs: 0, deleteMs: 0 },
  };
  const failed: FailedFile[] = [];
  const byUri = new Map(plan.changes.map((c) => [c.uri, c]));
  const skippedUris = new Set(r.skipped.map((s) => s.uri));
  let pending = 0;
  const seen = new Set<string>();
  for (const id of queued.ids) {
    const job = finals.get(id);
    if (!job || seen.has(job.id)) continue;
    seen.add(job.id);
    if (job.state === 'pending' || job.state === 'running') {
      pending++;
      if (job.lastError) failed.push({ uri: job.uri, jobId: job.id, state: 'pending', message: job.lastError.message });
      continue;
    }
    const outcome = outcomes.get(job.id) ?? inferred(job, byUri.get(job.uri));
    switch (outcome?.kind) {
      case 'indexed':
        r.indexed++;
        r.sections += outcome.sections;
        r.embedded += outcome.embedded;
        r.timings!.embedMs += outcome.embedMs;
        r.timings!.writeMs += outcome.writeMs;
        break;
      case 'unchanged':
        r.unchanged++;
        break;
      case 'deleted':
        if (outcome.existed) r.deleted++;
        r.timings!.deleteMs += outcome.deleteMs;
        break;
      case 'skipped':
        if (outcome.removed) r.deleted++;
        if (!skippedUris.has(outcome.uri)) {
          r.skipped.push(outcome.skip);
          skippedUris.add(outcome.uri);
        }
        break;
      default:
        break;
    }
    if (job.state === 'dead' && outcome?.kind !== 'skipped') {
      failed.push({ uri: job.uri, jobId: job.id, state: 'dead', message: job.lastError?.message ?? 'failed' });
    }
  }
  r.jobs = { queued: queued.ids.length, deduplicated: queued.deduplicated, pending, ids: queued.ids };
  if (failed.length > 0) r.failed = failed;
  r.seconds = (performance.now() - startedAt) / 1000;
  return r;
}

/** What a job finished by another process did, as far as its state and the plan tell. */
function inferred(job: Job, planned: Plan['changes'][number] | undefined): DocumentOutcome | undefined {
  if (job.state === 'completed') {
    if (job.type === DELETE_DOCUMENT) return { kind: 'deleted', uri: job.uri, existed: true, deleteMs: 0 };
    if (planned?.records && planned.checksum === job.checksum) return { kind: 'indexed', uri: job.uri, sections: planned.records.sections.length, embedded: 0, embedMs: 0, writeMs: 0 };
    return { kind: 'indexed', uri: job.uri, sections: 0, embedded: 0, embedMs: 0, writeMs: 0 };
  }
  if (job.state === 'dead' && planned?.skip && planned.checksum === job.checksum) return { kind: 'skipped', uri: job.uri, skip: planned.skip, removed: planned.replaces };
  return undefined;
}
