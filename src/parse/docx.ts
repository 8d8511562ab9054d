/**
 * DOCX → the Section model: mammoth turns the Word document into HTML
 * (Word's Heading 1–6 styles become h1–h6, Title an h1; lists, tables,
 * links, bold and italics kept), and our HTML parser makes the sections, so
 * anchors, splitting and extraction are those of any HTML page.
 */
import { ParseError, UnsupportedFileError } from '../domain/errors.js';
import { parseHtml } from './html.js';
import type { ParsedDocument, ParseOptions } from './model.js';

/** A compound (OLE) file: what an encrypted Office document, or a legacy .doc, is. A .docx is a zip. */
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const ZIP_MAGIC = [0x50, 0x4b];

/** Title (and heading) styles mammoth does not map by default. */
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"];

interface Mammoth {
  convertToHtml(input: { buffer: Buffer }, options?: { styleMap?: string[] }): Promise<{ value: string; messages: { type: string; message: string }[] }>;
}

let mammoth: Promise<Mammoth> | undefined;

/** mammoth loads on the first DOCX. */
function loadMammoth(): Promise<Mammoth> {
  mammoth ??= import('mammoth').then((m) => ((m as { default?: Mammoth }).default ?? m) as Mammoth);
  return mammoth;
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/**
 * Parses a DOCX's bytes. Throws UnsupportedFileError (`encrypted`: a
 * password-protected document (or a legacy .doc named .docx); `empty`: no
 * text) or ParseError (not a Word document, or damaged).
 */
export async function parseDocx(uri: string, bytes: Uint8Array, options: ParseOptions = {}): Promise<ParsedDocument> {
  if (startsWith(bytes, OLE_MAGIC)) {
    throw new UnsupportedFileError(uri, 'encrypted', `${uri} is a password-protected Word document (or a legacy .doc named .docx); save an unprotected .docx to index it`);
  }
  if (!startsWith(bytes, ZIP_MAGIC)) {
    throw new ParseError(uri, `${uri} is not a Word document: a .docx is a zip archive, and this file does not start like one`);
  }
  let html: string;
  try {
    const { value } = await (await loadMammoth()).convertToHtml({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }, { styleMap: STYLE_MAP });
    // Word's hidden bookmarks (_Toc…, _Ref…, _GoBack) would become the headings' anchors: slugs read better
    html = value.replace(/<a id="_[^"]*"><\/a>/g, '');
  } catch (e) {
    throw new ParseError(uri, `${uri} is not a readable Word document (${e instanceof Error ? e.message : String(e)}); check the file is complete and not damaged`, { cause: e });
  }
  if (html.replace(/<[^>]*>/g, '').trim() === '') throw new UnsupportedFileError(uri, 'empty', `${uri} holds no text`);
  const doc = parseHtml(uri, `<!doctype html><html><body><main>${html}</main></body></html>`, { ...options, headingSlugs: true });
  return { ...doc, format: 'docx' };
}
