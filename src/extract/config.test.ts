import { describe, expect, it } from 'vitest';
import { extract } from '../../test/fixtures/extract/harness.js';
import { valueFacts } from './config.js';

const CLI = [
  '# Command-line API',
  '',
  '```console',
  '$ node --cpu-prof index.js',
  '```',
  '',
  '## Options',
  '',
  '### `-c`, `--check`',
  '',
  'Syntax check the script without executing. Same as `-c`.',
  '',
  '### `--max-old-space-size=SIZE` (in megabytes)',
  '',
  'Sets the max memory size of V8\'s old memory section.',
  '',
  '### `--cpu-prof-interval`',
  '',
  'Specify the sampling interval in microseconds. The default is 1000 microseconds.',
  '',
  '## Environment variables',
  '',
  '### `NODE_OPTIONS=options...`',
  '',
  'A space-separated list of command-line options. Default: `""`.',
  '',
  '### `TZ`',
  '',
  'The `TZ` environment variable is used to specify the timezone configuration.',
].join('\n');

describe('flags and environment variables defined by headings', () => {
  const doc = extract('cli.md', CLI);

  it('defines one flag for `-c`, `--check`, with the short form as alias and the program as command', () => {
    const check = doc.entity('ConfigParameter', '--check');
    expect(check?.aliases).toEqual(['-c']);
    expect(check?.attributes).toMatchObject({ kind: 'flag', command: 'node' });
    expect(doc.edgesOf('DEFINES', check).map((e) => e.src)).toEqual([doc.section('-c, --check').id]);
    // the alias resolves the later mention of `-c`
    expect(doc.edgesOf('MENTIONS', check)).toHaveLength(1);
  });

  it('reads units from the heading and defaults from the body', () => {
    expect(doc.entity('ConfigParameter', '--max-old-space-size')?.attributes).toMatchObject({ unit: 'megabytes', valueName: 'SIZE' });
    expect(doc.entity('ConfigParameter', '--cpu-prof-interval')?.attributes).toMatchObject({ default: '1000 microseconds', unit: 'microseconds' });
  });

  it('defines environment variables under an environment heading', () => {
    expect(doc.entity('ConfigParameter', 'NODE_OPTIONS')?.attributes).toMatchObject({ kind: 'env', default: '""' });
    expect(doc.entity('ConfigParameter', 'TZ')?.attributes).toMatchObject({ kind: 'env' });
    expect(doc.edgesOf('DEFINES', doc.entity('ConfigParameter', 'TZ'))).toHaveLength(1);
  });
});

describe('option objects', () => {
  const doc = extract(
    'fs.md',
    [
      '# File system',
      '',
      '## `fs.mkdir(path[, options], callback)`',
      '',
      '* `path` {string}',
      '* `options` {Object|integer}',
      '  * `recursive` {boolean} **Default:** `false`',
      '  * `mode` {string|integer} Not supported on Windows. **Default:** `0o777`.',
      '* `callback` {Function}',
      '* Returns: {Object}',
      '  * `path` {string}',
      '',
      'When `options.recursive` is true, parent folders are created.',
    ].join('\n'),
  );

  it('names options after the function that takes them, with type and default', () => {
    expect(doc.entity('ConfigParameter', 'fs.mkdir: options.recursive')?.attributes).toEqual({
      default: 'false',
      kind: 'option',
      owner: 'fs.mkdir',
      valueType: 'boolean',
    });
    expect(doc.entity('ConfigParameter', 'fs.mkdir: options.mode')?.attributes).toMatchObject({ default: '0o777' });
  });

  it('links an option to its function and resolves `options.recursive` in prose to it', () => {
    const opt = doc.entity('ConfigParameter', 'fs.mkdir: options.recursive')!;
    const fn = doc.entity('APISymbol', 'fs.mkdir')!;
    expect(doc.edgesOf('RELATED_TO', opt).some((e) => e.src === opt.id && e.dst === fn.id)).toBe(true);
    expect(doc.edgesOf('MENTIONS', opt)).toEqual([expect.objectContaining({ weight: 1 })]);
  });

  it('takes positional parameters and return fields for nothing', () => {
    expect(doc.names('ConfigParameter')).toEqual(['fs.mkdir: options.mode', 'fs.mkdir: options.recursive']);
  });
});

describe('settings', () => {
  const doc = extract(
    'nginx.md',
    [
      '# Core module',
      '',
      '## Directives',
      '',
      '### worker_connections',
      '',
      'Syntax: worker_connections number;',
      'Default: 512',
      '',
      'Sets the maximum number of worker connections. Raising worker connections needs a higher `worker-connections` file limit too.',
      '',
      '## Example',
      '',
      '```nginx',
      'events {',
      '    worker_connections 1024;',
      '    multi_accept on;',
      '}',
      '```',
    ].join('\n'),
  );

  it('defines a directive by its heading, with its default', () => {
    const wc = doc.entity('ConfigParameter', 'worker_connections');
    expect(wc?.attributes).toMatchObject({ kind: 'setting', default: '512' });
    expect(wc?.aliases).toEqual(expect.arrayContaining(['worker connections', 'worker-connections']));
  });

  it('meets worker_connections, worker-connections and "worker connections" on one entity', () => {
    const wc = doc.entity('ConfigParameter', 'worker_connections');
    const mentions = doc.edgesOf('MENTIONS', wc);
    // section "worker_connections": the phrase twice and the kebab span; section "Example": the config line
    expect(mentions.map((m) => m.weight).sort()).toEqual([1, 3]);
    expect(doc.names('ConfigParameter')).toEqual(['multi_accept', 'worker_connections']);
  });
});

describe('valueFacts', () => {
  it.each([
    ['**Default:** `false`', { default: 'false' }],
    ['Default: `1000`.', { default: '1000' }],
    ['The default value is `10` but may be set to any number.', { default: '10' }],
    ['Defaults to current working directory.', { default: 'current working directory' }],
    ['Timeout in milliseconds (default: 30000).', { default: '30000', unit: 'milliseconds' }],
    ['The size of the heap, in megabytes.', { unit: 'megabytes' }],
    ['**Default:** false.', { default: 'false' }],
    ['No default here.', {}],
  ])('%s', (text, facts) => {
    expect(valueFacts(text)).toEqual(facts);
  });
});

describe('environment variables in code', () => {
  it('finds process.env reads and export lines', () => {
    const doc = extract(
      'env.md',
      ['# Env', '', '```js', 'const mode = process.env.NODE_ENV;', '```', '', '```bash', 'export DEBUG_LEVEL=2', 'node app.js', '```'].join('\n'),
    );
    expect(doc.names('ConfigParameter')).toEqual(['DEBUG_LEVEL', 'NODE_ENV']);
  });
});
