import { describe, expect, it } from 'vitest';
import { gitLocationKey, parseGitLocation, redact } from './git.js';

describe('parseGitLocation', () => {
  it('reads URLs git understands and github:owner/repo[@ref][/subdir]; a path is not one', () => {
    expect(parseGitLocation('https://example.com/a/b.git')).toEqual({ url: 'https://example.com/a/b.git' });
    expect(parseGitLocation('git@example.com:a/b.git', { ref: 'v1' })).toEqual({ url: 'git@example.com:a/b.git', ref: 'v1' });
    expect(parseGitLocation('file:///srv/r.git', { subdir: '/docs/' })).toEqual({ url: 'file:///srv/r.git', subdir: 'docs' });
    expect(parseGitLocation('github:nodejs/node@v22.x/doc/api')).toEqual({ url: 'https://github.com/nodejs/node.git', ref: 'v22.x', subdir: 'doc/api' });
    expect(parseGitLocation('github:owner/repo', { ref: 'main' })).toEqual({ url: 'https://github.com/owner/repo.git', ref: 'main' });
    expect(parseGitLocation('./docs')).toBeUndefined();
    expect(parseGitLocation('/srv/docs')).toBeUndefined();
  });

  it('refuses a password in the URL, a subdir out of the repository and a ref git would read as an option', () => {
    expect(() => parseGitLocation('https://u:pw@example.com/r.git')).toThrow(/carries a password \(https:\/\/\*\*\*@example\.com\/r\.git\)/);
    expect(() => parseGitLocation('file:///r.git', { subdir: 'a/../../b' })).toThrow(/leaves the repository/);
    expect(() => parseGitLocation('file:///r.git', { ref: '--upload-pack=x' })).toThrow(/not a git ref/);
  });

  it('keys a location by URL, ref and subdir, and redacts user-info in text', () => {
    expect(gitLocationKey({ url: 'file:///r.git', ref: 'main', subdir: 'docs' })).toBe('file:///r.git#main:docs');
    expect(redact("fatal: could not read from 'https://tok@host/r.git' and ssh://me@h/x")).toBe("fatal: could not read from 'https://***@host/r.git' and ssh://***@h/x");
  });
});
