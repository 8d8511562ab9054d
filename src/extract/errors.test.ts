import { describe, expect, it } from 'vitest';
import { extract } from '../../test/fixtures/extract/harness.js';
import { errorCode } from './errors.js';

const ERRORS_MD = [
  '# Errors',
  '',
  '## Node.js error codes',
  '',
  '<a id="ERR_REQUIRE_ESM"></a>',
  '',
  '### `ERR_REQUIRE_ESM`',
  '',
  'An attempt was made to `require()` an ES Module. To fix this, use `import()` instead.',
  '',
  '### `ERR_INVALID_ARG_TYPE`',
  '',
  'An argument of the wrong type was passed to a Node.js API.',
  '',
  '## Common system errors',
  '',
  '* `EADDRINUSE` (Address already in use): An attempt to bind a server to a local address failed.',
  '* `ENOENT` (No such file or directory): Commonly raised by `fs` operations.',
].join('\n');

describe('error codes', () => {
  const doc = extract('errors.md', ERRORS_MD);

  it('defines a code by its own heading', () => {
    const e = doc.entity('ErrorCode', 'ERR_REQUIRE_ESM');
    expect(e?.attributes).toEqual({ kind: 'code' });
    expect(doc.edgesOf('DEFINES', e).map((d) => d.src)).toEqual([doc.section('ERR_REQUIRE_ESM').id]);
  });

  it('defines errno codes by list entries, with their description', () => {
    const e = doc.entity('ErrorCode', 'EADDRINUSE');
    expect(e?.attributes).toMatchObject({ kind: 'errno', description: 'Address already in use: An attempt to bind a server to a local address failed.' });
    expect(doc.edgesOf('DEFINES', e).map((d) => d.src)).toEqual([doc.section('Common system errors').id]);
  });

  it('says which section resolves an error: a fix cue in the defining section, not a bare description', () => {
    expect(doc.edgesOf('RESOLVES', doc.entity('ErrorCode', 'ERR_REQUIRE_ESM')).map((d) => d.src)).toEqual([doc.section('ERR_REQUIRE_ESM').id]);
    expect(doc.edgesOf('RESOLVES', doc.entity('ErrorCode', 'ERR_INVALID_ARG_TYPE'))).toEqual([]);
  });
});

describe('errorCode', () => {
  const none = (): string => '';
  it.each([
    ['ERR_REQUIRE_ESM', 'code'],
    ["'ERR_HTTP_HEADERS_SENT'", 'code'],
    ['EADDRINUSE', 'errno'],
    ['DEP0005', 'deprecation'],
    ['E0277', 'compiler'],
  ])('%s is a %s code anywhere', (code, kind) => {
    expect(errorCode(code, none, false)?.attributes?.kind).toBe(kind);
  });

  it('takes five-character SQLSTATE codes only in an error context and with a valid class', () => {
    expect(errorCode('23505', () => 'fails with error code 23505', false)?.attributes?.kind).toBe('sqlstate');
    expect(errorCode('42P01', () => 'SQLSTATE 42P01 means undefined table', false)?.attributes?.kind).toBe('sqlstate');
    expect(errorCode('23505', () => 'listens on port 23505', false)).toBeUndefined();
    expect(errorCode('65536', () => 'error: port must be < 65536', false)).toBeUndefined();
  });

  it('takes constants for error codes only where errors are discussed', () => {
    expect(errorCode('CERT_HAS_EXPIRED', none, true)?.attributes?.kind).toBe('code');
    expect(errorCode('UV_THREADPOOL_SIZE', () => 'sets the pool size', false)).toBeUndefined();
    expect(errorCode('EOF', none, false)).toBeUndefined();
  });
});

describe('error messages', () => {
  it('reads messages from program output and from `// Throws` comments with a code', () => {
    const doc = extract(
      'modules.md',
      [
        '# Modules',
        '',
        '```console',
        '$ node main.mjs',
        "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x' imported from /app/main.mjs",
        '    at new NodeError (node:internal/errors:405:5)',
        '```',
        '',
        '```js',
        "fs.readFileSync(new URL('http://example.com/x'));",
        "// TypeError [ERR_INVALID_URL_SCHEME]: The URL must be of scheme file",
        '// Plain comment: this is not an error line at all',
        '```',
      ].join('\n'),
    );
    expect(doc.names('ErrorMessage')).toEqual([
      "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'x' imported from /app/main.mjs",
      'TypeError [ERR_INVALID_URL_SCHEME]: The URL must be of scheme file',
    ]);
    const msg = doc.entity('ErrorMessage', 'TypeError [ERR_INVALID_URL_SCHEME]: The URL must be of scheme file');
    const code = doc.entity('ErrorCode', 'ERR_INVALID_URL_SCHEME')!;
    expect(msg?.aliases).toEqual(['The URL must be of scheme file']);
    expect(doc.edgesOf('RELATED_TO', msg).map((e) => e.dst)).toContain(code.id);
  });

  it('leaves out messages the example wrote itself, and keeps the product part of a message with a detail', () => {
    const doc = extract(
      'assert.md',
      [
        '# Assert',
        '',
        '```js',
        "assert.throws(notThrowing, 'Second');",
        '// AssertionError [ERR_ASSERTION]: Missing expected exception: Second',
        "throw new Error('Things keep happening!');",
        '```',
        '',
        '```console',
        'Error: Things keep happening!',
        '```',
      ].join('\n'),
    );
    expect(doc.names('ErrorMessage')).toEqual(['AssertionError [ERR_ASSERTION]: Missing expected exception']);
  });

  it('reads quoted failure messages in prose and headings that are messages', () => {
    const doc = extract(
      'troubleshooting.md',
      [
        '# Troubleshooting',
        '',
        '## Error: EACCES: permission denied, mkdir',
        '',
        'Make sure the user owns the directory.',
        '',
        '## Other',
        '',
        'If the build fails with "cannot find module node-gyp", reinstall it. A "nice day" is not an error.',
      ].join('\n'),
    );
    expect(doc.names('ErrorMessage')).toEqual(['Error: EACCES: permission denied, mkdir', 'cannot find module node-gyp']);
    const heading = doc.entity('ErrorMessage', 'Error: EACCES: permission denied, mkdir');
    expect(doc.edgesOf('DEFINES', heading)).toHaveLength(1);
    // under a troubleshooting heading, a section resolves the errors it names
    expect(doc.edgesOf('RESOLVES', heading).map((e) => e.src)).toEqual([doc.section('Error: EACCES: permission denied, mkdir').id]);
    expect(doc.edgesOf('RESOLVES', doc.entity('ErrorMessage', 'cannot find module node-gyp'))).toHaveLength(1);
  });
});

describe('error codes as the docs present them (issue 12 #20)', () => {
  it('a SQLSTATE needs its cue right before it, not anywhere in the sentence', () => {
    expect(errorCode('21042', () => 'A Grafana dashboard (ID 21042) shows release rate, failure rate by error code, release duration percentiles.', false)).toBeUndefined();
    expect(errorCode('23505', () => 'The insert fails with SQLSTATE 23505 .', false)?.attributes?.kind).toBe('sqlstate');
  });
});
