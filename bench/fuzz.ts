/**
 * Parser fuzz: seeded, bounded. Generates and mutates Markdown and HTML
 * (bench/fuzz-inputs.ts), runs the real parseFile and extraction on each,
 * and fails on any error but a documented refusal, a too-deep refusal of
 * flat input, or an input over its time or peak-memory budget. A failing
 * input is shrunk by fast-check and written to bench/.out/ for replay.
 *   npm run fuzz [-- --seed 1] [-- --runs 2000] [-- --scale long|short] [-- --replay FILE]
 * The test suite runs 200 short cases (test/parser-fuzz.test.ts); results of
 * long runs are recorded in docs/benchmarks.md ("Parser fuzzing").
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { checkInput, FuzzFailure, fuzzInput, type FuzzInput, type FuzzOutcome, type FuzzScale } from './fuzz-inputs.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '2000' },
    scale: { type: 'string', default: 'long' },
    replay: { type: 'string' },
  },
});

if (values.replay) {
  const path = values.replay;
  const uri = /\.x?html?$/.test(path) ? 'page.html' : 'doc.md';
  console.log(checkInput({ uri, bytes: readFileSync(path) }));
  process.exit(0);
}

const seed = Number(values.seed);
const runs = Number(values.runs);
const scale = values.scale as FuzzScale;
if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1 || (scale !== 'long' && scale !== 'short')) {
  console.error('usage: npm run fuzz -- [--seed INTEGER] [--runs POSITIVE INTEGER] [--scale long|short] [--replay FILE]');
  process.exit(2);
}

const outcomes: (FuzzOutcome & { bytes: number; uri: string })[] = [];
let failure: FuzzFailure | undefined;
const started = performance.now();
// Progress on stderr: the case number, and once a case has failed, each shrink step, so a run that
// seems to stall shows whether it is parsing a slow case or shrinking a failure.
let calls = 0;
let firstFailure = 0;
const progress = (line: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
  else if (calls % 50 === 0 || firstFailure) process.stderr.write(`${line}\n`);
};
/** bench/.out/NAME with the extension --replay reads the input's kind from. */
function outFile(name: string, input: FuzzInput): string {
  const out = resolve(import.meta.dirname, '.out');
  mkdirSync(out, { recursive: true });
  return join(out, name + (/\.x?html?$/.test(input.uri) ? '.html' : '.md'));
}

const details = fc.check(
  fc.property(fuzzInput(scale), (input: FuzzInput) => {
    calls++;
    progress(firstFailure ? `case ${firstFailure} failed; shrink step ${calls - firstFailure} (${(input.bytes.length / 1024).toFixed(0)} KB)` : `case ${calls} of ${runs} (${(input.bytes.length / 1024).toFixed(0)} KB)`);
    try {
      outcomes.push({ ...checkInput(input), bytes: input.bytes.length, uri: input.uri });
    } catch (e) {
      if (e instanceof FuzzFailure) failure = e; // the last one seen is the shrunk one
      if (!firstFailure) {
        // kept before shrinking starts: shrinking a slow input can take longer than anyone waits
        firstFailure = calls;
        const file = outFile(`fuzz-${seed}-unshrunk`, input);
        writeFileSync(file, input.bytes);
        process.stderr.write(`\ncase ${calls} failed: ${e instanceof Error ? e.message : String(e)}\nthe input as generated is in ${file}; shrinking it\n`);
      }
      throw e;
    }
  }),
  { seed, numRuns: runs, endOnFailure: false },
);
const seconds = (performance.now() - started) / 1000;
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');

const byResult = new Map<string, number>();
for (const o of outcomes) byResult.set(o.result, (byResult.get(o.result) ?? 0) + 1);
const slowest = outcomes.reduce((a, b) => (b.ms > a.ms ? b : a), outcomes[0]!);
const largest = outcomes.reduce((a, b) => (b.bytes > a.bytes ? b : a), outcomes[0]!);
const totalBytes = outcomes.reduce((n, o) => n + o.bytes, 0);
const peak = outcomes.reduce((n, o) => Math.max(n, o.peakGrowth), 0);
console.log(`seed ${seed}, scale ${scale}: ${details.numRuns} cases in ${seconds.toFixed(1)} s (${(totalBytes / 1e6).toFixed(1)} MB in all)`);
console.log(`results: ${[...byResult].map(([r, n]) => `${r} ${n}`).join(', ')}`);
if (slowest) console.log(`slowest: ${slowest.ms.toFixed(0)} ms (${slowest.uri}, ${(slowest.bytes / 1024).toFixed(0)} KB); largest: ${(largest.bytes / 1024).toFixed(0)} KB in ${largest.ms.toFixed(0)} ms; largest peak RSS growth: ${(peak / 1e6).toFixed(0)} MB`);
if (details.failed) {
  console.log(`FAILED after ${details.numRuns} cases (${details.numShrinks} shrinks): ${failure?.message ?? String(details.errorInstance)}`);
  if (failure) {
    const file = outFile(`fuzz-${seed}`, failure.input);
    writeFileSync(file, failure.input.bytes);
    console.log(`the shrunk input is in ${file}; replay with: npm run fuzz -- --replay ${file}`);
  }
  process.exit(1);
}
