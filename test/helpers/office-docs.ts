/**
 * Small real PDF and DOCX files, made by the tests that use them (no binary
 * fixtures): PDFs with pdf-lib (text drawn where the test says, an outline
 * of bookmarks written as the PDF spec defines it), DOCX with the docx
 * package (Word heading styles), and the broken kinds a source may hold.
 */
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { PDFArray, PDFDocument, PDFHexString, PDFName, PDFNull, PDFNumber, StandardFonts, type PDFDict, type PDFRef } from 'pdf-lib';

export interface PdfPage {
  /** Lines drawn in this order; `y` from the bottom of a 792-point page (default: top down, 20 points apart). */
  lines: ({ text: string; y?: number; x?: number; size?: number } | string)[];
}

export interface OutlineEntry {
  title: string;
  /** 1-based page it points at. */
  page: number;
  children?: OutlineEntry[];
}

/** A PDF of `pages`, with a document title and, when given, an outline (bookmarks). */
export async function makePdf(pages: PdfPage[], o: { title?: string; outline?: OutlineEntry[] } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  if (o.title) doc.setTitle(o.title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const refs: PDFRef[] = [];
  for (const p of pages) {
    const page = doc.addPage([612, 792]);
    refs.push(page.ref);
    let y = 740;
    for (const l of p.lines) {
      const line = typeof l === 'string' ? { text: l } : l;
      page.drawText(line.text, { x: line.x ?? 72, y: line.y ?? y, size: line.size ?? 12, font });
      y = (line.y ?? y) - 20;
    }
  }
  if (o.outline?.length) {
    const root = doc.context.obj({ Type: 'Outlines' }) as PDFDict;
    const rootRef = doc.context.register(root);
    const build = (entries: OutlineEntry[], parentRef: PDFRef, parent: PDFDict): void => {
      const made = entries.map((e) => {
        const dest = PDFArray.withContext(doc.context);
        dest.push(refs[e.page - 1]!);
        dest.push(PDFName.of('XYZ'));
        dest.push(PDFNull);
        dest.push(PDFNumber.of(792));
        dest.push(PDFNull);
        const dict = doc.context.obj({}) as PDFDict;
        dict.set(PDFName.of('Title'), PDFHexString.fromText(e.title));
        dict.set(PDFName.of('Parent'), parentRef);
        dict.set(PDFName.of('Dest'), dest);
        return { e, dict, ref: doc.context.register(dict) };
      });
      made.forEach((m, i) => {
        if (i > 0) m.dict.set(PDFName.of('Prev'), made[i - 1]!.ref);
        if (i < made.length - 1) m.dict.set(PDFName.of('Next'), made[i + 1]!.ref);
        if (m.e.children?.length) build(m.e.children, m.ref, m.dict);
      });
      parent.set(PDFName.of('First'), made[0]!.ref);
      parent.set(PDFName.of('Last'), made[made.length - 1]!.ref);
      parent.set(PDFName.of('Count'), PDFNumber.of(made.length));
    };
    build(o.outline, rootRef, root);
    doc.catalog.set(PDFName.of('Outlines'), rootRef);
  }
  return doc.save({ useObjectStreams: false });
}

/**
 * A PDF that needs a password: the standard security handler (RC4, revision
 * 2) with an owner and user entry the empty password does not match, so a
 * reader must ask for one.
 */
export function makeEncryptedPdf(): Uint8Array {
  const hex32 = 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
    `<< /Filter /Standard /V 1 /R 2 /Length 40 /O <${hex32}> /U <${hex32}> /P -4 >>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((n) => `${String(n).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}

export interface DocxBlock {
  heading?: 1 | 2 | 3;
  title?: boolean;
  text: string;
}

const LEVELS = { 1: HeadingLevel.HEADING_1, 2: HeadingLevel.HEADING_2, 3: HeadingLevel.HEADING_3 } as const;

/** A DOCX whose paragraphs use Word's Title and Heading 1–3 styles where asked. */
export async function makeDocx(blocks: DocxBlock[]): Promise<Uint8Array> {
  const doc = new Document({
    sections: [
      {
        children: blocks.map((b) =>
          b.title
            ? new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(b.text)] })
            : b.heading
              ? new Paragraph({ heading: LEVELS[b.heading], children: [new TextRun(b.text)] })
              : new Paragraph({ children: [new TextRun(b.text)] }),
        ),
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}

/** What an encrypted Office document is on disk: a compound (OLE) file, not a zip. */
export function makeEncryptedDocx(): Uint8Array {
  const b = new Uint8Array(1024);
  b.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  return b;
}
