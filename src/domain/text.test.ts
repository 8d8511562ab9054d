import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawTokens, readableText, STOPWORDS, stem, terms, wholeForm } from './text.js';

describe('terms: code-aware tokenization', () => {
  it.each([
    ['snake_case', 'worker_connections', ['worker_connections', 'worker', 'connect']],
    ['camelCase', 'readFileSync', ['readfilesync', 'read', 'file', 'sync']],
    ['acronym then word', 'HTTPServer', ['httpserver', 'http', 'server']],
    ['dotted name with camelCase part', 'fs.readFile', ['fs_readfile', 'fs', 'readfile', 'read', 'file']],
    ['long flag', '--max-old-space-size', ['max_old_space_size', 'max', 'old', 'space', 'size']],
    ['error code', 'ERR_REQUIRE_ESM', ['err_require_esm', 'err', 'requir', 'esm']],
    ['product error code', 'ACME_E1042', ['acme_e1042', 'acm', 'e1042']],
    ['version number', 'v1.2.3', ['v1_2_3', 'v1', '2', '3']],
  ])('%s: %s keeps the whole token and its parts', (_kind, input, expected) => {
    expect(terms(input)).toEqual(expected);
  });

  it('finds identifiers inside prose and code', () => {
    const t = terms('Set `deploy.max_parallel` or pass --max-parallel to acme deploy.');
    expect(t).toContain('deploy_max_parallel');
    expect(t).toContain('max_parallel'); // the flag, folded like the setting's own name
    expect(t).toContain('parallel');
    expect(t).toContain(stem('deploy')); // parts are stemmed like plain words
    expect(t).not.toContain('to'); // stopword
    // the trailing sentence dot is not part of the identifier
    expect(t).not.toContain('acme_deploy');
  });

  it('stems plain words (Porter) so inflections meet', () => {
    expect(terms('running services')).toEqual(terms('run service'));
    expect(terms('rotating certificates')).toEqual(['rotat', 'certif']);
    expect(stem('deployments')).toBe(stem('deployment'));
  });

  it('does not stem short words or non-alphabetic tokens', () => {
    expect(stem('tls')).toBe('tls');
    expect(stem('e1042')).toBe('e1042');
    expect(stem('café')).toBe('café');
  });

  it('drops stopwords by default and keeps them when asked', () => {
    expect(terms('how do I use the config')).toEqual(['config']);
    expect(terms('how do I use the config', true)).toEqual(['how', 'do', 'i', 'use', 'the', 'config']);
    expect(STOPWORDS.has('the')).toBe(true);
    expect(STOPWORDS.has('deploy')).toBe(false);
  });

  it('drops one-letter identifier parts but keeps digits', () => {
    expect(terms('a/b/c')).toEqual(['a_b_c']);
    expect(terms('x.1')).toEqual(['x_1', '1']);
  });

  it('is case-insensitive', () => {
    expect(terms('Worker_Connections TLS')).toEqual(terms('worker_connections tls'));
  });

  it('keeps Unicode letters', () => {
    expect(terms('Über naïve')).toEqual(['über', 'naïve']);
  });

  it('caps very long tokens at 64 characters', () => {
    const t = terms('x'.repeat(500));
    expect(t).toHaveLength(1);
    expect(t[0]!.length).toBeLessThanOrEqual(64);
  });

  it('returns nothing for punctuation and whitespace', () => {
    expect(terms('  ... --- !!! ')).toEqual([]);
  });
});

describe('wholeForm and rawTokens', () => {
  it('folds punctuation runs to one underscore and trims them', () => {
    expect(wholeForm('--max-old-space-size')).toBe('max_old_space_size');
    expect(wholeForm('fs.readFile')).toBe('fs_readfile');
    expect(wholeForm('a::b//c')).toBe('a_b_c');
  });

  it('returns raw tokens as written, for highlighting', () => {
    expect(rawTokens('Run `acme deploy --wait` (see fs.readFile).')).toEqual(['Run', 'acme', 'deploy', '--wait', 'see', 'fs.readFile']);
  });
});

describe('readableText', () => {
  // what readableText reduces, as these regexes did (quadratic in a line of `[` that never closes)
  const INLINE_LINK = /(!?)\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"\n]*")?\)/g;
  const REF_LINK = /\[([^\]\n]+)\]\[[^\]\n]*\]/g;
  const AUTOLINK = /<(?:https?|mailto):[^>\s]+>/g;
  const reference = (md: string): string =>
    md
      .replace(INLINE_LINK, (_m, _bang: string, text: string) => text)
      .replace(REF_LINK, (_m, text: string) => text)
      .replace(AUTOLINK, '');

  it('keeps what a link says and drops where it points', () => {
    expect(readableText('See [the guide](guide/install.md "Install") and [`fs.readFile()`][readFile], ![logo](a.png).')).toBe('See the guide and `fs.readFile()`, logo.');
    expect(readableText('mail <mailto:a@example.com> or <https://example.com/x>')).toBe('mail  or ');
  });

  it('reduces exactly what the regexes reduced, on any mix of link syntax', () => {
    const piece = fc.constantFrom('[', ']', '(', ')', '!', '<', '>', 'http:', 'https:', 'mailto:', ' ', '\n', '"', 'a', 'b c', '][', '](', '](x)', '[a]', '\t');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const md = parts.join('');
        expect(readableText(md)).toBe(reference(md));
      }),
      { seed: 7, numRuns: 5000 },
    );
  });

  it('leaves a long run of brackets as it is, without reading the rest of the line from each one', () => {
    // each `[` used to scan to the end of the run for a `]`: 100,000 of them took about 20 s, and these 300,000
    // outlast the test timeout; now a few milliseconds
    const run = '['.repeat(300_000) + ' x';
    expect(readableText(run)).toBe(run);
    expect(readableText(run + '](y)')).toBe('['.repeat(299_999) + ' x');
    expect(readableText('<http:'.repeat(50_000))).toBe('<http:'.repeat(50_000));
  });
});
