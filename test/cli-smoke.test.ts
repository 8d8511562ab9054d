import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_JS } from './helpers/cli.js';

const run = promisify(execFile);

describe('docgraph CLI (smoke)', () => {
  it('ingests a folder and finds a section by its anchor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-smoke-'));
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'tls.md'), '# TLS\n\n## Rotate the certificate\n\nRun `acme certs rotate --force` to rotate the TLS certificate.\n');
    const index = join(dir, 'index.db');
    await run('node', [CLI_JS, '--index', index, 'ingest', join(dir, 'docs')]);
    const { stdout } = await run('node', [CLI_JS, '--index', index, 'search', 'rotate certificate', '--json']);
    const result = JSON.parse(stdout) as { hits: { uri: string; anchor: string }[] };
    expect(result.hits[0]).toMatchObject({ uri: 'tls.md', anchor: 'rotate-the-certificate' });
  });
});

describe('docgraph --version', () => {
  it.each(['--version', '-V'])('%s prints the package version and exits 0', async (flag) => {
    const { stdout } = await run('node', [CLI_JS, flag]);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(stdout.trim()).toBe(pkg.version);
  });
});
