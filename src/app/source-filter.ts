import { InvalidInputError } from '../domain/errors.js';
import { sourceLabel } from '../domain/sources.js';
import type { Store } from '../store/store.js';

/**
 * The source ids a search filter by source name and version means: every
 * version of the name unless `version` names one (a source id is taken as a
 * name too). INVALID_INPUT, listing what is indexed, when nothing matches.
 * `fields` names the inputs in errors (`--source` on the CLI, `filters.source` over MCP).
 */
export async function sourceFilterIds(store: Store, source: string | undefined, version: string | undefined, fields = { source: 'filters.source', version: 'filters.version' }): Promise<string[]> {
  const sources = await store.sources();
  const named = source === undefined ? sources : sources.filter((s) => s.name === source || s.id === source);
  const match = version === undefined ? named : named.filter((s) => s.version === version);
  if (match.length === 0) {
    const noName = named.length === 0;
    throw new InvalidInputError(noName ? `no source "${source}"` : `no source ${source === undefined ? '' : `${source} `}at version "${version}"`, {
      field: noName ? fields.source : fields.version,
      allowed: sources.length ? (noName ? sources : named).map(sourceLabel).join(', ') : 'nothing yet: the index has no sources',
    });
  }
  return match.map((s) => s.id);
}
