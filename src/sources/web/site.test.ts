import { describe, expect, it } from 'vitest';
import { isPublicAddress } from './address.js';
import { inScope, looksLikeGitUrl, pageUri, parseSite } from './site.js';

describe('website scope and uris', () => {
  it('maps page URLs to the path inside the prefix, folders to index.html, extension-less to .html', () => {
    const s = parseSite('https://h.example/docs/');
    const uri = (p: string, md = false): string | undefined => pageUri(s, new URL(p, 'https://h.example'), md);
    expect(uri('/docs/')).toBe('index.html');
    expect(uri('/docs/guide/install.html')).toBe('guide/install.html');
    expect(uri('/docs/guide/')).toBe('guide/index.html');
    expect(uri('/docs/guide/setup')).toBe('guide/setup.html');
    expect(uri('/docs/guide/setup', true)).toBe('guide/setup.md');
    expect(uri('/docs/api.php')).toBe('api.php.html');
    expect(uri('/docs/caf%C3%A9.html')).toBe('café.html');
  });

  it('keeps the origin and path prefix', () => {
    const s = parseSite('https://h.example/docs/intro.html#top');
    expect(s).toMatchObject({ start: 'https://h.example/docs/intro.html', prefix: '/docs/' });
    expect(inScope(s, new URL('https://h.example/docs/a/b.html'))).toBe(true);
    expect(inScope(s, new URL('https://h.example/blog/a.html'))).toBe(false);
    expect(inScope(s, new URL('http://h.example/docs/a.html'))).toBe(false);
    const bare = parseSite('https://h.example/docs');
    expect(inScope(bare, new URL('https://h.example/docs'))).toBe(true);
    expect(inScope(bare, new URL('https://h.example/docsets/x.html'))).toBe(false);
    expect(() => parseSite('ftp://h.example/docs/')).toThrow(/cannot be crawled/);
  });

  it('tells repositories from sites', () => {
    expect(looksLikeGitUrl('https://git.example.com/team/docs.git')).toBe(true);
    expect(looksLikeGitUrl('https://github.com/owner/repo')).toBe(true);
    expect(looksLikeGitUrl('https://github.com/owner/repo/wiki')).toBe(false);
    expect(looksLikeGitUrl('https://docs.example.com/guide/')).toBe(false);
  });

  it('allows only public unicast addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '192.168.0.1', '172.16.5.4', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['93.184.216.34', '2606:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
  });
});
