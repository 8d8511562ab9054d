/**
 * What a document path of the console names. The canonical path is
 * `/doc/<source>/<uri>` (the source as `name[@version]`, as citations write
 * it), so two sources holding the same uri each have their own page. An
 * older `/doc/<uri>` still works: when one source holds the uri it redirects
 * to that source's path; when several do, the console lists them.
 */
import type { DocsApp } from '../api/operation.js';
import { formatCitation, type DocumentView } from '../app/documents.js';
import { NotFoundError } from '../domain/errors.js';
import { sourceLabel } from '../domain/sources.js';

export type DocPath =
  | { kind: 'document'; source: string; uri: string; view: DocumentView; /** The index holds several sources: citations name theirs. */ qualified: boolean }
  | { kind: 'moved'; source: string; uri: string }
  | { kind: 'ambiguous'; uri: string; sources: string[] };

/** The document `source:uri` names, or undefined when that source does not hold `uri`. */
async function inSource(app: Pick<DocsApp, 'getDocument'>, source: string, uri: string): Promise<DocumentView | undefined> {
  try {
    return await app.getDocument({ citation: `${source}:${formatCitation(uri, '')}` });
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

/**
 * Reads `segments` (the decoded path after `/doc/`): `<source>/<uri…>` when
 * the first segment is a source's label (or its name, when one version has
 * it) and that source holds the rest; else the whole path as a uri, looked
 * up in every source. Throws NotFoundError when no source holds it.
 */
export async function resolveDocPath(app: Pick<DocsApp, 'getDocument' | 'sources'>, segments: string[]): Promise<DocPath> {
  const sources = await app.sources();
  const labels = sources.map(sourceLabel);
  const [first = '', ...rest] = segments;
  if (rest.length > 0) {
    const named = sources.filter((s) => sourceLabel(s) === first || s.name === first);
    const exact = named.find((s) => sourceLabel(s) === first) ?? (named.length === 1 ? named[0] : undefined);
    if (exact) {
      const uri = rest.join('/');
      const view = await inSource(app, sourceLabel(exact), uri);
      if (view) return sourceLabel(exact) === first ? { kind: 'document', source: first, uri: view.document.uri, view, qualified: sources.length > 1 } : { kind: 'moved', source: sourceLabel(exact), uri: view.document.uri };
    }
  }
  const uri = segments.join('/');
  const found: { source: string; uri: string }[] = [];
  for (const label of labels) {
    const view = await inSource(app, label, uri);
    if (view) found.push({ source: label, uri: view.document.uri });
  }
  if (found.length === 1) return { kind: 'moved', ...found[0]! };
  if (found.length > 1) return { kind: 'ambiguous', uri, sources: found.map((f) => f.source) };
  throw new NotFoundError(`no document ${uri} in the index`, { hint: `documents are at /doc/<source>/<uri>; sources: ${labels.join(', ') || 'none yet'}` });
}
