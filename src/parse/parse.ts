import { ParseError, UnsupportedFileError } from '../domain/errors.js';
import type { DocFormat } from '../domain/types.js';
import { BINARY_FORMATS, decodeText, formatOf, tooLarge, DEFAULT_MAX_FILE_BYTES } from './input.js';
import { inlineNesting, MAX_NESTING, parseMarkdown } from './markdown.js';
import type { ParsedDocument, ParseOptions } from './model.js';

export interface ParseFileOptions extends ParseOptions {
  maxFileBytes?: number;
}

/** The HTML parser (html.ts), which a text file's parse is handed when it may need it. */
export interface HtmlParser {
  parseHtml(uri: string, html: string, options?: ParseOptions): ParsedDocument;
  elementNesting(html: string): number;
}

const SUPPORTED = '.md, .markdown, .mdx, .html, .htm, .xhtml, .pdf and .docx files';

// The HTML, PDF and DOCX parsers load on the first file of their format: a
// Markdown-only run never loads parse5, the hast/mdast utilities, pdf.js or
// mammoth (over 200 of the 490 ES modules an ingest of the Node docs loaded).
let html: Promise<HtmlParser> | undefined;
const loadHtml = (): Promise<HtmlParser> => (html ??= import('./html.js'));

/**
 * Parses one file's bytes into the Section model, choosing the parser by
 * extension: every format, PDF and DOCX included (their libraries are
 * asynchronous). Throws UnsupportedFileError or ParseError; never anything else.
 */
export async function parseDocument(uri: string, bytes: Uint8Array, options: ParseFileOptions = {}): Promise<ParsedDocument> {
  const format = formatOf(uri);
  if (format === undefined || !BINARY_FORMATS.has(format)) return parseText(uri, bytes, options, format === 'html' ? await loadHtml() : undefined);
  const max = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (bytes.length > max) throw tooLarge(uri, bytes.length, max);
  if (bytes.length === 0) throw new UnsupportedFileError(uri, 'empty', `${uri} is empty`);
  const parse = format === 'pdf' ? (await import('./pdf.js')).parsePdf : (await import('./docx.js')).parseDocx;
  try {
    return await parse(uri, bytes, options);
  } catch (e) {
    if (e instanceof UnsupportedFileError || e instanceof ParseError) throw e;
    throw new ParseError(uri, `${uri} could not be parsed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * Parses one text file's bytes (Markdown, HTML) into the Section model,
 * choosing the parser by extension; `html` parses an HTML file (parse-file.ts
 * and `parseDocument` hand it over). Throws UnsupportedFileError (binary,
 * invalid UTF-8, too large, empty, unknown type, too deep) or ParseError;
 * never anything else.
 */
export function parseText(uri: string, bytes: Uint8Array, options: ParseFileOptions, html: HtmlParser | undefined): ParsedDocument {
  const format = formatOf(uri);
  if (!format) throw new UnsupportedFileError(uri, 'unsupported-type', `${uri}: docgraph indexes ${SUPPORTED}`);
  if (BINARY_FORMATS.has(format)) throw new ParseError(uri, `${uri} is a ${format.toUpperCase()} file, read by parseDocument (asynchronously); this is a docgraph bug`);
  if (format === 'html' && !html) throw new ParseError(uri, `${uri} is an HTML file, parsed without the HTML parser; this is a docgraph bug`);
  const text = decodeText(uri, bytes, options.maxFileBytes);
  try {
    return format === 'markdown' ? parseMarkdown(uri, text, options) : html!.parseHtml(uri, text, options);
  } catch (e) {
    if (e instanceof RangeError) throw outOfStack(uri, format, text, e, html);
    if (e instanceof UnsupportedFileError || e instanceof ParseError) throw e;
    throw new ParseError(uri, `${uri} could not be parsed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * What a RangeError from a parser means. V8 throws it when a recursive
 * parser runs out of stack: on input nested past MAX_NESTING that is the
 * input's fault (`too-deep`, saying where and the limit). On flat input it is
 * ours (a recursion or a spread that grows with the input's size), so it is
 * not reported as depth: a ParseError that names the nesting actually found.
 */
function outOfStack(uri: string, format: DocFormat, text: string, e: RangeError, html: HtmlParser | undefined): UnsupportedFileError | ParseError {
  if (format === 'markdown') {
    const { depth, line } = inlineNesting(text);
    if (depth > MAX_NESTING) {
      return new UnsupportedFileError(uri, 'too-deep', `${uri} nests emphasis, links or brackets too deeply to parse (about ${depth} levels at line ${line}; the limit is ${MAX_NESTING})`);
    }
    return new ParseError(uri, `${uri} could not be parsed (${e.message}) although it nests inline markup only about ${depth} levels deep (the limit is ${MAX_NESTING}); this is a docgraph bug, please report it with the file`, { cause: e });
  }
  const depth = html!.elementNesting(text);
  if (depth > MAX_NESTING) {
    return new UnsupportedFileError(uri, 'too-deep', `${uri} nests its elements too deeply to parse (${depth} levels; the limit is ${MAX_NESTING})`);
  }
  return new ParseError(uri, `${uri} could not be parsed (${e.message}) although its elements nest only ${depth} levels deep (the limit is ${MAX_NESTING}); this is a docgraph bug, please report it with the file`, { cause: e });
}
