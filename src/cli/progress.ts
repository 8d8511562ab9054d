import cliProgress from 'cli-progress';
import type { IngestProgress } from '../ingest/ingest.js';

/**
 * A progress bar on stderr when it is a terminal; silent otherwise (the
 * command prints a one-line summary at the end instead).
 */
export function ingestProgress(enabled: boolean): { update: (p: IngestProgress) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: '{phase} [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  let started = false;
  return {
    update(p) {
      if (p.total === 0) return;
      if (!started) {
        bar.start(p.total, p.done, { phase: p.phase.padEnd(5), file: '' });
        started = true;
      }
      if (p.phase !== phase) {
        phase = p.phase;
        bar.setTotal(p.total);
      }
      bar.update(p.done, { phase: p.phase.padEnd(5), file: (p.uri ?? '').slice(-40) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
