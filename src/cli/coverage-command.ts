import { InvalidArgumentError, type Command } from 'commander';
import type { FolderCoverage } from '../eval/coverage-folder.js';
import { jsonText } from './json.js';
import { EXIT } from './errors.js';

const out = (s: string): void => void process.stdout.write(s);

function ratioArg(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a number from 0 to 1, e.g. 0.95`);
    return n;
  };
}

function countArg(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 10_000) throw new InvalidArgumentError(`${name} must be a whole number from 0 to 10000`);
    return n;
  };
}

/** `docgraph coverage DIR`: how much of what readers see on HTML pages reaches the index. */
export function registerCoverageCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('coverage')
    .description("Measure how much of each HTML page's visible text reaches the index (no index needed: pages are parsed as ingest parses them).")
    .argument('<dir>', 'folder of .html pages, e.g. a generated documentation site')
    .option('--worst <n>', 'how many of the worst pages to list', countArg('--worst'), 10)
    .option('--page-bar <ratio>', 'per-page bar counted in "pages at ≥"', ratioArg('--page-bar'), 0.8)
    .option('--fail-under <ratio>', 'exit 1 when the corpus coverage is below this', ratioArg('--fail-under'))
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Visible words are the words of <body> without script, style, noscript, template,
hidden elements and page furniture (nav, aside, footer, header banners, sidebars,
skip/edit links). A page's coverage is the share of them, counted with
multiplicity, found in its parsed sections (headings and text); the corpus
figure weights pages by their words.

Two checks on citations come with it. "Anchors not on their page" counts
sections whose page#anchor the page has no id for (a citation that lands
nowhere). "Links into text" counts the pages' own links to an id that no
section carries: generated docs link to what they define, so an id that many
links name and no section carries is usually an entry (a setting, a function,
an option) that was read as plain text. Both should be near 0.

Examples:
  $ docgraph coverage ./site
  $ docgraph coverage ./site --worst 20 --fail-under 0.95
  $ docgraph coverage ./site --json`,
    )
    .action(async (dir: string, opts: { worst: number; pageBar: number; failUnder?: number; json?: boolean }) => {
      // the HTML parser loads only for this command
      const { measureFolderCoverage } = await import('../eval/coverage-folder.js');
      const report = measureFolderCoverage(dir, { threshold: opts.pageBar, worst: opts.worst });
      out(opts.json ? jsonText(report) : formatCoverage(report));
      if (opts.failUnder !== undefined && report.coverage < opts.failUnder) setExit(EXIT.failure);
    });
}

export function formatCoverage(r: FolderCoverage): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const extra = [r.emptyPages > 0 ? `${r.emptyPages} without text` : '', r.skipped.length > 0 ? `${r.skipped.length} skipped` : ''].filter(Boolean);
  const lines = [
    `HTML coverage of ${r.root}: ${n(r.pages)} pages${extra.length > 0 ? ` (+ ${extra.join(', ')})` : ''}`,
    `  coverage ${r.coverage.toFixed(4)}: ${n(r.coveredWords)} of ${n(r.visibleWords)} visible words reach the index`,
    `  pages at ≥ ${r.threshold.toFixed(2)}: ${n(r.pagesAtLeast)} of ${n(r.pages)} (${(r.shareAtLeast * 100).toFixed(1)}%)`,
    `  anchors not on their page: ${n(r.missingAnchors)} of ${n(r.anchors)} sections cited by an anchor`,
    `  links into text: ${n(r.linksIntoText)} of ${n(r.linksToIds)} links to an id land inside a section's text, not at its start (${n(r.linksUnresolved)} in no section at all)`,
  ];
  if (r.worst.length > 0) {
    lines.push('', 'worst pages:');
    const width = Math.max(...r.worst.map((p) => n(p.visibleWords).length));
    for (const p of r.worst) {
      lines.push(`  ${p.coverage.toFixed(3)}  ${n(p.visibleWords).padStart(width)} words  ${p.uri}${p.lost.length > 0 ? `  lost: ${p.lost.join(' ')}` : ''}`);
    }
  }
  if (r.missingAnchorSample.length > 0) {
    lines.push('', 'anchors not on their page (the citation lands nowhere):', ...r.missingAnchorSample.map((a) => `  ${a.uri}#${a.anchor}  "${a.heading}"`));
  }
  if (r.linksIntoTextSample.length > 0) {
    lines.push(
      '',
      'ids linked to that no section carries (an entry read as text?):',
      ...r.linksIntoTextSample.map((l) => `  ${l.uri}#${l.anchor}  ${n(l.links)} link${l.links === 1 ? '' : 's'}`),
    );
  }
  if (r.skipped.length > 0) lines.push('', 'skipped:', ...r.skipped.map((s) => `  ${s.uri}: ${s.reason}`));
  return lines.join('\n') + '\n';
}
