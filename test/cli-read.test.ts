// `docgraph section` and `docgraph document` as a user runs them: real child
// processes on a real index. They read what a search hit cites, whole (no
// paging: a terminal has no response budget), and answer with the fields
// get_section and get_document answer over MCP and REST.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_JS } from './helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'dg-read-'));
const docs = join(root, 'docs');
const index = join(root, 'index.db');

function docgraph(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [CLI_JS, '--index', index, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

// far past the 4,000 tokens one MCP answer holds by default
const LONG = Array.from({ length: 3000 }, (_, i) => `Step ${i} of the rotation keeps the old certificate valid.`).join(' ');

beforeAll(async () => {
  mkdirSync(docs);
  writeFileSync(join(docs, 'tls.md'), `# TLS\n\nCertificates for the server.\n\n## Rotate the certificate\n\n${LONG} The end of the rotation.\n\n## Revoke a certificate\n\nRevoking is immediate.\n`);
  writeFileSync(
    join(docs, 'statements.html'),
    '<html><head><title>Statements</title></head><body><main><h1 id="statements">Statements</h1><p>Intro.</p>' +
      '<section id="the-with-statement"><span id="with"></span><h2>The with statement</h2><p>It wraps a block in a context manager.</p></section></main></body></html>',
  );
  const r = await docgraph('ingest', docs);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('docgraph section', () => {
  it('prints a section whole, however long, by the uri#anchor a search hit cites', async () => {
    const hit = JSON.parse((await docgraph('search', 'rotate the certificate', '--json', '--limit', '1')).stdout) as { hits: { uri: string; anchor: string }[] };
    const ref = `${hit.hits[0]!.uri}#${hit.hits[0]!.anchor}`;
    expect(ref).toBe('tls.md#rotate-the-certificate');
    const r = await docgraph('section', ref);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('## TLS › Rotate the certificate');
    expect(r.stdout).toContain('Step 2999 of the rotation');
    expect(r.stdout).toContain('The end of the rotation.');
    expect(r.stdout).not.toContain('continues: call get_section');
  });

  it('--json gives get_section’s fields, the text whole; --with lists the neighbours', async () => {
    const r = await docgraph('section', 'tls.md#rotate-the-certificate', '--with', 'parent,siblings', '--json');
    expect(r.code, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as Record<string, unknown> & { text: string };
    expect(v).toMatchObject({
      ref: 'tls.md#rotate-the-certificate',
      uri: 'tls.md',
      anchor: 'rotate-the-certificate',
      heading: 'Rotate the certificate',
      heading_path: ['TLS', 'Rotate the certificate'],
      partial: false,
      parent: { heading: 'TLS', anchor: 'tls' },
      siblings: [{ heading: 'Revoke a certificate', anchor: 'revoke-a-certificate' }],
    });
    expect(v.total_chars).toBe(v.text.length);
    expect(v.text).toContain('The end of the rotation.');
    expect(v).not.toHaveProperty('children');
  });

  it('reads a section by another id of its page, and says which ids land there', async () => {
    const r = await docgraph('section', 'statements.html#with', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ref: 'statements.html#the-with-statement', aliases: ['with'] });
    expect((await docgraph('section', 'statements.html#with')).stdout).toContain('also `#with`');
  });

  it('a ref that names nothing, or a neighbour it does not know, is a clear error without a stack trace', async () => {
    const missing = await docgraph('section', 'tls.md#no-such-anchor');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('tls.md has no section with anchor #no-such-anchor');
    expect(missing.stderr).toContain('docgraph document');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const gone = await docgraph('section', 'nowhere.md#x');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('nowhere.md');
    for (const [ref, says] of [
      ['  ', 'ref is blank'],
      ['x'.repeat(3000), 'ref: Too big'],
    ]) {
      const r = await docgraph('section', ref!);
      expect(r.code, ref).toBe(2);
      expect(r.stderr).toContain(says);
    }
    expect((await docgraph('document', ' ')).stderr).toContain('uri is blank');
    const bad = await docgraph('section', 'tls.md', '--with', 'parent,cousins');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--with does not know "cousins"');
    expect(bad.stderr).toContain('parent, children, siblings');
  });
});

describe('docgraph document', () => {
  it('prints the outline with every anchor; --json gives get_document’s fields', async () => {
    const r = await docgraph('document', 'tls.md');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('`#rotate-the-certificate`');
    expect(r.stdout).toContain('`#revoke-a-certificate`');
    const v = JSON.parse((await docgraph('document', 'tls.md', '--json')).stdout) as { uri: string; outline: { anchor: string }[] };
    expect(v.uri).toBe('tls.md');
    expect(JSON.stringify(v.outline)).toContain('"anchor":"revoke-a-certificate"');
  });
});
