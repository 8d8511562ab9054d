/**
 * One ingest into a fresh index, then a re-ingest of the unchanged folder,
 * in this (child) process so its peak RSS belongs to the ingest alone.
 */
import { statSync } from 'node:fs';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { IngestProgress, IngestReport } from '../../src/ingest/ingest.js';

export interface IngestRun {
  /** App.open → ingest → close, seconds. */
  wallSeconds: number;
  /** CPU time (user + system) of the process over the same span, seconds. */
  cpuSeconds: number;
  report: IngestReport;
}

export interface IngestTaskResult {
  fresh: IngestRun;
  reingest: IngestRun;
  /** Peak RSS of the process after the fresh ingest (before the re-ingest), bytes. */
  peakRssBytes: number;
  /** RSS once the modules were loaded, before any work, bytes. */
  baselineRssBytes: number;
  /** index.db (+ -wal) after close, bytes. */
  indexBytes: number;
}

export async function ingestTask(args: { dir: string; index: string }): Promise<IngestTaskResult> {
  const baselineRssBytes = process.memoryUsage().rss;
  // defaults only: no config file or DOCGRAPH_* variable of the caller's may change what is measured
  const config = loadConfig({ cwd: '/', env: {}, overrides: { index: args.index } });
  const once = async (): Promise<IngestRun> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const app = await App.open(config, { create: true });
    const report = await app.ingest(args.dir, progressLog(t0, c0));
    await app.close();
    const wallSeconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    return { wallSeconds, cpuSeconds: (c.user + c.system) / 1e6, report };
  };
  const fresh = await once();
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const indexBytes = sizeOf(args.index) + sizeOf(args.index + '-wal');
  const reingest = await once();
  return { fresh, reingest, peakRssBytes, baselineRssBytes, indexBytes };
}

/**
 * Progress on stderr: at each phase change and at most every 15 s, the phase,
 * done / total, sections, elapsed wall and CPU seconds, RSS and JS heap. A long run
 * (1M sections) that is stopped still leaves its throughput so far.
 */
function progressLog(t0: number, c0: NodeJS.CpuUsage): (p: IngestProgress) => void {
  let phase = '';
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (p.phase === phase && now - last < 15_000 && p.done !== p.total) return;
    phase = p.phase;
    last = now;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    const mem = process.memoryUsage();
    const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
    const sections = p.sections === undefined ? '' : ` sections=${p.sections}`;
    process.stderr.write(`[ingest ${((now - t0) / 1000).toFixed(0)} s, cpu ${cpu.toFixed(0)} s, rss ${mb(mem.rss)} MiB, heap ${mb(mem.heapUsed)} MiB] ${p.phase} ${p.done}/${p.total}${sections}\n`);
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
