import { UnsupportedFileError } from '../domain/errors.js';
import type { DocFormat } from '../domain/types.js';

const EXTENSIONS: Record<string, DocFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

/** Formats read from their bytes by a library (parse/pdf.ts, parse/docx.ts), not decoded as UTF-8 text. */
export const BINARY_FORMATS: ReadonlySet<DocFormat> = new Set<DocFormat>(['pdf', 'docx']);

/** Extensions docgraph indexes, for help texts and errors. */
export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

/** The format for a file name, or undefined when docgraph does not index it. */
export function formatOf(path: string): DocFormat | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return undefined;
  return EXTENSIONS[path.slice(dot).toLowerCase()];
}

/** Default cap on one file; larger files are skipped with reason `too-large`. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

/**
 * Checks raw bytes and decodes them as UTF-8 (a BOM is dropped). Throws
 * UnsupportedFileError with a reason: empty, too-large, binary, invalid-utf8.
 */
export function decodeText(uri: string, bytes: Uint8Array, maxBytes = DEFAULT_MAX_FILE_BYTES): string {
  if (bytes.length > maxBytes) throw tooLarge(uri, bytes.length, maxBytes);
  if (looksBinary(bytes)) {
    throw new UnsupportedFileError(uri, 'binary', `${uri} looks like a binary file (it holds NUL or control bytes), not Markdown or HTML text`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new UnsupportedFileError(uri, 'invalid-utf8', `${uri} is not valid UTF-8 (first bad byte at offset ${at}); convert it with e.g. \`iconv -f latin1 -t utf-8\``);
  }
  if (text.trim() === '') {
    throw new UnsupportedFileError(uri, 'empty', `${uri} is empty`);
  }
  return text;
}

/** The `too-large` refusal of a file of `size` bytes (callers check the size before they read). */
export function tooLarge(uri: string, size: number, maxBytes: number): UnsupportedFileError {
  return new UnsupportedFileError(uri, 'too-large', `${uri} is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit (ingest.maxFileBytes)`);
}

function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return true;
    if (b < 7 || (b > 13 && b < 32 && b !== 27)) control++;
  }
  return n > 0 && control / n > 0.1;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // binary search for the shortest prefix that fails (a cut inside a valid sequence also fails, so step back a little)
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    try {
      decoder.decode(bytes.subarray(0, mid + 1));
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  return Math.max(0, lo - 3);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
}
