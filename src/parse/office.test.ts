/**
 * PDF and DOCX parsing on files the test makes (test/helpers/office-docs.ts):
 * one section per PDF page cited page-N, headings from the outline and its
 * nesting, text in reading order; Word heading styles as headings; bad,
 * encrypted and text-less files refused with a reason, never a crash; and
 * the parse threads give the records the calling thread gives.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ParseError, UnsupportedFileError } from '../domain/errors.js';
import { parserOnThisThread, ThreadParser } from '../ingest/parse-pool.js';
import { makeDocx, makeEncryptedDocx, makeEncryptedPdf, makePdf } from '../../test/helpers/office-docs.js';
import { formatOf } from './input.js';
import { parseDocument } from './parse.js';
import { parseFile } from './parse-file.js';

async function refusal(uri: string, bytes: Uint8Array, options: Parameters<typeof parseDocument>[2] = {}): Promise<UnsupportedFileError | ParseError> {
  try {
    await parseDocument(uri, bytes, options);
  } catch (e) {
    if (e instanceof UnsupportedFileError || e instanceof ParseError) return e;
    throw e;
  }
  throw new Error(`${uri} parsed`);
}

describe('PDF', () => {
  it('is a format docgraph indexes', () => {
    expect(formatOf('manual/Guide.PDF')).toBe('pdf');
    expect(formatOf('a.docx')).toBe('docx');
  });

  it('makes one section per page, page-N, headed by the outline entries with their nesting', async () => {
    const bytes = await makePdf(
      [{ lines: ['Install the widget with the installer.'] }, { lines: ['Set the flux level in widget.conf.'] }, { lines: ['The flux capacitor needs 1.21 gigawatts.'] }, { lines: ['More about flux.'] }],
      { title: 'Widget Guide', outline: [{ title: 'Installing', page: 1 }, { title: 'Configuring', page: 2, children: [{ title: 'Flux', page: 3 }] }] },
    );
    const doc = await parseDocument('guide.pdf', bytes);
    expect(doc.format).toBe('pdf');
    expect(doc.title).toBe('Widget Guide');
    expect(doc.meta.pages).toBe(4);
    expect(doc.sections.map((s) => [s.anchor, s.heading, s.level, s.headingPath.join(' > ')])).toEqual([
      ['page-1', 'Installing', 1, 'Installing'],
      ['page-2', 'Configuring', 1, 'Configuring'],
      ['page-3', 'Flux', 2, 'Configuring > Flux'],
      // a page with no entry of its own continues the entry before it, one level down
      ['page-4', 'Page 4', 3, 'Configuring > Flux > Page 4'],
    ]);
    expect(doc.sections[2]!.text).toBe('The flux capacitor needs 1.21 gigawatts.');
  });

  it('without an outline, heads each page "Page N" and takes the title from the file name', async () => {
    const doc = await parseDocument('docs/release-notes.pdf', await makePdf([{ lines: ['one'] }, { lines: ['two'] }]));
    expect(doc.title).toBe('release-notes');
    expect(doc.sections.map((s) => [s.anchor, s.heading, s.level])).toEqual([
      ['page-1', 'Page 1', 1],
      ['page-2', 'Page 2', 1],
    ]);
  });

  it('reads a page top down and each line left to right, whatever order the text was drawn in, with a blank line between paragraphs', async () => {
    const bytes = await makePdf([
      {
        lines: [
          { text: 'third paragraph, far below', y: 400 },
          { text: 'right half', x: 300, y: 700 },
          { text: 'Left half', x: 72, y: 700 },
          { text: 'second line of it', y: 686 },
        ],
      },
    ]);
    const doc = await parseDocument('order.pdf', bytes);
    expect(doc.sections[0]!.text).toBe('Left half right half\nsecond line of it\n\nthird paragraph, far below');
  });

  it('splits a long page into parts that keep the page anchor', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => ({ text: `Paragraph ${i} says something about widgets and their many settings.`, y: 760 - i * 24 }));
    const doc = await parseDocument('long.pdf', await makePdf([{ lines }]), { maxSectionTokens: 60 });
    expect(doc.sections.length).toBeGreaterThan(2);
    expect(new Set(doc.sections.map((s) => s.anchor))).toEqual(new Set(['page-1']));
  });

  it('refuses an encrypted PDF as encrypted, a damaged one as a parse error, and one without text as empty', async () => {
    const enc = await refusal('secret.pdf', makeEncryptedPdf());
    expect(enc).toBeInstanceOf(UnsupportedFileError);
    expect((enc as UnsupportedFileError).reason).toBe('encrypted');
    expect(enc.message).toMatch(/secret\.pdf is encrypted/);

    const good = await makePdf([{ lines: ['text'] }]);
    const cut = await refusal('cut.pdf', new TextEncoder().encode('%PDF-1.7\n1 0 obj\n<< /Type /Catalog'));
    expect(cut).toBeInstanceOf(ParseError);
    expect(cut.message).toMatch(/cut\.pdf is not a readable PDF/);
    const notPdf = await refusal('notes.pdf', new TextEncoder().encode('# just markdown named .pdf\n'));
    expect(notPdf).toBeInstanceOf(ParseError);
    expect(good.length).toBeGreaterThan(0);

    const blank = await refusal('scan.pdf', await makePdf([{ lines: [] }, { lines: [] }]));
    expect((blank as UnsupportedFileError).reason).toBe('empty');
    expect(blank.message).toMatch(/no text layer.*2 of its|2 pages/);
  });

  it('applies the size limit before reading, and the sync text parser refuses binary formats', async () => {
    const bytes = await makePdf([{ lines: ['x'] }]);
    const big = await refusal('big.pdf', bytes, { maxFileBytes: 100 });
    expect((big as UnsupportedFileError).reason).toBe('too-large');
    expect(() => parseFile('a.pdf', bytes)).toThrow(ParseError);
  });
});

describe('DOCX', () => {
  it('takes headings from Word heading styles', async () => {
    const bytes = await makeDocx([
      { title: true, text: 'Widget Manual' },
      { heading: 1, text: 'Getting started' },
      { text: 'Plug the widget in.' },
      { heading: 2, text: 'Turning it on' },
      { text: 'Press the red button for three seconds.' },
      { heading: 1, text: 'Troubleshooting' },
      { text: 'If it beeps, it is hungry.' },
    ]);
    const doc = await parseDocument('manual.docx', bytes);
    expect(doc.format).toBe('docx');
    expect(doc.title).toBe('Widget Manual');
    const byAnchor = new Map(doc.sections.map((s) => [s.anchor, s]));
    expect(byAnchor.get('getting-started')).toMatchObject({ level: 1, text: 'Plug the widget in.' });
    expect(byAnchor.get('turning-it-on')).toMatchObject({ level: 2, headingPath: ['Getting started', 'Turning it on'], text: 'Press the red button for three seconds.' });
    expect(byAnchor.get('troubleshooting')?.level).toBe(1);
  });

  it('refuses an encrypted document as encrypted and a damaged one as a parse error', async () => {
    const enc = await refusal('locked.docx', makeEncryptedDocx());
    expect((enc as UnsupportedFileError).reason).toBe('encrypted');
    const good = await makeDocx([{ text: 'hello' }]);
    const cut = await refusal('cut.docx', good.subarray(0, Math.floor(good.length / 2)));
    expect(cut).toBeInstanceOf(ParseError);
    expect(cut.message).toMatch(/cut\.docx is not a readable Word document/);
    const notZip = await refusal('plain.docx', new TextEncoder().encode('plain text'));
    expect(notZip).toBeInstanceOf(ParseError);
  });
});

describe('on the parse threads', () => {
  const pool = new ThreadParser(2);
  afterAll(() => pool.close());

  it('gives the records the calling thread gives, and the same refusals', async () => {
    const task = (uri: string, bytes: Uint8Array) => ({ uri, bytes, sourceId: 'src_test', checksum: 'c', indexedAt: '2026-12-03T00:00:00.000Z', maxSectionTokens: 400 });
    const pdf = task('g.pdf', await makePdf([{ lines: ['alpha'] }, { lines: ['beta'] }], { outline: [{ title: 'A', page: 1 }] }));
    const docx = task('m.docx', await makeDocx([{ heading: 1, text: 'H' }, { text: 'body' }]));
    for (const t of [pdf, docx]) {
      const there = await pool.parse(t);
      expect(there).toEqual(await parserOnThisThread.parse(t));
      expect(there.sections.length).toBeGreaterThan(0);
    }
    await expect(pool.parse(task('e.pdf', makeEncryptedPdf()))).rejects.toMatchObject({ reason: 'encrypted' });
  });
});
