import { describe, expect, it } from 'vitest';
import { UnsupportedFileError, type SkipReason } from '../domain/errors.js';
import { parseFile } from './parse-file.js';

/** Runs parseFile expecting an UnsupportedFileError; returns it for further checks. */
function rejects(uri: string, bytes: Uint8Array, options: Parameters<typeof parseFile>[2] = {}): UnsupportedFileError {
  try {
    parseFile(uri, bytes, options);
  } catch (e) {
    expect(e).toBeInstanceOf(UnsupportedFileError);
    const err = e as UnsupportedFileError;
    expect(err.code).toBe('UNSUPPORTED_FILE');
    expect(err.uri).toBe(uri);
    expect(err.message).toContain(uri);
    return err;
  }
  throw new Error(`parseFile(${uri}) did not throw`);
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseFile: files it will not index', () => {
  it('rejects a binary file (NUL bytes), saying it looks binary', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const err = rejects('images/logo.md', png);
    expect(err.reason).toBe<SkipReason>('binary');
    expect(err.message).toMatch(/binary/);
  });

  it('rejects text full of control characters as binary', () => {
    const bytes = new Uint8Array(400).map((_, i) => (i % 3 === 0 ? 0x01 : 0x41));
    expect(rejects('ctl.md', bytes).reason).toBe<SkipReason>('binary');
  });

  it('rejects invalid UTF-8 (a Latin-1 byte) and says where and how to convert', () => {
    const latin1 = Uint8Array.from([...utf8('# Caf'), 0xe9, ...utf8('\n\nMen\u00fc is fine here.\n')]);
    const err = rejects('cafe.md', latin1);
    expect(err.reason).toBe<SkipReason>('invalid-utf8');
    expect(err.message).toMatch(/not valid UTF-8/);
    expect(err.message).toMatch(/offset \d+/);
    expect(err.message).toMatch(/iconv/);
  });

  it('rejects a file over maxFileBytes before looking at its content, naming both sizes', () => {
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x61); // 50 MB of "a"
    const err = rejects('huge.md', big);
    expect(err.reason).toBe<SkipReason>('too-large');
    expect(err.message).toContain('50.0 MB');
    expect(err.message).toContain('20.0 MB');
    expect(err.message).toContain('maxFileBytes');
  });

  it('honours a smaller maxFileBytes', () => {
    const err = rejects('small.md', utf8('# Title\n\n' + 'x'.repeat(2000)), { maxFileBytes: 1024 });
    expect(err.reason).toBe<SkipReason>('too-large');
    expect(err.message).toContain('1.0 KB');
  });

  it.each([
    ['an empty file', ''],
    ['a whitespace-only file', ' \n\t\r\n   \n'],
    ['a file with only a BOM', '\uFEFF'],
  ])('rejects %s as empty', (_name, text) => {
    const err = rejects('blank.md', utf8(text));
    expect(err.reason).toBe<SkipReason>('empty');
    expect(err.message).toMatch(/empty/);
  });

  it.each(['notes.txt', 'diagram.svg', 'Makefile', 'archive.md.gz'])('rejects %s as an unsupported type, listing what is supported', (uri) => {
    const err = rejects(uri, utf8('# Heading\n\ntext\n'));
    expect(err.reason).toBe<SkipReason>('unsupported-type');
    expect(err.message).toContain('.md');
    expect(err.message).toContain('.html');
  });

  it('chooses the parser by extension, case-insensitively', () => {
    const doc = parseFile('README.MARKDOWN', utf8('# Hello\n\nworld\n'));
    expect(doc).toMatchObject({ format: 'markdown', title: 'Hello' });
  });
});

describe('parseFile: pathological nesting parses or is refused as too-deep, never crashes', () => {
  /** Either a parsed document or UnsupportedFileError('too-deep'); anything else fails the test. */
  function parsesOrTooDeep(uri: string, text: string): 'parsed' | 'too-deep' {
    try {
      const doc = parseFile(uri, utf8(text));
      expect(doc.sections.length).toBeGreaterThan(0);
      return 'parsed';
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedFileError);
      const err = e as UnsupportedFileError;
      expect(err.reason).toBe<SkipReason>('too-deep');
      expect(err.message).toMatch(/deep/);
      expect(err.message).toContain(uri);
      return 'too-deep';
    }
  }

  it('10,000 nested blockquotes on one line', () => {
    expect(parsesOrTooDeep('quotes.md', '>'.repeat(10_000) + ' deep\n')).toBeDefined();
  });

  it('10,000 nested list items on one line (bullets and ordered)', () => {
    expect(parsesOrTooDeep('bullets.md', '- '.repeat(10_000) + 'x\n')).toBeDefined();
    expect(parsesOrTooDeep('ordered.md', '1. '.repeat(10_000) + 'x\n')).toBeDefined();
    expect(parsesOrTooDeep('mixed.md', '> - '.repeat(5_000) + 'x\n')).toBeDefined();
  });

  it('10,000 nested emphasis and link brackets', () => {
    expect(parsesOrTooDeep('emph.md', '*'.repeat(10_000) + 'x' + '*'.repeat(10_000))).toBeDefined();
    expect(parsesOrTooDeep('brackets.md', '['.repeat(10_000) + 'x' + ']'.repeat(10_000))).toBeDefined();
  });

  it('a normal document with moderate nesting still parses', () => {
    const text = '# Title\n\n' + Array.from({ length: 8 }, (_, i) => '  '.repeat(i) + '- level ' + i).join('\n') + '\n\n> > > quoted three deep\n';
    expect(parsesOrTooDeep('ok.md', text)).toBe('parsed');
  });
});
