import type { Store } from '../store/store.js';

/**
 * The index as JSON lines in a deterministic order (documents by uri, their
 * sections in order), without volatile fields (timestamps), so ingesting the
 * same input twice yields byte-identical output.
 */
export async function* exportJsonl(store: Store): AsyncGenerator<string> {
  const docs = [...(await store.listDocuments())].sort((a, b) => cmp(a.sourceId + '\u0000' + a.uri, b.sourceId + '\u0000' + b.uri));
  for (const d of docs) {
    const doc = await store.getDocument(d.id);
    if (!doc) continue;
    const { indexedAt: _volatile, ...stable } = doc;
    yield JSON.stringify({ kind: 'document', ...stable });
    for (const s of await store.getDocumentSections(d.id)) {
      yield JSON.stringify({ kind: 'section', ...s });
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
