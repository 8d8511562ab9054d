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

/** The graph as JSON lines: entities (by id), then edges (by type, source, target, document). Deterministic. */
export async function* exportGraphJsonl(store: Store): AsyncGenerator<string> {
  for await (const e of store.allEntities()) yield JSON.stringify({ kind: 'entity', ...e });
  for await (const e of store.allEdges()) yield JSON.stringify({ kind: 'edge', ...e });
}

const xmlEscape = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/**
 * The graph as GraphML (for Gephi, yEd, NetworkX): documents, sections and
 * entities as nodes, typed weighted edges. Deterministic order. Every edge's
 * ends are declared nodes: a link target the index does not hold is a node
 * of kind `missing`.
 */
export async function* exportGraphml(store: Store): AsyncGenerator<string> {
  yield '<?xml version="1.0" encoding="UTF-8"?>';
  yield '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">';
  yield '  <key id="kind" for="node" attr.name="kind" attr.type="string"/>';
  yield '  <key id="label" for="node" attr.name="label" attr.type="string"/>';
  yield '  <key id="etype" for="node" attr.name="type" attr.type="string"/>';
  yield '  <key id="uri" for="node" attr.name="uri" attr.type="string"/>';
  yield '  <key id="rel" for="edge" attr.name="type" attr.type="string"/>';
  yield '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>';
  yield '  <graph id="docgraph" edgedefault="directed">';
  const nodes = new Set<string>();
  const docs = [...(await store.listDocuments())].sort((a, b) => cmp(a.id, b.id));
  for (const d of docs) {
    nodes.add(d.id);
    yield `    <node id="${d.id}"><data key="kind">document</data><data key="label">${xmlEscape(d.title)}</data><data key="uri">${xmlEscape(d.uri)}</data></node>`;
    for (const s of await store.getDocumentSections(d.id)) {
      nodes.add(s.id);
      const uri = s.anchor ? `${d.uri}#${s.anchor}` : d.uri;
      yield `    <node id="${s.id}"><data key="kind">section</data><data key="label">${xmlEscape(s.heading)}</data><data key="uri">${xmlEscape(uri)}</data></node>`;
    }
  }
  for await (const e of store.allEntities()) {
    nodes.add(e.id);
    yield `    <node id="${e.id}"><data key="kind">entity</data><data key="label">${xmlEscape(e.name)}</data><data key="etype">${e.type}</data></node>`;
  }
  let n = 0;
  for await (const e of store.allEdges()) {
    // a link to a page the index does not hold points at that page's document id: declare it as such
    for (const id of [e.src, e.dst]) {
      if (nodes.has(id)) continue;
      nodes.add(id);
      yield `    <node id="${id}"><data key="kind">missing</data><data key="label">(not in the index)</data></node>`;
    }
    yield `    <edge id="x${n++}" source="${e.src}" target="${e.dst}"><data key="rel">${e.type}</data><data key="weight">${e.weight}</data></edge>`;
  }
  yield '  </graph>';
  yield '</graphml>';
}
