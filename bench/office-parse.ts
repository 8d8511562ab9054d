/**
 * PDF and DOCX parse time (recorded in docs/benchmarks.md, "PDF and DOCX
 * parsing"): parseDocument on generated files — a PDF of N pages of 30 lines
 * each, with an outline entry every 10 pages, and a DOCX of N headings with
 * three paragraphs each — the median of several runs, CPU time beside wall
 * time (the machine may be shared). The first run also loads pdf.js /
 * mammoth and is reported apart.
 *
 *   node --import tsx bench/office-parse.ts [--pages 200] [--runs 5]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseDocument } from '../src/parse/parse.js';
import { makeDocx, makePdf, type OutlineEntry } from '../test/helpers/office-docs.js';
import { machineInfo } from './lib/machine.js';
import { median, table } from './lib/stats.js';

const { values } = parseArgs({ options: { pages: { type: 'string', default: '200' }, runs: { type: 'string', default: '5' } } });
const n = Number(values.pages);
const runs = Number(values.runs);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(runs) || runs < 1) throw new Error('--pages and --runs must be whole numbers ≥ 1');

const line = (p: number, l: number): string => `Page ${p} line ${l}: the widget setting number ${p * 100 + l} controls how the frobnicator behaves.`;
const outline: OutlineEntry[] = [];
for (let p = 1; p <= n; p += 10) outline.push({ title: `Chapter ${(p - 1) / 10 + 1}`, page: p });
const pdf = await makePdf(
  Array.from({ length: n }, (_, p) => ({ lines: Array.from({ length: 30 }, (_, l) => ({ text: line(p + 1, l), y: 760 - l * 22, size: 10 })) })),
  { title: 'Bench', outline },
);
const docx = await makeDocx(Array.from({ length: n }, (_, p) => [{ heading: 1 as const, text: `Section ${p + 1}` }, ...[0, 1, 2].map((l) => ({ text: line(p + 1, l) }))]).flat());

async function time(uri: string, bytes: Uint8Array): Promise<{ first: number; wall: number; cpu: number; sections: number }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  let first = 0;
  let sections = 0;
  for (let i = 0; i <= runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const doc = await parseDocument(uri, bytes, { maxFileBytes: 100 * 1024 * 1024 });
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    sections = doc.sections.length;
    if (i === 0) first = wall;
    else {
      walls.push(wall);
      cpus.push((c.user + c.system) / 1e6);
    }
  }
  return { first, wall: median(walls), cpu: median(cpus), sections };
}

const p = await time('bench.pdf', pdf);
const d = await time('bench.docx', docx);
console.log(JSON.stringify(machineInfo()));
console.log(
  table(
    ['file', 'size', 'units', 'sections', 'first run (load + parse) s', 'median wall s', 'median CPU s', 'units / CPU s'],
    [
      ['PDF', `${(pdf.length / 1e6).toFixed(2)} MB`, `${n} pages`, String(p.sections), p.first.toFixed(2), p.wall.toFixed(3), p.cpu.toFixed(3), (n / p.cpu).toFixed(0)],
      ['DOCX', `${(docx.length / 1e6).toFixed(2)} MB`, `${n} headings`, String(d.sections), d.first.toFixed(2), d.wall.toFixed(3), d.cpu.toFixed(3), (n / d.cpu).toFixed(0)],
    ],
  ),
);
