/**
 * Commands of the ingestion service: ingest, worker, watch, jobs, dlq,
 * status, verify. Each parses flags, makes one call into the app, prints.
 */
import { hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { App } from '../app/app.js';
import type { BackpressureEvent, QueueStatus } from '../app/ingestion.js';
import type { VerifyReport } from '../app/verify.js';
import { loadConfig, type Config } from '../config/config.js';
import { InvalidInputError, isUnindexable, NotFoundError } from '../domain/errors.js';
import type { IngestReport } from '../ingest/ingest.js';
import { createLogger } from '../observability/logger.js';
import { startTracing, tracingWanted } from '../observability/tracing.js';
import { formatBytes } from '../parse/input.js';
import { JOB_STATES, type Job, type JobDetails, type JobState } from '../queue/queue.js';
import type { WorkerEvent } from '../queue/worker.js';
import { jsonText } from './json.js';
import { EXIT } from './errors.js';
import { ingestProgress } from './progress.js';

interface GlobalOptions {
  index?: string;
  store?: string;
  redis?: string;
  config?: string;
  allowDownload?: boolean;
}

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

function configFor(cmd: Command, extra: { concurrency?: number } = {}): Config {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig({ file: g.config, overrides: { index: g.index, store: g.store, redis: g.redis, allowDownload: g.allowDownload, ...extra } });
}

async function withApp<T>(cmd: Command, create: boolean, fn: (app: App) => Promise<T>, extra: { concurrency?: number } = {}): Promise<T> {
  // ingest jobs are traced when OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK loads only then)
  const tracing = tracingWanted() ? await startTracing((await import('../mcp/server.js')).VERSION) : undefined;
  try {
    const app = await App.open(configFor(cmd, extra), { create });
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  } finally {
    await tracing?.shutdown();
  }
}

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration such as 500ms, 30s, 10m, 2h, 7d. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a duration such as 30s, 10m, 2h or 7d');
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

function age(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/**
 * Stops on SIGTERM/SIGINT: the first signal aborts `signal` (graceful: stop
 * claiming, let jobs in flight finish within the grace period); a second one
 * exits at once (leases make that safe: the jobs go back when they expire).
 */
export function stopOnSignals(what: string, graceMs: number): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!ac.signal.aborted) {
      err(`docgraph: ${what} stopping on ${sig}: no new jobs; jobs in flight get up to ${age(graceMs)} (signal again to exit at once)\n`);
      ac.abort();
      return;
    }
    err(`docgraph: ${what} exiting at once on a second ${sig}; jobs still leased go back to the queue when their leases expire\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function backpressureNote(e: BackpressureEvent): void {
  const s = e.state;
  if (e.type === 'paused') err(`docgraph: the queue holds ${s.depth} jobs (high-water mark ${s.highWater}): waiting for workers to bring it down to ${s.lowWater}\n`);
  else err(`docgraph: the queue is down to ${s.depth} jobs: queuing again\n`);
}

/** "1 job", "2 jobs". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

async function confirm(question: string, yes: boolean | undefined, flag: string): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new InvalidInputError(`refusing to ${question} without confirmation`, { field: '--yes', allowed: `${flag} to confirm (or --dry-run to look first)` });
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question}? [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** Registers ingest, worker, watch, jobs, dlq, status and verify. */
export function registerIngestionCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('ingest')
    .description('Index a folder of .md/.html/.pdf/.docx files. Unchanged files are skipped, changed ones replaced, deleted ones removed.')
    .argument('<dir>', 'folder to index (searched recursively; .git, node_modules and hidden folders are skipped)')
    .option('--json', 'print the report as JSON')
    .option('--no-wait', 'queue the jobs and return at once, printing their ids (a `docgraph worker` or `serve` does them)')
    .option('--follow-symlinks-outside', 'index files that symlinks point to outside <dir> (default: skipped as outside-root; FIFOs, devices, /proc and /sys are never read)')
    .addHelpText(
      'after',
      '\nEach new, changed or vanished file becomes a job on the queue in the index. By default ingest waits for its jobs, doing them in this process (with any other workers), with a progress bar on a terminal.\nBad files (binary, not UTF-8, too large, empty, symlinks out of the folder, FIFOs ...) are skipped with a reason; the exit code is non-zero only if nothing could be indexed, or a job failed.',
    )
    .action(async (dir: string, opts: { json?: boolean; wait: boolean; followSymlinksOutside?: boolean }, cmd: Command) => {
      App.checkSourceFolder(dir); // nothing is created for a folder that is not there
      await withApp(cmd, true, async (app) => {
        const bar = ingestProgress(!opts.json && opts.wait);
        const stop = opts.wait ? stopOnSignals('ingest', app.config.worker.graceMs) : undefined;
        let report: IngestReport;
        try {
          report = await app.ingest(dir, bar.update, {
            wait: opts.wait,
            // worker errors (a job failing, the index not writable) go to stderr
            log: createLogger(app.config.logLevel, undefined, { secrets: [app.config.server.apiKey, app.config.embedder.apiKey] }),
            onBackpressure: backpressureNote,
            ...(opts.followSymlinksOutside ? { followOutside: true } : {}),
            ...(stop ? { signal: stop.signal } : {}),
          });
        } finally {
          bar.stop();
          stop?.dispose();
        }
        if (opts.json) out(jsonText(report));
        else printIngest(report, opts.wait);
        const pending = report.jobs?.pending ?? 0;
        const nothing = report.files === 0 || (report.indexed === 0 && report.unchanged === 0 && pending === 0);
        if (nothing) {
          if (!opts.json) err(report.files === 0 ? `docgraph: no .md or .html files found in ${report.root}\n` : 'docgraph: nothing could be indexed (see the reasons above)\n');
          setExit(EXIT.failure);
        } else if (report.failed?.some((f) => f.state === 'dead')) {
          setExit(EXIT.failure);
        } else if (opts.wait && pending > 0) {
          err(`docgraph: interrupted; ${pending} jobs are still queued and a worker will finish them (docgraph worker)\n`);
          setExit(EXIT.failure);
        }
      });
    });

  program
    .command('worker')
    .description('Do queued jobs (ingest, deletions, repairs) until stopped. Stops gracefully on SIGTERM/SIGINT; a second signal exits at once.')
    .option('-c, --concurrency <n>', 'jobs at once (default: worker.concurrency, 1)', intArg('--concurrency', 1, 64))
    .option('--exit-when-idle', 'exit 0 once the queue is empty (for batch use and scripts)')
    .action(async (opts: { concurrency?: number; exitWhenIdle?: boolean }, cmd: Command) => {
      // a worker never creates an index: jobs only exist in one that `ingest` made
      await withApp(
        cmd,
        false,
        async (app) => {
          const c = app.config;
          const log = createLogger(c.logLevel, undefined, { secrets: [c.server.apiKey, c.embedder.apiKey] });
          const stop = stopOnSignals('worker', c.worker.graceMs);
          try {
            const worker = workerId();
            err(`docgraph: worker ${worker} started on ${app.location} (concurrency ${c.worker.concurrency}${opts.exitWhenIdle ? ', exits when idle' : ''})\n`);
            let skipped = 0;
            const onEvent = (e: WorkerEvent): void => {
              // a file that cannot be indexed is reported as ingest reports it: skipped, one line, its reason
              if (e.type === 'failed' && isUnindexable(e.error)) {
                skipped++;
                err(`  skipped ${e.error.message}\n`);
              }
            };
            const s = await app.ingestion.runWorker({ worker, exitWhenIdle: opts.exitWhenIdle ?? false, signal: stop.signal, log, onEvent });
            err(`docgraph: worker stopped: ${s.completed} completed, ${skipped} skipped, ${s.failed - skipped} failed, ${s.released} handed back, ${s.leaseLost} leases lost\n`);
          } finally {
            stop.dispose();
          }
        },
        opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {},
      );
    });

  program
    .command('watch')
    .description('Keep folders indexed as files are created, changed, renamed or deleted (default: the `watch` list of the config). Runs a worker too.')
    .argument('[dirs...]', 'folders to watch')
    .option('--no-worker', 'only queue the changes (another process runs `docgraph worker` or `serve`)')
    .option('--follow-symlinks-outside', 'index files that symlinks point to outside the folders (default: skipped as outside-root)')
    .action(async (dirs: string[], opts: { worker: boolean; followSymlinksOutside?: boolean }, cmd: Command) => {
      for (const d of dirs) App.checkSourceFolder(d);
      await withApp(cmd, true, async (app) => {
        const c = app.config;
        const roots = dirs.length > 0 ? dirs : c.watch;
        if (roots.length === 0) throw new InvalidInputError('nothing to watch', { field: 'dirs', allowed: 'one or more folders, or a `watch:` list in the config' });
        const log = createLogger(c.logLevel, undefined, { secrets: [c.server.apiKey, c.embedder.apiKey] });
        const stop = stopOnSignals('watch', c.worker.graceMs);
        const watches = [];
        try {
          for (const dir of roots) {
            watches.push(
              await app.ingestion.watch(dir, {
                log,
                onBackpressure: backpressureNote,
                ...(opts.followSymlinksOutside ? { followOutside: true } : {}),
                onBatch: ({ uris, queued }) => {
                  if (queued.ids.length > 0) err(`docgraph: queued ${queued.ids.length - queued.deduplicated} jobs for ${uris.length > 0 ? `${uris.length} changed files` : 'changes since the last run'} in ${dir}\n`);
                },
              }),
            );
            err(`docgraph: watching ${dir}\n`);
          }
          if (opts.worker) await app.ingestion.runWorker({ signal: stop.signal, log });
          else await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
        } finally {
          for (const w of watches) await w.close();
          stop.dispose();
        }
      });
    });

  const jobs = program.command('jobs').description('Look at and clean up the job queue.');
  jobs
    .command('list')
    .description('Jobs, newest first.')
    .addOption(new Option('--state <state...>', 'only jobs in these states').choices([...JOB_STATES]))
    .option('-n, --limit <n>', 'at most this many', intArg('--limit', 1, 10_000), 50)
    .option('--json', 'print as JSON')
    .action(async (opts: { state?: JobState[]; limit: number; json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const list = await app.ingestion.listJobs({ ...(opts.state ? { states: opts.state } : {}), limit: opts.limit });
        if (opts.json) out(jsonText(list));
        else printJobs(list);
      });
    });
  jobs
    .command('show')
    .description('One job with its attempt history, errors and checkpoints.')
    .argument('<id>', 'job id')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const job = await app.ingestion.job(id);
        if (!job) throw new NotFoundError(`no job ${id}`, { hint: 'list jobs with `docgraph jobs list`' });
        if (opts.json) out(jsonText(job));
        else printJob(job);
      });
    });
  jobs
    .command('clean')
    .description('Stale leases (expired, or held longer than --older-than): back to the queue, or to the DLQ when their attempts are used up.')
    .option('--older-than <duration>', 'a lease held this long is stale even if its worker still beats (e.g. 30s, 10m, 2h; default 10m)', parseDuration)
    .option('--dry-run', 'only list them')
    .option('--yes', 'do not ask')
    .action(async (opts: { olderThan?: number; dryRun?: boolean; yes?: boolean }, cmd: Command) => {
      const olderThan = opts.olderThan ?? 600_000;
      await withApp(cmd, false, async (app) => {
        const { stale } = await app.ingestion.cleanStale(olderThan, false);
        if (stale.length === 0) {
          out('no stale leases\n');
          return;
        }
        printJobs(stale);
        if (opts.dryRun || !(await confirm(`requeue or dead-letter these ${stale.length} jobs`, opts.yes, '--yes'))) return;
        const { reaped } = await app.ingestion.cleanStale(olderThan, true);
        out(`requeued ${reaped!.requeued.length}, dead-lettered ${reaped!.dead.length}, superseded ${reaped!.superseded.length}\n`);
      });
    });

  const dlq = program.command('dlq').description('The dead letter queue: jobs that failed for good or used up their attempts.');
  dlq
    .command('list')
    .description('Dead jobs, most recent first.')
    .option('-n, --limit <n>', 'at most this many', intArg('--limit', 1, 1_000), 50)
    .option('--json', 'print as JSON')
    .action(async (opts: { limit: number; json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const list = await app.ingestion.deadJobs(opts.limit);
        if (opts.json) out(jsonText(list));
        else if (list.length === 0) out('the dead letter queue is empty\n');
        else printJobs(list);
      });
    });
  dlq
    .command('show')
    .description('A dead job with its last error, stack and attempt history.')
    .argument('<id>', 'job id')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const job = await app.ingestion.deadJob(id);
        if (!job) throw new NotFoundError(`no job ${id}`, { hint: 'list dead jobs with `docgraph dlq list`' });
        if (opts.json) out(jsonText(job));
        else printJob(job);
      });
    });
  dlq
    .command('retry')
    .description('Put dead jobs back on the queue with a fresh attempt budget (once the cause is fixed).')
    .argument('[id]', 'job id')
    .option('--all', 'every dead job')
    .action(async (id: string | undefined, opts: { all?: boolean }, cmd: Command) => {
      if (!id && !opts.all) throw new InvalidInputError('name a job id or pass --all', { field: 'id', allowed: 'a dead job id (docgraph dlq list), or --all' });
      await withApp(cmd, false, async (app) => {
        const r = await app.ingestion.retryDead(opts.all ? undefined : id);
        if (r.notFound) throw new NotFoundError(`no dead job ${id}`, { hint: 'list dead jobs with `docgraph dlq list`' });
        if (!opts.all && r.requeued.length === 1) out(`requeued job ${id}\n`);
        else if (!opts.all && r.superseded.length === 1) out(`job ${id} was superseded by newer content of the same document; not retried\n`);
        else if (opts.all) out(`requeued ${plural(r.requeued.length, 'job')}${r.superseded.length ? `; ${r.superseded.length} superseded by newer content of the same document, not retried` : ''}\n`);
        for (const k of r.kept) out(`  kept ${k.uri} (job ${k.id}): it still cannot be indexed and has not changed: ${k.reason}\n`);
        if (r.kept.length > 0) out('  (change the file and `docgraph ingest` or `watch` queues it again)\n');
      });
    });
  dlq
    .command('purge')
    .description('Delete dead jobs.')
    .option('--older-than <duration>', 'only those dead at least this long (e.g. 7d; default: all)', parseDuration)
    .option('--yes', 'do not ask')
    .action(async (opts: { olderThan?: number; yes?: boolean }, cmd: Command) => {
      const olderThan = opts.olderThan ?? 0;
      await withApp(cmd, false, async (app) => {
        const size = await app.ingestion.deadCount();
        if (size === 0) {
          out('the dead letter queue is empty\n');
          return;
        }
        const what = olderThan > 0 ? `dead jobs older than ${age(olderThan)}` : `all ${size} dead jobs`;
        if (!(await confirm(`delete ${what}`, opts.yes, '--yes'))) return;
        out(`deleted ${plural(await app.ingestion.purgeDead(olderThan), 'dead job')}\n`);
      });
    });

  program
    .command('status')
    .description('Show what is indexed (documents, sections, vectors, embedder, size) and the job queue (depth, age, stale leases, workers, backpressure).')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const s = await app.status({ probeEmbedder: true });
        const queue = await app.ingestion.status();
        if (opts.json) {
          out(jsonText({ ...s, queue }));
          return;
        }
        out(
          [
            `index      ${s.index} (${formatBytes(s.bytes)})`,
            `sources    ${s.sources}`,
            `documents  ${s.documents}`,
            `sections   ${s.sections} (${s.vectors} with vectors)`,
            `graph      ${s.entities} entities, ${s.edges} edges`,
            `embedder   ${s.embedder ? `${s.embedder.id} (${s.embedder.dimensions} dims)` : 'none yet'}; configured: ${s.configuredProvider}`,
            `vectors    searched ${s.vectorSearch === 'pgvector' ? 'in PostgreSQL (pgvector)' : 'in memory'}`,
            `last ingest ${s.lastIndexedAt ?? 'never'}`,
            ...(s.embedderProbe ? [`embedder check ${s.embedderProbe.ok ? 'ok: a query embedding went through' : `failed: ${s.embedderProbe.error ?? ''}`}`] : []),
            ...(s.embedderBreaker ? [`breaker    ${s.embedderBreaker.state.replace('_', '-')} since ${s.embedderBreaker.since}${s.embedderBreaker.retry_at ? `, next test call at ${s.embedderBreaker.retry_at}` : ''}${s.embedderBreaker.last_error ? ` (${s.embedderBreaker.last_error})` : ''}`] : []),
            ...(s.redis ? [`redis      ${s.redis.status} since ${s.redis.since} (${s.redis.location})${s.redis.error ? `: ${s.redis.error}` : ''}`] : []),
            ...queueLines(queue),
          ].join('\n') + '\n',
        );
      });
    });

  program
    .command('verify')
    .description('Check the index against the files and itself: every section has its lexical and vector rows, no orphan edges or entities, checksums match the files. Prints the drift.')
    .option('--repair', 're-queue what drifted (and wait for it, unless --no-wait), drop rows nothing owns')
    .option('--no-wait', 'with --repair: queue the repairs and return')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExit code 0 when there is no drift (after the repair, with --repair), 1 otherwise.')
    .action(async (opts: { repair?: boolean; wait: boolean; json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        let report = await app.ingestion.verify({ repair: opts.repair ?? false });
        let after: VerifyReport | undefined;
        if (report.repair && opts.wait) {
          const stop = stopOnSignals('verify', app.config.worker.graceMs);
          try {
            await app.ingestion.drain(report.repair.jobs, { signal: stop.signal });
          } finally {
            stop.dispose();
          }
          after = await app.ingestion.verify();
        }
        if (opts.json) out(jsonText(after ? { ...report, after } : report));
        else {
          printVerify(report);
          if (after) {
            out('after the repair:\n');
            printVerify(after);
          }
        }
        report = after ?? report;
        if (report.wrong > 0) setExit(EXIT.failure);
      });
    });
}

function workerId(): string {
  return `${hostname()}:${process.pid}`;
}

export function printIngest(r: IngestReport, waited: boolean): void {
  if (!waited) {
    const j = r.jobs!;
    out(`${plural(r.files, 'file')}: ${r.unchanged} unchanged, ${r.skipped.length} skipped; queued ${plural(j.queued - j.deduplicated, 'job')} (${j.deduplicated} already queued or done)\n`);
    if (j.ids.length > 0) out(`job ids: ${j.ids.join(' ')}\n`);
    for (const s of r.skipped) err(`  skipped ${s.uri}: ${s.message}\n`);
    return;
  }
  const reasons = new Map<string, number>();
  for (const s of r.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  const skipped = r.skipped.length === 0 ? '0 skipped' : `${r.skipped.length} skipped (${[...reasons].map(([k, v]) => `${v} ${k}`).join(', ')})`;
  out(
    `${plural(r.files, 'file')}: ${r.indexed} indexed, ${r.unchanged} unchanged, ${r.deleted} deleted, ${skipped}; ` +
      `${plural(r.sections, 'section')} (${r.embedded} embedded) in ${r.seconds.toFixed(1)} s\n`,
  );
  for (const s of r.skipped) err(`  skipped ${s.uri}: ${s.message}\n`);
  for (const f of r.failed ?? []) err(`  failed ${f.uri} (job ${f.jobId}, ${f.state === 'dead' ? 'in the DLQ' : 'will retry'}): ${f.message}\n`);
}

function printJobs(list: readonly Job[]): void {
  const now = Date.now();
  const rows = list.map((j) => [j.id, j.state, j.type, String(j.attempts) + '/' + String(j.maxAttempts), age(now - j.createdAt), j.uri, j.lastError ? j.lastError.message.slice(0, 80) : '']);
  const head = ['id', 'state', 'type', 'tries', 'age', 'uri', 'last error'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n');
}

function printJob(j: JobDetails): void {
  const t = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
  out(
    [
      `job        ${j.id} (${j.type})`,
      `document   ${j.uri} (source ${j.sourceId})`,
      `state      ${j.state}${j.deadReason ? ` (${j.deadReason})` : ''}${j.supersededBy ? `, superseded by job ${j.supersededBy}` : ''}`,
      `attempts   ${j.attempts} of ${j.maxAttempts}`,
      `checksum   ${j.checksum}`,
      `created    ${t(j.createdAt)}; run at ${t(j.runAt)}; finished ${t(j.finishedAt)}`,
      ...(j.lease ? [`lease      ${j.lease.worker} until ${t(j.lease.expiresAt)}`] : []),
      ...(j.lastError ? [`last error ${j.lastError.name}${j.lastError.code ? ` [${j.lastError.code}]` : ''}: ${j.lastError.message}`] : []),
      'history:',
      ...j.history.map((h) => `  #${h.attempt} ${h.worker} ${t(h.startedAt)} → ${h.outcome ?? 'running'}${h.error ? `: ${h.error.message}` : ''}`),
      ...(j.checkpoints.length > 0 ? ['checkpoints:', ...j.checkpoints.map((c) => `  ${c.step} at ${t(c.recordedAt)}`)] : []),
      ...(j.lastError?.stack ? ['stack:', j.lastError.stack] : []),
    ].join('\n') + '\n',
  );
}

function queueLines(q: QueueStatus): string[] {
  const c = q.counts;
  const bp = q.backpressure;
  const now = Date.now();
  return [
    `queue      ${c.pending} pending (${q.ready} ready, ${q.delayed} backing off), ${c.running} running, ${c.completed} completed, ${c.dead} dead, ${c.superseded} superseded`,
    `           oldest pending ${age(q.oldestPendingAgeMs)}; ${q.staleLeases} stale leases; DLQ ${q.dlq.size}`,
    `           backpressure ${bp.paused ? 'PAUSED' : 'open'} (depth ${bp.depth}; pauses at ${bp.highWater}, resumes at ${bp.lowWater}, max ${bp.maxSize})`,
    `workers    ${q.workers.length === 0 ? 'none seen' : q.workers.map((w) => `${w.worker} (${w.alive ? 'alive' : 'gone'}, seen ${age(now - w.lastSeenAt)} ago, ${w.running} running)`).join(', ')}`,
    ...q.warnings.map((w) => `warning    ${w}`),
  ];
}

function printVerify(r: VerifyReport): void {
  out(`${r.driftPercent.toFixed(2)}% drift: ${r.wrong} of ${r.checked} checked (${r.documents} documents, ${r.sections} sections, ${r.entities} entities)\n`);
  for (const d of r.drift.slice(0, 50)) out(`  ${d.uri}: ${d.problems.join(', ')}\n`);
  if (r.drift.length > 50) out(`  ... and ${r.drift.length - 50} more\n`);
  if (r.orphanEntities > 0) out(`  ${r.orphanEntities} entities no edge refers to\n`);
  if (r.orphanLexicalRows > 0) out(`  ${r.orphanLexicalRows} lexical rows without a section\n`);
  if (r.docklessEdges > 0) out(`  ${r.docklessEdges} edges without a document\n`);
  for (const m of r.missingRoots) out(`  source folder ${m} is gone\n`);
  if (r.unindexable.length > 0) out(`  (${r.unindexable.length} files cannot be indexed and are left out: see \`docgraph dlq list\`)\n`);
  if (r.queued > 0) out(`  note: ${r.queued} jobs are queued or running; drift may be work in progress\n`);
  const reparse = r.drift.filter((d) => d.problems.includes('parser')).length;
  if (reparse > 0 && !r.repair) {
    out(`  note: ${reparse} documents were parsed by an earlier docgraph; \`docgraph verify --repair\` or the next ingest parses them again (their vectors are re-used)\n`);
  }
  if (r.repair) {
    out(`  repair: queued ${r.repair.jobs.length} jobs; relinked ${r.repair.relinked} documents; dropped ${r.repair.removedEntities} entities, ${r.repair.removedLexicalRows} lexical rows, ${r.repair.removedEdges} edges\n`);
  }
}
