/**
 * HTML parse time (recorded in docs/benchmarks.md, "HTML coverage (generator
 * zoo)"): parseFile over every page of a folder, the median of several runs;
 * then pages of 1,000 to 16,000 sibling sections, to show the time grows
 * linearly with the page.
 *
 *   node --import tsx bench/parse.ts [--dir DIR] [--runs 5]
 *
 * DIR defaults to the Python 3.11 docs (../shared/eval/get-corpus.sh python).
 * CPU time is printed beside wall time: the machine may be shared.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseFile } from '../src/parse/parse-file.js';
import { scanFolder } from '../src/sources/filesystem.js';
import { machineInfo } from './lib/machine.js';
import { median, table } from './lib/stats.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
const dir = values.dir ?? execFileSync(resolve(import.meta.dirname, '..', '..', 'shared', 'eval', 'get-corpus.sh'), ['python'], { encoding: 'utf8' }).trim();

const pages = scanFolder(dir).files.filter((f) => /\.x?html?$/i.test(f.uri)).map((f) => ({ uri: f.uri, bytes: readFileSync(f.path) }));
const mb = pages.reduce((n, p) => n + p.bytes.length, 0) / 1e6;
const seconds: number[] = [];
const cpuSeconds: number[] = [];
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const p of pages) parseFile(p.uri, p.bytes);
  const used = process.cpuUsage(cpu);
  seconds.push((performance.now() - started) / 1000);
  cpuSeconds.push((used.user + used.system) / 1e6);
}
const m = machineInfo();
console.log(`${m.date}, commit ${m.commit}, ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}\n`);
const s = median(seconds);
console.log(
  `${dir}: ${pages.length} pages, ${mb.toFixed(1)} MB; ${runs} runs: median ${s.toFixed(2)} s wall (${(mb / s).toFixed(2)} MB/s), ` +
    `${median(cpuSeconds).toFixed(2)} s CPU; runs ${seconds.map((x, i) => `${x.toFixed(2)}/${cpuSeconds[i]!.toFixed(2)}`).join(', ')} (wall/CPU)\n`,
);

// Linearity: a page of n asciidoc-like sibling sections, each a heading, a paragraph and a list.
const section = (i: number): string =>
  `<div class="sect1"><h2 id="_s${i}">Section ${i}</h2><div class="sectionbody"><div class="paragraph"><p>Text of section ${i} with <code>code</code> and <a href="#_s${i}">a link</a>.</p></div>` +
  `<div class="ulist"><ul><li><p>item one</p></li><li><p>item two</p></li></ul></div></div></div>`;
const rows: string[][] = [];
for (const n of [1000, 2000, 4000, 8000, 16000]) {
  const html = `<html><body><div id="header"><h1>Scale</h1></div><div id="content">${Array.from({ length: n }, (_, i) => section(i)).join('')}</div></body></html>`;
  const bytes = Buffer.from(html);
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const started = performance.now();
    parseFile('scale.html', bytes);
    times.push(performance.now() - started);
  }
  const ms = median(times);
  rows.push([n.toLocaleString('en-US'), (bytes.length / 1024).toFixed(0), ms.toFixed(0), ((ms * 1000) / (bytes.length / 1024)).toFixed(0)]);
}
console.log(table(['sections', 'KiB', 'ms (median of 3)', 'µs per KiB'], rows, ['r', 'r', 'r', 'r']));
