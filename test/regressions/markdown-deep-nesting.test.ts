// Guards against Markdown whose block nesting made marked's lexer run for
// minutes (4,000 indented list levels) or out of memory (6,000 quote levels):
// such files must be refused as too-deep up front, well under the size limit.
import { describe, expect, it } from 'vitest';
import { UnsupportedFileError } from '../../src/domain/errors.js';
import { parseFile } from '../../src/parse/parse-file.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function tooDeep(uri: string, text: string): UnsupportedFileError {
  try {
    parseFile(uri, utf8(text));
  } catch (e) {
    expect(e).toBeInstanceOf(UnsupportedFileError);
    return e as UnsupportedFileError;
  }
  throw new Error(`${uri} parsed; expected too-deep`);
}

describe('regression: deeply nested Markdown is refused before lexing', () => {
  it('6,000 nested blockquotes, one level more per line (18 MB)', () => {
    const text = Array.from({ length: 6_000 }, (_, i) => '>'.repeat(i + 1) + ' line ' + i).join('\n');
    const err = tooDeep('quote-lines.md', text);
    expect(err.reason).toBe('too-deep');
    expect(err.message).toMatch(/quote-lines\.md nests block quotes or lists too deeply/);
    expect(err.message).toMatch(/at line 101\b/);
  });

  it('4,000 nested list items, one level more indented per line (16 MB)', () => {
    const text = Array.from({ length: 4_000 }, (_, i) => '  '.repeat(i) + '- item ' + i).join('\n');
    expect(tooDeep('list-lines.md', text).reason).toBe('too-deep');
  });

  it('the line number counts front matter lines', () => {
    const text = '---\ntitle: Deep\n---\n\nintro\n\n' + '> '.repeat(150) + 'x\n';
    expect(tooDeep('fm.md', text).message).toMatch(/about 150 levels at line 7\b/);
  });

  it('still parses realistic nesting: 40 indented list levels, 50 quote levels, deep code indentation', () => {
    const list = Array.from({ length: 40 }, (_, i) => '  '.repeat(i) + '- level ' + i).join('\n');
    const quotes = '> '.repeat(50) + 'deep quote';
    const code = '```json\n' + Array.from({ length: 60 }, (_, i) => ' '.repeat(i) + '"k": 1').join('\n') + '\n```';
    const doc = parseFile('ok.md', utf8(`# Nesting\n\n${list}\n\n${quotes}\n\n${code}\n`));
    const all = doc.sections.map((s) => s.text).join('\n\n');
    expect(all).toContain('- level 39');
    expect(all).toContain('deep quote');
    expect(all).toContain(code);
  });
});
