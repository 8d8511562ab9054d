/**
 * PDF → the Section model, with pdf.js (pdfjs-dist's legacy build, the one
 * made for Node). Every page is a section cited as `page-N`; its heading is
 * the title of the outline entries (bookmarks) that start on it, or "Page N",
 * and the outline's nesting gives the heading levels, so a page without an
 * entry of its own sits under the entry it continues. Text is read in
 * reading order: the page's text runs grouped into lines by baseline, lines
 * from the top of the page down, runs of a line from left to right, and a
 * blank line where the gap between lines is wider than a line.
 */
import { ParseError, UnsupportedFileError } from '../domain/errors.js';
import { baseName } from './markdown.js';
import type { ParsedDocument, ParseOptions } from './model.js';
import { normalizeSpace, sectionize, type Block } from './sectionize.js';

/** Pages read from one PDF at most; a longer one is refused as too large (each page is a section). */
export const MAX_PDF_PAGES = 5000;
/** Outline entries looked at at most (a bound on the walk; real outlines hold hundreds). */
const MAX_OUTLINE_ENTRIES = 10_000;

/** The few pdf.js types used here (its own .d.ts describe far more). */
interface TextRun {
  str: string;
  transform: number[];
  width: number;
  height: number;
}
interface OutlineNode {
  title: string;
  dest: string | unknown[] | null;
  items: OutlineNode[];
}
interface PdfDocument {
  numPages: number;
  getMetadata(): Promise<{ info?: Record<string, unknown> }>;
  getOutline(): Promise<OutlineNode[] | null>;
  getDestination(id: string): Promise<unknown[] | null>;
  getPageIndex(ref: unknown): Promise<number>;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: unknown[] }>; cleanup(): unknown }>;
  destroy(): Promise<void>;
}
interface PdfJs {
  getDocument(src: Record<string, unknown>): { promise: Promise<PdfDocument>; destroy(): Promise<void> };
  VerbosityLevel: { ERRORS: number };
}

let pdfjs: Promise<PdfJs> | undefined;

/** pdf.js loads on the first PDF: a process that never meets one never pays for it. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs') as unknown as Promise<PdfJs>;
  return pdfjs;
}

/**
 * Parses a PDF's bytes. Throws UnsupportedFileError (`encrypted`: it needs a
 * password; `empty`: no page has text, e.g. a scan without OCR;
 * `too-large`: more than MAX_PDF_PAGES pages) or ParseError (not a PDF, or
 * damaged past what pdf.js repairs).
 */
export async function parsePdf(uri: string, bytes: Uint8Array, options: ParseOptions = {}): Promise<ParsedDocument> {
  const lib = await loadPdfJs();
  // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy
  const task = lib.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: false, verbosity: lib.VerbosityLevel.ERRORS });
  let pdf: PdfDocument;
  try {
    pdf = await task.promise;
  } catch (e) {
    await task.destroy().catch(() => undefined);
    throw openError(uri, e);
  }
  try {
    if (pdf.numPages > MAX_PDF_PAGES) {
      throw new UnsupportedFileError(uri, 'too-large', `${uri} has ${pdf.numPages} pages, over the limit of ${MAX_PDF_PAGES} pages for one PDF`);
    }
    const info = (await pdf.getMetadata().catch(() => ({ info: undefined }))).info ?? {};
    const entries = await outlineByPage(pdf);
    const blocks: Block[] = [];
    let level = 1; // the level of a page that has no entry of its own: one below the entry it continues
    let anyText = false;
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      const text = pageText((await page.getTextContent()).items);
      page.cleanup();
      if (text.trim() !== '') anyText = true;
      const own = entries.get(n - 1);
      let heading: string;
      let pageLevel: number;
      if (own?.length) {
        heading = own.map((e) => e.title).join(' · ');
        pageLevel = own.reduce((m, e) => Math.min(m, e.depth), 6);
        level = Math.min(6, own.reduce((m, e) => Math.max(m, e.depth), 1) + 1);
      } else {
        heading = `Page ${n}`;
        pageLevel = entries.size > 0 ? level : 1;
      }
      blocks.push({ kind: 'heading', level: Math.min(6, pageLevel), source: heading, plain: heading, anchor: `page-${n}`, links: [] });
      for (const para of text.split(/\n{2,}/)) if (para.trim() !== '') blocks.push({ kind: 'body', text: para.trim(), links: [] });
    }
    if (!anyText) {
      throw new UnsupportedFileError(uri, 'empty', `${uri} has no text layer on any of its ${pdf.numPages} pages (a scanned PDF needs OCR first, e.g. \`ocrmypdf\`)`);
    }
    const sections = sectionize(blocks, options.maxSectionTokens ?? 400);
    const title = stringField(info.Title) ?? baseName(uri);
    return { uri, format: 'pdf', title, meta: { pages: pdf.numPages }, sections };
  } catch (e) {
    if (e instanceof UnsupportedFileError || e instanceof ParseError) throw e;
    throw new ParseError(uri, `${uri} could not be read as a PDF: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

function openError(uri: string, e: unknown): UnsupportedFileError | ParseError {
  const name = (e as { name?: string } | undefined)?.name;
  if (name === 'PasswordException') {
    return new UnsupportedFileError(uri, 'encrypted', `${uri} is encrypted (it needs a password to open); save an unprotected copy to index it`);
  }
  const why = e instanceof Error ? e.message : String(e);
  return new ParseError(uri, `${uri} is not a readable PDF (${why}); check the file is complete and not damaged`, { cause: e });
}

function stringField(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? normalizeSpace(v) : undefined;
}

/** The outline entries (title, depth from 1) by the 0-based index of the page each starts on, in outline order. */
async function outlineByPage(pdf: PdfDocument): Promise<Map<number, { title: string; depth: number }[]>> {
  const out = new Map<number, { title: string; depth: number }[]>();
  const outline = await pdf.getOutline().catch(() => null);
  if (!outline) return out;
  const stack: { node: OutlineNode; depth: number }[] = outline.map((node) => ({ node, depth: 1 })).reverse();
  let seen = 0;
  while (stack.length > 0 && seen++ < MAX_OUTLINE_ENTRIES) {
    const { node, depth } = stack.pop()!;
    const title = normalizeSpace(node.title ?? '');
    const page = await destinationPage(pdf, node.dest);
    if (page !== undefined && title !== '') {
      const list = out.get(page) ?? [];
      list.push({ title, depth });
      out.set(page, list);
    }
    for (let i = (node.items?.length ?? 0) - 1; i >= 0; i--) stack.push({ node: node.items[i]!, depth: depth + 1 });
  }
  return out;
}

/** The 0-based page an outline destination points at (named or explicit), when it points at one. */
async function destinationPage(pdf: PdfDocument, dest: OutlineNode['dest']): Promise<number | undefined> {
  try {
    const explicit = typeof dest === 'string' ? await pdf.getDestination(dest) : dest;
    const ref = Array.isArray(explicit) ? explicit[0] : undefined;
    if (ref === undefined || ref === null) return undefined;
    if (typeof ref === 'number') return ref; // some writers give the page index itself
    return await pdf.getPageIndex(ref);
  } catch {
    return undefined; // an entry pointing nowhere (a URL action, a broken reference) names no page
  }
}

/** A page's text in reading order (see the module comment); paragraphs are separated by a blank line. */
export function pageText(items: readonly unknown[]): string {
  const runs = items.filter((i): i is TextRun => typeof (i as TextRun).str === 'string' && Array.isArray((i as TextRun).transform) && (i as TextRun).str !== '');
  const placed = runs.map((r) => {
    const size = Math.hypot(r.transform[2] ?? 0, r.transform[3] ?? 0) || r.height || 10;
    return { text: r.str, x: r.transform[4] ?? 0, y: r.transform[5] ?? 0, w: r.width, size };
  });
  // top of the page first (PDF y grows upwards), then left to right
  placed.sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: { y: number; size: number; runs: typeof placed }[] = [];
  for (const p of placed) {
    const line = lines[lines.length - 1];
    if (line && Math.abs(line.y - p.y) <= Math.max(line.size, p.size) * 0.5) line.runs.push(p);
    else lines.push({ y: p.y, size: p.size, runs: [p] });
  }
  const out: string[] = [];
  let previous: (typeof lines)[number] | undefined;
  for (const line of lines) {
    line.runs.sort((a, b) => a.x - b.x);
    let text = '';
    let end = -Infinity;
    for (const r of line.runs) {
      const gap = r.x - end;
      if (text !== '' && gap > r.size * 0.15 && !/\s$/.test(text) && !/^\s/.test(r.text)) text += ' ';
      text += r.text;
      end = r.x + r.w;
    }
    text = text.replace(/\s+/g, ' ').trim();
    if (text === '') continue;
    if (previous && previous.y - line.y > Math.max(previous.size, line.size) * 1.8) out.push('');
    out.push(text);
    previous = line;
  }
  return out.join('\n');
}
