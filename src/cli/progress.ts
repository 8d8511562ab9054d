import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import type { IngestProgress } from '../ingest/ingest.js';

/**
 * The ingest progress bar: one bar for the whole run, through named phases
 * (scanning, parsing, fitting the embedder, indexing, linking), each owning a slice of
 * the bar so it never runs back to zero. On stderr, and only when stdout and
 * stderr are terminals; otherwise silent (the command prints a one-line
 * summary at the end instead).
 */

/**
 * A cli-progress bar. The package loads with the first bar drawn (on a
 * terminal), not with every command: a run whose output is not a terminal
 * never needs it.
 */
export function progressBar(options: CliProgress.Options): CliProgress.SingleBar {
  const { SingleBar } = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  return new SingleBar(options);
}

type Phase = IngestProgress['phase'];

interface PhaseShape {
  label: string;
  /** The slice of the whole bar this phase fills, as fractions of it. */
  from: number;
  to: number;
  /** What `done`/`total` count, or '' when the phase has no count to show. */
  unit: string;
}

const PHASES: Record<Phase, PhaseShape> = {
  scan: { label: 'scanning', from: 0, to: 0.02, unit: '' },
  parse: { label: 'parsing', from: 0.02, to: 0.4, unit: 'files' },
  fit: { label: 'fitting the embedder', from: 0.4, to: 0.5, unit: '' },
  embed: { label: 'fitting the embedder', from: 0.4, to: 0.5, unit: '' },
  write: { label: 'indexing', from: 0.5, to: 0.97, unit: 'files' },
  link: { label: 'linking', from: 0.97, to: 1, unit: 'documents' },
};
const ORDER: readonly Phase[] = ['scan', 'parse', 'fit', 'write', 'link'];

/** One frame of the bar: where the run is and how long the current phase has taken. */
export interface ProgressFrame {
  phase: Phase;
  done: number;
  total: number;
  /** Sections parsed so far, when known. */
  sections?: number;
  /** Time spent in the current phase, for the rate and the ETA. */
  phaseMs: number;
  /** Width of the bar in characters. */
  width?: number;
}

/** How far the whole run is, 0 to 1: the phases before this one, and this one's share of its slice. */
export function overallFraction(f: Pick<ProgressFrame, 'phase' | 'done' | 'total'>): number {
  const p = PHASES[f.phase];
  const within = f.total > 0 ? Math.min(1, Math.max(0, f.done / f.total)) : 0;
  return p.from + (p.to - p.from) * within;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One line of the bar, e.g. `2/4 parsing [████░░░░]  21% · 12/40 files · 340 sections · 6.0 files/s · ETA 0:05`. */
export function renderFrame(f: ProgressFrame): string {
  const p = PHASES[f.phase];
  const width = f.width ?? 24;
  const fraction = overallFraction(f);
  const filled = Math.round(fraction * width);
  const step = Math.max(1, ORDER.indexOf(f.phase === 'embed' ? 'fit' : f.phase) + 1);
  const parts = [`${step}/${ORDER.length} ${p.label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`];
  if (p.unit !== '' && f.total > 0) parts.push(`${f.done}/${f.total} ${p.unit}`);
  if (f.sections !== undefined && f.phase !== 'scan') parts.push(`${f.sections} sections`);
  if (p.unit === '') {
    parts.push('working…');
  } else if (f.total > 0) {
    const rate = f.phaseMs > 0 ? f.done / (f.phaseMs / 1000) : 0;
    parts.push(rate > 0 ? `${rate.toFixed(1)} ${p.unit}/s` : `– ${p.unit}/s`);
    parts.push(rate > 0 ? `ETA ${clock((f.total - f.done) / rate)}` : 'ETA –');
  }
  return parts.join(' · ');
}

/** The bar for `docgraph ingest`; `enabled` false (or no terminal) gives a silent one. */
export function ingestProgress(enabled: boolean): { update: (p: IngestProgress) => void; stop: () => void } {
  if (!enabled || !process.stdout.isTTY || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const PERMILLE = 1000;
  let frame: ProgressFrame = { phase: 'scan', done: 0, total: 0, phaseMs: 0 };
  let phaseStarted = Date.now();
  let sections: number | undefined;
  const bar = progressBar({
    format: () => renderFrame({ ...frame, phaseMs: Date.now() - phaseStarted }),
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  // cli-progress draws on a timer; a phase that blocks the event loop (fitting) would hide its label without a draw now
  const drawNow = (): void => (bar as unknown as { render: () => void }).render();
  let started = false;
  return {
    update(p) {
      if (p.sections !== undefined) sections = p.sections;
      if (p.phase !== frame.phase) phaseStarted = Date.now();
      const changed = !started || p.phase !== frame.phase;
      frame = { phase: p.phase, done: p.done, total: p.total, phaseMs: 0, ...(sections !== undefined ? { sections } : {}) };
      const value = Math.round(overallFraction(frame) * PERMILLE);
      if (!started) {
        bar.start(PERMILLE, value);
        started = true;
      } else {
        bar.update(value);
      }
      if (changed) drawNow();
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
