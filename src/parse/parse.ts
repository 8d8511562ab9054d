import { ParseError, UnsupportedFileError } from '../domain/errors.js';
import { decodeText, formatOf } from './input.js';
import { parseMarkdown } from './markdown.js';
import { parseHtml } from './html.js';
import type { ParsedDocument, ParseOptions } from './model.js';

export interface ParseFileOptions extends ParseOptions {
  maxFileBytes?: number;
}

/**
 * Parses one file's bytes into the Section model, choosing the parser by
 * extension. Throws UnsupportedFileError (binary, invalid UTF-8, too large,
 * empty, unknown type, too deep) or ParseError; never anything else.
 */
export function parseFile(uri: string, bytes: Uint8Array, options: ParseFileOptions = {}): ParsedDocument {
  const format = formatOf(uri);
  if (!format) throw new UnsupportedFileError(uri, 'unsupported-type', `${uri}: docgraph indexes .md, .markdown, .mdx, .html, .htm and .xhtml files`);
  const text = decodeText(uri, bytes, options.maxFileBytes);
  try {
    return format === 'markdown' ? parseMarkdown(uri, text, options) : parseHtml(uri, text, options);
  } catch (e) {
    // RangeError is what V8 throws when a parser runs out of stack on pathological nesting
    if (e instanceof RangeError) {
      throw new UnsupportedFileError(uri, 'too-deep', `${uri} nests its elements too deeply to parse (${e.message})`);
    }
    if (e instanceof UnsupportedFileError || e instanceof ParseError) throw e;
    throw new ParseError(uri, `${uri} could not be parsed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
