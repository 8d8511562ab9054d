import type { DocumentRecord } from '../domain/types.js';
import type { Store } from '../store/store.js';
import { resolveDocumentRef } from './documents.js';

export interface DocumentText {
  document: DocumentRecord;
  /** The document rebuilt from its sections: headings at their levels, bodies as indexed. */
  markdown: string;
}

/** A whole document as Markdown, in section order. Throws NotFoundError for an unknown uri, InvalidInputError when several sources hold it (see resolveDocumentRef). */
export async function documentText(store: Store, uri: string): Promise<DocumentText> {
  // the exact uri is the first reading tried; `name[@version]:uri` picks one of several sources holding it
  const { doc: document } = await resolveDocumentRef(store, uri, false);
  const chunks: string[] = [];
  for (const s of await store.getDocumentSections(document.id)) {
    if (s.level > 0 && s.part <= 1) chunks.push(`${'#'.repeat(s.level)} ${s.heading}`);
    if (s.text.trim() !== '') chunks.push(s.text.trim());
  }
  return { document, markdown: chunks.join('\n\n') + '\n' };
}
