import { defineOperation } from '../../api/operation.js';
import { z } from 'zod';
import type { DocumentView, OutlineNode } from '../../app/documents.js';
import { InvalidInputError } from '../../domain/errors.js';
import { clip, largestFitting, responseTokens } from '../budget.js';
import { budgetTooSmall } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { cursorInput, int, paging } from '../schemas.js';
import { DOC_SCHEME, stripResourceScheme } from '../resources.js';

const inputSchema = z.strictObject({
  uri: z
    .string()
    .min(1)
    .max(2000)
    .describe('The document uri as search_docs cites it (before the #), e.g. "guides/rotate-tls-certificate.md" or "react@18:install.md", or a docgraph://doc/ resource uri.'),
  cursor: cursorInput,
});

const nodeSchema = z.object({
  id: z.string(),
  anchor: z.string(),
  heading: z.string(),
  level: int(),
  depth: int(),
  parent_id: z.string().nullable(),
  tokens: int(),
});

const outputSchema = z.object({
  uri: z.string(),
  id: z.string(),
  title: z.string(),
  format: z.string(),
  source_id: z.string(),
  source: z.string(),
  version: z.string().nullable(),
  bytes: int(),
  indexed_at: z.string(),
  meta: z.record(z.string(), z.unknown()).describe('Front matter (tags, version, ...).'),
  sections: int(),
  outline: z.array(nodeSchema).describe('The section tree in document order, flattened: depth (0 = top) and parent_id give the nesting.'),
  outline_offset: int(),
  ...paging,
});

type Output = z.infer<typeof outputSchema>;
type Node = z.infer<typeof nodeSchema>;

/** The `get_document` operation (MCP tool, and REST under /v1). */
export const getDocumentOp = defineOperation({
  name: 'get_document',
  title: 'Outline a document',
  description:
    "One document's metadata (title, front matter, when it was indexed) and its outline: the tree of sections with ids, anchors and sizes in tokens. " +
    'Use it to see what a page covers or to find the section to read; then read sections with get_section.',
  input: inputSchema,
  output: outputSchema,
  run: async (ctx, args) => {
    const ref = args.uri.trim();
    if (ref === '') throw new InvalidInputError('uri is blank', { field: 'uri', allowed: 'a document uri as search_docs cites it, e.g. guides/install.md' });
    // a resource uri (docgraph://doc/[name[@version]:]uri) or a citation; an anchor is ignored
    const view = await ctx.app.getDocument({ citation: ref.startsWith(DOC_SCHEME) ? stripResourceScheme(ref) : ref });
    const uri = view.document.uri;
    let start = 0;
    if (args.cursor !== undefined) {
      const c = decodeCursor(args.cursor, 'outline', 'get_document');
      if (c.u !== uri) throw new InvalidInputError(`this cursor continues the outline of ${c.u}`, { field: 'cursor', allowed: `uri "${c.u}" with this cursor, or no cursor` });
      start = c.o;
    }
    const nodes = flatten(view.outline);
    start = Math.min(start, nodes.length);
    const build = (n: number): { out: Output; md: string } => {
      const out = shape(view, nodes, start, n);
      return { out, md: render(out) };
    };
    const fits = (n: number): boolean => {
      const { out, md } = build(n);
      return responseTokens(out, md) <= ctx.tokenBudget;
    };
    const n = largestFitting(nodes.length - start, fits);
    if (n === 0 && start < nodes.length) throw budgetTooSmall(ctx);
    const { out, md } = build(n);
    return { out, md };
  },
});

function flatten(roots: OutlineNode[]): Node[] {
  const out: Node[] = [];
  const walk = (n: OutlineNode, depth: number, parent: string | null): void => {
    out.push({ id: n.id, anchor: n.anchor, heading: clip(n.heading, 120), level: n.level, depth, parent_id: parent, tokens: n.tokens });
    for (const c of n.children) walk(c, depth + 1, n.id);
  };
  for (const r of roots) walk(r, 0, null);
  return out;
}

function shape(view: DocumentView, nodes: Node[], start: number, n: number): Output {
  const d = view.document;
  const end = start + n;
  return {
    uri: d.uri,
    id: d.id,
    title: clip(d.title, 160),
    format: d.format,
    source_id: d.sourceId,
    source: view.source,
    version: view.version,
    bytes: d.bytes,
    indexed_at: d.indexedAt,
    meta: boundedMeta(d.meta),
    sections: view.sections,
    outline: nodes.slice(start, end),
    outline_offset: start,
    partial: end < nodes.length,
    ...(end < nodes.length ? { next_cursor: encodeCursor('outline', { u: d.uri, o: end }) } : {}),
  };
}

/** Front matter can be anything; keep what is small enough to be worth the budget. */
function boundedMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  let size = 0;
  for (const [k, v] of Object.entries(meta)) {
    const len = k.length + (JSON.stringify(v) ?? '').length;
    if (len > 300 || size + len > 1000) continue;
    kept[k] = v;
    size += len;
  }
  return kept;
}

function render(out: Output): string {
  const lines = [`# ${out.title}`, `\`${out.uri}\` · ${out.format} · ${out.sections} sections · indexed ${out.indexed_at}`];
  const meta = Object.entries(out.meta).filter(([k]) => k !== 'title');
  if (meta.length) lines.push(`metadata: ${clip(meta.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', '), 400)}`);
  lines.push('');
  for (const n of out.outline) lines.push(`${'  '.repeat(n.depth)}- ${n.heading || '(preamble)'} — \`#${n.anchor}\` (id \`${n.id}\`, ~${n.tokens} tokens)`);
  if (out.next_cursor) lines.push('', `Outline continues: call get_document with the same uri and cursor "${out.next_cursor}".`);
  return lines.join('\n');
}
