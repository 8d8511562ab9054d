import { NotFoundError } from '../domain/errors.js';
import type { DocumentRecord } from '../domain/types.js';
import type { Store } from '../store/store.js';

export interface DocumentText {
  document: DocumentRecord;
  /** The document rebuilt from its sections: headings at their levels, bodies as indexed. */
  markdown: string;
}

/** A whole document as Markdown, in section order. Throws NotFoundError for an unknown uri. */
export async function documentText(store: Store, uri: string): Promise<DocumentText> {
  const document = await store.getDocumentByUri(uri);
  if (!document) throw new NotFoundError(`no document ${uri} in the index`, { hint: 'uris are relative to the ingested folder, e.g. guide/install.md' });
  const chunks: string[] = [];
  for (const s of await store.getDocumentSections(document.id)) {
    if (s.level > 0 && s.part <= 1) chunks.push(`${'#'.repeat(s.level)} ${s.heading}`);
    if (s.text.trim() !== '') chunks.push(s.text.trim());
  }
  return { document, markdown: chunks.join('\n\n') + '\n' };
}
