/**
 * Parsing a text file synchronously, for callers that hold its bytes and
 * cannot wait (tests, benchmarks, the coverage measure): this module loads the
 * HTML parser up front. An ingest parses through `parseDocument` (parse.ts),
 * which loads it on the first HTML file.
 */
import * as html from './html.js';
import { parseText, type ParseFileOptions } from './parse.js';
import type { ParsedDocument } from './model.js';

/**
 * Parses one text file's bytes (Markdown, HTML) into the Section model, choosing the parser by
 * extension (PDF and DOCX: `parseDocument`). Throws UnsupportedFileError (binary, invalid UTF-8, too large,
 * empty, unknown type, too deep) or ParseError; never anything else.
 */
export function parseFile(uri: string, bytes: Uint8Array, options: ParseFileOptions = {}): ParsedDocument {
  return parseText(uri, bytes, options, html);
}
