// PDF and DOCX files inside a source (issue 15): made by the test (pdf-lib, docx), indexed through the CLI,
// found by search and cited by page; bad ones skipped or failed with their reason, the rest of the folder indexed.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON output is read field by field and checked by expect */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/docgraph.js';
import { makeDocx, makeEncryptedPdf, makePdf } from './helpers/office-docs.js';

const ws = workspace({}, 'dg-office-');
let added: any;

beforeAll(async () => {
  writeFileSync(
    join(ws.docs, 'guide.pdf'),
    await makePdf(
      [
        { lines: ['Install the widget with the installer program.'] },
        { lines: ['The quibblestone setting limits how many widgets run at once.', 'Set it in widget.conf.'] },
        { lines: ['Troubleshooting: if the widget beeps, feed it.'] },
      ],
      { title: 'Widget Guide', outline: [{ title: 'Installing', page: 1 }, { title: 'Settings', page: 2 }, { title: 'Troubleshooting', page: 3 }] },
    ),
  );
  writeFileSync(
    join(ws.docs, 'manual.docx'),
    await makeDocx([{ title: true, text: 'Widget Manual' }, { heading: 1, text: 'Calibrating the zarnowick' }, { text: 'Turn the zarnowick dial until the light is green.' }]),
  );
  writeFileSync(join(ws.docs, 'locked.pdf'), makeEncryptedPdf());
  writeFileSync(join(ws.docs, 'broken.docx'), 'PK this is not really a zip');
  writeFileSync(join(ws.docs, 'readme.md'), '# Readme\n\nThe widget docs.\n');
  const r = await run(ws.dir, ['add', 'docs', '--name', 'widgets', '--json']);
  expect([0, 1]).toContain(r.code); // a failed file's job may set exit 1; the report says which
  added = JSON.parse(r.stdout);
}, 120_000);
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

describe('PDF and DOCX in a source', () => {
  it('indexes the PDF, the DOCX and the Markdown, and skips the encrypted PDF and the damaged DOCX with their reasons', () => {
    expect(added.report.files).toBe(5);
    expect(added.report.indexed).toBe(3);
    const skipped = Object.fromEntries((added.report.skipped as { uri: string; reason: string; message: string }[]).map((s) => [s.uri, s]));
    expect(skipped['locked.pdf']).toMatchObject({ reason: 'encrypted' });
    expect(skipped['locked.pdf']!.message).toMatch(/needs a password/);
    expect(skipped['broken.docx']).toMatchObject({ reason: 'parse-error' });
    expect(skipped['broken.docx']!.message).toMatch(/not a readable Word document/);
  });

  it('finds a PDF page and cites it as file.pdf#page-2', async () => {
    const r = await run(ws.dir, ['search', 'quibblestone setting', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const top = JSON.parse(r.stdout).hits[0];
    expect(top).toMatchObject({ uri: 'guide.pdf', anchor: 'page-2', source: 'widgets' });
    expect(top.heading_path).toEqual(['Settings']);
  });

  it('finds a DOCX section by its Word heading', async () => {
    const r = await run(ws.dir, ['search', 'zarnowick dial', '--json']);
    const top = JSON.parse(r.stdout).hits[0];
    expect(top).toMatchObject({ uri: 'manual.docx', anchor: 'calibrating-the-zarnowick' });
  });

  it('a refresh leaves unchanged PDF and DOCX files alone and re-reads a changed one', async () => {
    writeFileSync(join(ws.docs, 'guide.pdf'), await makePdf([{ lines: ['Only one page now, about the frobnicator.'] }]));
    const r = await run(ws.dir, ['refresh', 'widgets', '--json']);
    const report = JSON.parse(r.stdout).report;
    expect(report.indexed).toBe(1);
    expect(report.unchanged).toBe(2);
    const s = JSON.parse((await run(ws.dir, ['search', 'frobnicator', '--json'])).stdout);
    expect(s.hits[0]).toMatchObject({ uri: 'guide.pdf', anchor: 'page-1' });
    const old = JSON.parse((await run(ws.dir, ['search', 'quibblestone', '--json'])).stdout);
    expect(old.hits.filter((h: any) => h.anchor === 'page-2')).toEqual([]);
  });
});
