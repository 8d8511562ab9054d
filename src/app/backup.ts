/**
 * `docgraph backup` and `docgraph restore` over the index the configuration
 * names (`store`, else `index`). The file work is the backend's
 * (app/backend.ts, store/sqlite/backup.ts); restore then hands the jobs that
 * were running when the backup was taken back to the queue: their leases
 * belong to workers of the original index, which never work on this copy.
 */
import type { Config } from '../config/config.js';
import { backupIndex, openBackend, restoreIndex, type BackupProgress, type BackupResult, type RestoreResult } from './backend.js';

export type { BackupProgress, BackupResult };

export interface RestoreReport extends RestoreResult {
  /** Jobs of the backup that were running: now pending again (or in the DLQ, when their attempts were used up). */
  requeuedJobs: number;
  deadLetteredJobs: number;
  /** Jobs pending now: the first worker on the restored index does them. */
  pendingJobs: number;
}

function location(config: Config): string {
  return config.store ?? config.index;
}

/** Backs up the configured index to `dest`. */
export function backup(config: Config, dest: string, opts: { force?: boolean; progress?: (p: BackupProgress) => void } = {}): Promise<BackupResult> {
  return backupIndex(location(config), dest, opts);
}

/** Restores `file` as the configured index, then hands jobs that were running back to the queue. */
export async function restore(config: Config, file: string, opts: { force?: boolean } = {}): Promise<RestoreReport> {
  const where = location(config);
  const result = restoreIndex(file, where, opts);
  const backend = await openBackend({ store: where });
  try {
    const queue = backend.openQueue();
    try {
      const { reaped } = await queue.expireStale(0, true);
      const counts = await queue.counts();
      return {
        ...result,
        requeuedJobs: reaped?.requeued.length ?? 0,
        deadLetteredJobs: reaped?.dead.length ?? 0,
        pendingJobs: counts.pending,
      };
    } finally {
      await queue.close();
    }
  } finally {
    await backend.close();
  }
}
