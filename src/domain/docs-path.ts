import { fileURLToPath } from 'node:url';

/**
 * The absolute path of a page of docgraph's own documentation, for hints a
 * user can open wherever docgraph runs from (a clone, or an installed package:
 * `docs/` ships in it). `page` is a file name under docs/, e.g.
 * `configuration.md`; `src/` and `dist/` sit at the same depth under the
 * package root, so the path is right from either.
 */
export function docsPath(page: string): string {
  return fileURLToPath(new URL(`../../docs/${page}`, import.meta.url));
}
