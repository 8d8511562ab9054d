// `docgraph coverage DIR` as a user runs it: a real child process over a temp
// folder of HTML pages (and a Markdown file, which is not measured).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FolderCoverage } from '../src/eval/coverage-folder.js';
import { CLI_JS } from './helpers/cli.js';


function docgraph(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [CLI_JS, ...args], (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

const temps: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-coverage-'));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const site = tempDir();
mkdirSync(join(site, 'guide'));
writeFileSync(
  join(site, 'guide', 'full.html'),
  '<html><body><main><h1>Full</h1><p>every word arrives here</p><h2 id="more">More</h2><p id="detail">here</p><p>see <a href="#more">more</a> and <a href="#detail">detail</a></p></main></body></html>',
);
// a heading-less page whose body is a code listing with an unclosed <pre>: all of it arrives too
writeFileSync(join(site, 'plain.html'), '<html><body><pre>line one\nline two</body></html>');
writeFileSync(join(site, 'notes.md'), '# Markdown is not measured\n');

describe('docgraph coverage', () => {
  it('prints the corpus figures and the worst pages; --json gives the same report', async () => {
    const text = await docgraph('coverage', site, '--worst', '1');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('2 pages');
    expect(text.stdout).toMatch(/coverage 1\.0000: 15 of 15 visible words reach the index/);
    // "More" is cited by its id; "Full" has none on the page or around it, so it is cited by the page
    expect(text.stdout).toContain('anchors not on their page: 0 of 1 sections cited by an anchor');
    expect(text.stdout).toContain('worst pages:');
    // two links to ids of the page: #more names a section, #detail a paragraph inside one (an alias of that section)
    expect(text.stdout).toContain("links into text: 1 of 2 links to an id land inside a section's text, not at its start (0 in no section at all)");
    expect(text.stdout).toContain('guide/full.html#detail  1 link');

    const json = await docgraph('coverage', site, '--json');
    const report = JSON.parse(json.stdout) as FolderCoverage;
    expect(report).toMatchObject({ pages: 2, visible_words: 15, covered_words: 15, coverage: 1, share_at_least: 1, skipped: [], anchors: 1, missing_anchors: 0, missing_anchor_sample: [] });
    expect(report).toMatchObject({ links_to_ids: 2, links_into_text: 1, links_unresolved: 0, links_into_text_sample: [{ uri: 'guide/full.html', anchor: 'detail', links: 1 }] });
    expect(report.worst.map((p) => p.uri).sort()).toEqual(['guide/full.html', 'plain.html']);
  });

  it('--fail-under exits 1 below the bar; bad arguments and a missing folder exit 2 with a clear message', async () => {
    const lossy = tempDir();
    // Doxygen's title is no heading and sits beside div.contents: still lost (a known gap)
    const body = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    writeFileSync(join(lossy, 'a.html'), `<html><body><div class="header"><div class="title">Widget Class Reference</div></div><div class="contents"><p>${body}</p></div></body></html>`);
    expect((await docgraph('coverage', lossy, '--fail-under', '0.9')).code).toBe(0);
    const below = await docgraph('coverage', lossy, '--fail-under', '0.99');
    expect(below.code).toBe(1);
    expect(below.stdout).toContain('lost: widget class reference');

    const bad = await docgraph('coverage', site, '--fail-under', '2');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-under must be a number from 0 to 1');

    const missing = await docgraph('coverage', join(site, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('folder not found');

    const empty = tempDir();
    const none = await docgraph('coverage', empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no HTML pages under');
  });
});
