import { posix } from 'node:path';
import type { SectionLink } from '../domain/types.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Resolves an href found in document `fromUri` (a path relative to the
 * source root). Relative links become `targetUri` (+ `targetAnchor`) so they
 * can become graph edges; anything with a scheme, or that climbs out of the
 * source root, is `external`.
 */
export function resolveLink(fromUri: string, href: string, text: string): SectionLink {
  const trimmed = href.trim();
  const link: SectionLink = { href: trimmed, text };
  if (trimmed === '') return link;
  if (SCHEME.test(trimmed) || trimmed.startsWith('//')) {
    link.external = trimmed;
    return link;
  }
  const hashAt = trimmed.indexOf('#');
  const pathPart = hashAt >= 0 ? trimmed.slice(0, hashAt) : trimmed;
  const fragment = hashAt >= 0 ? trimmed.slice(hashAt + 1) : '';
  const cleanPath = pathPart.split('?')[0] ?? '';
  let target: string;
  if (cleanPath === '') {
    target = fromUri;
  } else {
    let decoded = cleanPath;
    try {
      decoded = decodeURI(cleanPath);
    } catch {
      // keep the raw path: a malformed escape is still a usable link text
    }
    target = cleanPath.startsWith('/')
      ? posix.normalize(decoded.slice(1))
      : posix.normalize(posix.join(posix.dirname(fromUri), decoded));
  }
  if (target.startsWith('../') || target === '..') {
    link.external = trimmed;
    return link;
  }
  link.targetUri = target;
  if (fragment !== '') {
    let anchor = fragment;
    try {
      anchor = decodeURIComponent(fragment);
    } catch {
      // as above
    }
    link.targetAnchor = anchor;
  }
  return link;
}
