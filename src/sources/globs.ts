/**
 * Ignore globs for sources (`ingest.ignore`): a small matcher instead of a
 * dependency, because we only need the common forms. Paths are relative to
 * the source root with forward slashes.
 *
 * - `*` matches within one path segment, `?` one character of it;
 * - `**` matches any number of whole segments (`docs/**`, `** /draft.md`);
 * - a pattern without a slash matches a name at any depth (`*.draft.md`);
 * - a pattern matching a folder also matches everything under it (`drafts`).
 */
export type UriMatcher = (uri: string) => boolean;

/** A matcher that is true when any of `globs` matches the uri (or one of its parent folders). */
export function globMatcher(globs: readonly string[]): UriMatcher {
  if (globs.length === 0) return () => false;
  const res = globs.map(globToRegExp);
  return (uri) => {
    const parts = uri.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (res.some((re) => re.test(prefix))) return true;
    }
    return false;
  };
}

/** The RegExp for one glob (anchored to whole paths). */
export function globToRegExp(glob: string): RegExp {
  let g = glob.trim().replace(/^\.\//, '').replace(/\/+$/, '');
  if (!g.includes('/')) g = `**/${g}`;
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      // `**/` : zero or more whole segments; a trailing `**`: anything
      if (g[i + 2] === '/') {
        re += '(?:[^/]+/)*';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
