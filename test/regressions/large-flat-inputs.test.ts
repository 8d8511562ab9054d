// Guards issue 10 #5: inputs under the size limit that are large but flat
// were refused as too-deep or crashed: every RangeError was read as depth,
// `push(...huge)` overflowed the stack (1 MB of code spans, 200,000 `<p>`, a
// 150,000-line shell block), marked's block regexes overflowed on a paragraph
// over ~8.4 million characters, and hast-util-to-mdast's text merging grew
// with the square of a paragraph. Each must index. The generous timeouts are
// bounds for a busy machine, not assertions on time: the quadratic paths took
// minutes.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Element } from 'hast';
import { afterAll, describe, expect, it } from 'vitest';
import { extractDocument } from '../../src/extract/extract.js';
import type { IngestReport } from '../../src/ingest/ingest.js';
import { toRecords } from '../../src/ingest/records.js';
import { conversionBatches } from '../../src/parse/html.js';
import type { ParsedDocument } from '../../src/parse/model.js';
import { parseFile } from '../../src/parse/parse-file.js';
import { run, workspace } from '../helpers/docgraph.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const allText = (doc: ParsedDocument): string => doc.sections.map((s) => s.text).join('\n\n');

/** Parses and extracts like the ingest job does; returns the parsed document. */
function index(uri: string, text: string): ParsedDocument {
  const doc = parseFile(uri, utf8(text));
  const records = toRecords('src', doc, 'sum', text.length, '2024-01-01T00:00:00Z');
  extractDocument({ sourceId: 'src', docId: records.document.id, uri, title: doc.title, sections: records.sections });
  return doc;
}

/** 8.6 MB of prose on one line: marked's lheading regex overflowed its stack near 8.4 million characters. */
const singleLineMarkdown = (): string => '# One line\n\n' + 'flatstart ' + 'lorem ipsum dolor sit amet '.repeat(318_000) + 'flatend\n';
/** 1 MB of code spans in one paragraph: 166,000 inline tokens spread into a push. */
const codeSpans = (): string => '# Spans\n\n' + Array.from({ length: 83_000 }, (_, i) => `\`span${i}\` `).join('') + '\n';
/** 1.6 MB of flat `<p>` on one line: 200,000 blocks spread into a push. */
const flatParagraphs = (): string => '<html><body><h1>Flat</h1>' + Array.from({ length: 200_000 }, (_, i) => `<p>w${i}</p>`).join('') + '</body></html>';
/**
 * 3.5 MB single-line HTML: one paragraph of 100,000 spans inside emphasis
 * nested past MAX_EMPHASIS (unwrapped with a spread of 200,000 children, then
 * merged text by text, quadratically).
 */
const singleLineHtml = (): string =>
  '<html><head><title>Wide</title></head><body><h1>Wide page</h1><p><b><i><em><strong>' +
  Array.from({ length: 100_000 }, (_, i) => `wideword <span>item${i}</span> `).join('') +
  '</strong></em></i></b></p></body></html>';

describe('regression: large flat input indexes', () => {
  it('8.6 MB of Markdown on one line', () => {
    const doc = index('line.md', singleLineMarkdown());
    expect(doc.sections.length).toBeGreaterThan(1000); // split into parts, like any long section
    const text = allText(doc);
    expect(text).toContain('flatstart');
    expect(text).toContain('flatend');
  }, 60_000);

  it('1 MB of code spans in one paragraph', () => {
    const text = allText(index('spans.md', codeSpans()));
    expect(text).toContain('`span0`');
    expect(text).toContain('`span82999`');
  }, 60_000);

  it('1.6 MB of flat <p> on one line, converted in batches', () => {
    const doc = index('flat.html', flatParagraphs());
    const text = allText(doc);
    expect(doc.title).toBe('Flat');
    expect(text).toContain('w0');
    expect(text).toMatch(/\bw199999\b/);
    // linear by construction: 200,000 blocks make 100 conversions of at most 2,000
    const blocks = Array.from({ length: 200_000 }, (_, i): Element => ({ type: 'element', tagName: 'p', properties: {}, children: [{ type: 'text', value: `w${i}` }] }));
    const batches = conversionBatches(blocks);
    expect(batches).toHaveLength(100);
    expect(Math.max(...batches.map((b) => b.length))).toBe(2000);
  }, 60_000);

  it('3.5 MB single-line HTML: one huge paragraph in deep emphasis', () => {
    const doc = index('wide.html', singleLineHtml());
    const text = allText(doc);
    expect(doc.title).toBe('Wide');
    expect(text).toContain('item0');
    expect(text).toContain('item99999');
    // the paragraph was converted in bounded pieces: more than one paragraph came out of it
    expect(text.split(/\n\n/).length).toBeGreaterThan(10);
  }, 60_000);

  it('a link around 5,000 list items with a 50 KB href (found by the parser fuzz)', () => {
    // hast-util-to-mdast writes such a link once per block inside it: 250 MB of Markdown from 300 KB (the fuzz's 2 MB page ran out of heap)
    const page = `<html><body><h1>Linked</h1><a href="https://example.com/${'v'.repeat(50_000)}">` + Array.from({ length: 5_000 }, (_, i) => `<li>entry${i}`).join('') + '</a></body></html>';
    const doc = index('linked.html', page);
    const text = allText(doc);
    expect(text).toContain('entry0');
    expect(text).toContain('entry4999');
    expect(text.length).toBeLessThan(2 * page.length);
  }, 60_000);

  it('emphasis nested past the limit is too-deep, with the limit', () => {
    let error: unknown;
    try {
      // 125 levels of strong emphasis: marked recursed once per level (and ran out of stack past a few thousand)
      parseFile('emph.md', utf8('*'.repeat(250) + 'x' + '*'.repeat(250)));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ reason: 'too-deep' });
    expect((error as Error).message).toMatch(/emph\.md nests emphasis too deeply to parse \(about 250 levels at line 1; the limit is 100\)/);
  });

  it('a run of 10,000 `*` around a word indexes: past the scan budget the run is text', () => {
    // it used to recurse until the stack ran out (too-deep); each level re-read the rest of the run
    const doc = index('stars.md', '*'.repeat(10_000) + 'middle' + '*'.repeat(10_000) + '\n');
    expect(allText(doc)).toContain('middle');
  }, 60_000);
});

describe('regression: a 150,000-line code block indexes through the real ingest', () => {
  const ws = workspace({}, 'dg-large-flat-');
  afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

  it('is indexed on the first attempt and found by search', async () => {
    const lines = Array.from({ length: 150_000 }, (_, i) => (i % 2 ? `$ fleetctl deploy --region r${i % 7}` : '$ fleetctl status --verbose'));
    writeFileSync(join(ws.docs, 'deploy.md'), '# Deploying the fleet\n\nRun the rollout script:\n\n```sh\n' + lines.join('\n') + '\n```\n');
    writeFileSync(join(ws.docs, 'intro.md'), '# Introduction\n\nThe fleet is managed with fleetctl.\n');
    const ingest = await run(ws.dir, ['ingest', 'docs', '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    const report = JSON.parse(ingest.stdout) as IngestReport;
    expect(report.failed ?? []).toEqual([]);
    expect(report.indexed).toBe(2);
    const search = await run(ws.dir, ['search', 'rollout script fleetctl deploy region', '--json']);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain('deploy.md');
  }, 120_000);
});
