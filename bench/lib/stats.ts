/** Small statistics and Markdown helpers for the benchmarks. */
import { percentile } from '../../src/eval/golden.js';

export interface Latency {
  /** Samples. */
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentiles of millisecond samples. */
export function latency(samples: readonly number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: percentile(s, 0.5), p95: percentile(s, 0.95), p99: percentile(s, 0.99), mean, max: s[s.length - 1] ?? 0 };
}

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The run whose `key` is the median (for odd counts; the lower middle for even counts), so its other fields stay consistent. */
export function medianRun<T>(runs: readonly T[], key: (r: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[(sorted.length - 1) >> 1]!;
}

/** A Markdown table; numbers are printed as given (format them first). */
export function table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[] = []): string {
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((cells) => '| ' + cells.join(' | ') + ' |').join('\n');
}

/** Fixed decimals, with thousands separators for large values. */
export function num(n: number, decimals = 1): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function mib(bytes: number): string {
  return num(bytes / 1024 / 1024, 1);
}
