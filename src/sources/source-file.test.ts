import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnsupportedFileError } from '../domain/errors.js';
import { checkFile, isInside, readSourceFile } from './source-file.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'dg-srcfile-')));
const root = join(base, 'docs');
mkdirSync(join(root, 'sub'), { recursive: true });
mkdirSync(join(base, 'docs-private'));
writeFileSync(join(base, 'docs-private', 'secret.md'), '# Secret\n');
writeFileSync(join(root, 'sub', 'page.md'), '# Page\n');
// a sibling folder whose name starts with the root's: not inside it
symlinkSync('../docs-private/secret.md', join(root, 'prefix.md'));
symlinkSync('sub/page.md', join(root, 'inside.md'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('source files', () => {
  it('isInside compares whole path segments', () => {
    expect(isInside('/a/docs', '/a/docs')).toBe(true);
    expect(isInside('/a/docs', '/a/docs/x.md')).toBe(true);
    expect(isInside('/a/docs', '/a/docs-private/x.md')).toBe(false);
    expect(isInside('/a/docs', '/a/x.md')).toBe(false);
    expect(isInside('/', '/etc/passwd')).toBe(true);
  });

  it('follows a link that stays inside the root, and refuses one to a sibling folder sharing its prefix', async () => {
    expect((await readSourceFile(root, 'inside.md')).toString()).toBe('# Page\n');
    expect(checkFile(root, 'inside.md')).toMatchObject({ kind: 'file', size: 7 });
    const err = await readSourceFile(root, 'prefix.md').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedFileError);
    expect(err).toMatchObject({ reason: 'outside-root' });
    expect(checkFile(root, 'prefix.md')).toMatchObject({ kind: 'skip', skip: { reason: 'outside-root' } });
    expect((await readSourceFile(root, 'prefix.md', { followOutside: true })).toString()).toBe('# Secret\n');
  });

  it('refuses a file over the limit from its size, and reports a missing file as the system error', async () => {
    await expect(readSourceFile(root, 'sub/page.md', { maxBytes: 3 })).rejects.toMatchObject({ reason: 'too-large' });
    await expect(readSourceFile(root, 'nope.md')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(checkFile(root, 'nope.md')).toEqual({ kind: 'gone' });
  });
});
