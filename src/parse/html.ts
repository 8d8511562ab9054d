import { ParseError } from '../domain/errors.js';
import type { ParsedDocument, ParseOptions } from './model.js';

/** Placeholder until the HTML parser lands: reports HTML as not yet parseable. */
export function parseHtml(uri: string, _source: string, _options: ParseOptions = {}): ParsedDocument {
  throw new ParseError(uri, `${uri}: HTML parsing is not available in this build`);
}
