import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError, unpackDocs, verifyIntegrity } from './npm-package.js';

/** A gzipped tarball of raw entries, written header by header (so paths tar itself would clean can be made). */
function tarball(entries: { path: string; type?: string; body?: string; linkpath?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = new Header({ path: e.path, type: (e.type ?? 'File') as never, size: body.length, mode: 0o644, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const fresh = (): string => (dir = mkdtempSync(join(tmpdir(), 'dg-unpack-')));

describe('unpackDocs', () => {
  it('unpacks the documents without the top folder, leaves out code, node_modules, links and devices', async () => {
    const d = fresh();
    const r = await unpackDocs(
      tarball([
        { path: 'package/README.md', body: '# Hi\n' },
        { path: 'package/docs/a.html', body: '<h1>A</h1>' },
        { path: 'package/index.js', body: 'x' },
        { path: 'package/node_modules/dep/README.md', body: '# dep' },
        { path: 'package/docs/link.md', type: 'SymbolicLink', linkpath: '/etc/passwd' },
        { path: 'package/docs/dev.md', type: 'CharacterDevice' },
      ]),
      d,
    );
    expect(r.files).toEqual(['README.md', 'docs/a.html']);
    expect(r.skipped.map((s) => s.path).sort()).toEqual(['docs/dev.md', 'docs/link.md']);
    expect(readFileSync(join(d, 'README.md'), 'utf8')).toBe('# Hi\n');
    expect(existsSync(join(d, 'docs/link.md'))).toBe(false);
  });

  it('refuses a package with an entry leaving the folder', async () => {
    const d = fresh();
    await expect(unpackDocs(tarball([{ path: 'package/README.md', body: '# Hi' }, { path: 'package/../../evil.md', body: 'x' }]), d)).rejects.toThrow(/leaves the package folder/);
    expect(existsSync(join(d, '..', 'evil.md'))).toBe(false);
  });
});

describe('verifyIntegrity', () => {
  const data = Buffer.from('tarball bytes');
  it('accepts the matching sha512 and refuses another; falls back to shasum; refuses neither', () => {
    const sri = (b: Buffer): string => `sha512-${createHash('sha512').update(b).digest('base64')}`;
    expect(() => verifyIntegrity(data, { name: 'p', version: '1.0.0', integrity: sri(data) })).not.toThrow();
    expect(() => verifyIntegrity(data, { name: 'p', version: '1.0.0', integrity: sri(Buffer.from('other')) })).toThrow(IntegrityError);
    const sha1 = createHash('sha1').update(data).digest('hex');
    expect(() => verifyIntegrity(data, { name: 'p', version: '1.0.0', shasum: sha1 })).not.toThrow();
    expect(() => verifyIntegrity(data, { name: 'p', version: '1.0.0', shasum: '0'.repeat(40) })).toThrow(/fails its integrity check/);
    expect(() => verifyIntegrity(data, { name: 'p', version: '1.0.0' })).toThrow(/no integrity/);
  });
});
