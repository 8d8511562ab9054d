/**
 * `docgraph backup <file>` and `docgraph restore <file>`: each parses its
 * flags, makes one call into app/backup.ts and prints what was done.
 */
import type { Command } from 'commander';
import { backup, restore, type BackupProgress } from '../app/backup.js';
import { loadConfig, type Config } from '../config/config.js';
import { formatBytes } from '../parse/input.js';
import { jsonText } from './json.js';
import { progressBar } from './progress.js';

interface GlobalOptions {
  index?: string;
  store?: string;
  config?: string;
}

const out = (s: string): void => void process.stdout.write(s);

function configFor(cmd: Command): Config {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig({ file: g.config, overrides: { index: g.index, store: g.store } });
}

/** A page bar on stderr, only when stdout and stderr are terminals and the output is not JSON. */
function pageBar(enabled: boolean): { update: (p: BackupProgress) => void; stop: () => void } {
  if (!enabled || !process.stdout.isTTY || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = progressBar({ format: 'backup [{bar}] {percentage}% · {value}/{total} pages · ETA {eta_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update: (p) => {
      if (!started) {
        bar.start(p.totalPages, 0);
        started = true;
      }
      bar.setTotal(p.totalPages);
      bar.update(p.totalPages - p.remainingPages);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('Copy the index to a file while it is in use (SQLite online backup: one consistent snapshot, even during an ingest).')
    .argument('<file>', 'the backup file to write, e.g. backups/index-2026-01-31.db (its folder must exist)')
    .option('--force', 'replace <file> if it exists')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      `
The copy holds every write committed before the backup started and none after: documents are whole, and jobs
queued or running then are in it (\`docgraph restore\` puts the running ones back on the queue). Serve, workers
and ingests keep going while it runs. A PostgreSQL index is backed up with pg_dump (docs/operations.md).

Examples:
  $ docgraph backup backups/index-$(date +%F).db
  $ docgraph backup /mnt/backup/index.db --force --json`,
    )
    .action(async (file: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const bar = pageBar(!opts.json);
      let r;
      try {
        r = await backup(configFor(cmd), file, { force: opts.force ?? false, progress: bar.update });
      } finally {
        bar.stop();
      }
      if (opts.json) out(jsonText(r));
      else out(`backed up ${r.source} to ${r.path}: ${formatBytes(r.bytes)}, ${r.pages} pages, snapshot at ${r.snapshotAt}, in ${(r.durationMs / 1000).toFixed(1)} s\n`);
    });

  program
    .command('restore')
    .description('Put a backup in place as the index (--index / --store): checks the file, refuses while a process has the index open, replaces it atomically.')
    .argument('<file>', 'a file written by `docgraph backup`')
    .option('--force', 'replace an existing index (and ignore markers of processes on other hosts, which cannot be checked from here)')
    .option('--json', 'print what was done as JSON')
    .addHelpText(
      'after',
      `
The file must pass PRAGMA integrity_check and be a docgraph index of this version or an older one (migrated on
first open). Stop serve, workers and watchers on the target index first: restore refuses while one has it open.
Jobs that were running when the backup was taken go back on the queue; the next worker does them.

Examples:
  $ docgraph restore backups/index-2026-01-31.db --index ./restored.db
  $ docgraph restore backups/index-2026-01-31.db --force     replace ./.docgraph/index.db`,
    )
    .action(async (file: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const r = await restore(configFor(cmd), file, { force: opts.force ?? false });
      if (opts.json) {
        out(jsonText(r));
        return;
      }
      out(`restored ${r.from} to ${r.path}${r.replaced ? ' (replacing the index that was there)' : ''}: ${formatBytes(r.bytes)}, schema ${r.schemaVersion}\n`);
      if (r.requeuedJobs + r.deadLetteredJobs > 0) out(`  ${r.requeuedJobs} jobs that were running at the backup are queued again${r.deadLetteredJobs ? `, ${r.deadLetteredJobs} went to the DLQ (attempts used up)` : ''}\n`);
      if (r.pendingJobs > 0) out(`  ${r.pendingJobs} jobs are pending: run \`docgraph worker\` (or serve) on this index to finish them\n`);
    });
}
