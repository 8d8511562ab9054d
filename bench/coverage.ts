/**
 * HTML coverage over the generator zoo (recorded in docs/benchmarks.md,
 * "HTML coverage (generator zoo)"): for each generator's corpus from
 * scripts/get-zoo.sh, the word-weighted share of the visible words that
 * reach the index, the share of pages at ≥ 0.80, the worst page and the
 * parse time; "furniture" is the share of the body's rendered words that the
 * measure leaves out as page furniture (the parser's CHROME table).
 *
 *   node --import tsx bench/coverage.ts [--only sphinx,asciidoc] [--json]
 *
 * Bars (issue 9): coverage ≥ 0.95 on every corpus and ≥ 90% of pages at ≥ 0.80.
 * Exits 1 when a corpus misses a bar.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, type DefaultTreeAdapterTypes as P5 } from 'parse5';
import { wordsOf } from '../src/eval/coverage.js';
import { scanFolder } from '../src/sources/filesystem.js';
import { measureFolderCoverage, type FolderCoverage } from '../src/eval/coverage-folder.js';
import { machineInfo } from './lib/machine.js';
import { table } from './lib/stats.js';

const BARS = { coverage: 0.95, shareAtLeast: 0.9, threshold: 0.8 };

const { values } = parseArgs({ options: { only: { type: 'string' }, json: { type: 'boolean', default: false } } });
const only = values.only ? values.only.split(',').map((s) => s.trim()) : [];
const script = resolve(import.meta.dirname, '..', 'scripts', 'get-zoo.sh');
const folders = execFileSync(script, only, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n');

/** Never rendered: the only things left out of a page's raw words. */
const UNRENDERED = new Set(['head', 'script', 'style', 'noscript', 'template']);

/**
 * Words of every page's `<body>` but what is never rendered: the visible
 * words plus the furniture (CHROME) the measure leaves out, to show how much
 * that is per generator.
 */
function rawWords(folder: string): number {
  let n = 0;
  for (const f of scanFolder(folder).files) {
    if (!/\.x?html?$/i.test(f.uri)) continue;
    const stack: P5.Node[] = [parse(readFileSync(f.path, 'utf8'))];
    let text = '';
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.nodeName === '#text') text += ' ' + (node as P5.TextNode).value;
      else if ('childNodes' in node && !UNRENDERED.has(node.nodeName)) stack.push(...node.childNodes);
    }
    n += wordsOf(text).length;
  }
  return n;
}

const results: { generator: string; report: FolderCoverage; rawWords: number }[] = [];
for (const folder of folders) {
  const generator = basename(folder);
  process.stderr.write(`${generator}…\n`);
  results.push({ generator, report: measureFolderCoverage(folder, { threshold: BARS.threshold, worst: 3 }), rawWords: rawWords(folder) });
}

const fails = results.filter(({ report: r }) => r.coverage < BARS.coverage || r.shareAtLeast < BARS.shareAtLeast).map((r) => r.generator);
if (values.json) {
  console.log(JSON.stringify({ machine: machineInfo(), bars: BARS, results }, null, 2));
} else {
  const m = machineInfo();
  console.log(`${m.date}, commit ${m.commit}, ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node}\n`);
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const rows = results.map(({ generator, report: r, rawWords: raw }) => {
    const worst = r.worst[0];
    return [
      generator,
      String(r.pages) + (r.skipped.length > 0 ? ` (+${r.skipped.length} skipped)` : ''),
      r.visibleWords.toLocaleString('en-US'),
      pct(1 - r.visibleWords / Math.max(1, raw)),
      r.coverage.toFixed(3),
      pct(r.shareAtLeast),
      worst ? `${worst.uri} (${worst.coverage.toFixed(2)})` : '–',
      `${r.missingAnchors} of ${r.anchors.toLocaleString('en-US')}`,
      `${r.linksIntoText.toLocaleString('en-US')} of ${r.linksToIds.toLocaleString('en-US')}`,
      (r.parseMs / 1000).toFixed(2),
    ];
  });
  console.log(table(['generator', 'pages', 'visible words', 'furniture', 'coverage', 'pages ≥ 0.80', 'worst page', 'anchors not on the page', 'links into text', 'parse s'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r']));
  console.log(fails.length === 0 ? '\nall corpora pass the bars' : `\nbelow the bars: ${fails.join(', ')}`);
}
process.exitCode = fails.length === 0 ? 0 : 1;
