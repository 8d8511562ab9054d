import { defineOperation } from '../../api/operation.js';
import { z } from 'zod';
import { EDGE_TYPES, TRAVERSE_LIMITS, type TraverseResult } from '../../app/graph.js';
import { InvalidInputError } from '../../domain/errors.js';
import type { EdgeType } from '../../domain/types.js';
import { clip } from '../budget.js';
import { fittedResult } from '../context.js';
import { decodeCursor, encodeCursor, queryHash } from '../cursor.js';
import { cursorInput, int, paging } from '../schemas.js';
import { sourceRef } from '../citation.js';

const DEFAULT_DEPTH = 1;
const DEFAULT_LIMIT = 50;

const inputSchema = z.strictObject({
  from: z
    .string()
    .min(1)
    .max(500)
    .describe('Where to start: an exact entity name (ERR_REQUIRE_ESM, fs.readFile), an entity id (e_…), a section id (s_…), a document id (d_…), or a citation [name[@version]:]uri#anchor as search_docs gives it.'),
  relations: z
    .array(z.enum(EDGE_TYPES as [EdgeType, ...EdgeType[]]))
    .min(1)
    .max(EDGE_TYPES.length)
    .optional()
    .describe(
      'Edge types to follow (default: all). HAS_SECTION document→section; PARENT_OF section→subsection; NEXT section→next section; ' +
        'MENTIONS and DEFINES section→entity; RESOLVES section→error it fixes; LINKS_TO section→section or document it links to; ' +
        'HAS_STEP procedure→step; RELATED_TO entity→entity.',
    ),
  direction: z.enum(['out', 'in', 'both']).optional().describe('Follow edges out of the nodes (src→dst), into them, or both (default).'),
  depth: z.number().int().min(1).max(TRAVERSE_LIMITS.maxDepth).optional().describe(`Hops from the start (default ${DEFAULT_DEPTH}).`),
  limit: z.number().int().min(1).max(TRAVERSE_LIMITS.maxLimit).optional().describe(`Most edges to return (default ${DEFAULT_LIMIT}); nearer edges first.`),
  cursor: cursorInput,
});

const nodeSchema = z.object({
  id: z.string(),
  kind: z.enum(['entity', 'section', 'document', 'missing']),
  label: z.string().describe('Entity name, section heading or document title.'),
  type: z.string().optional(),
  ref: z.string().optional().describe('[name[@version]:]uri#anchor (sections) or uri (documents).'),
});

const outputSchema = z.object({
  start: z.array(z.object({ id: z.string(), kind: z.string(), label: z.string() })).describe('The nodes `from` named (one name can be several entities).'),
  edges: z.array(z.object({ src: z.string(), dst: z.string(), type: z.string(), weight: z.number(), depth: int() })),
  nodes: z.array(nodeSchema).describe('The nodes the edges of this page touch.'),
  edges_offset: int(),
  truncated: z.boolean().describe('The walk stopped at limit edges: narrow relations or raise limit.'),
  ...paging,
});

type Output = z.infer<typeof outputSchema>;
type Node = z.infer<typeof nodeSchema>;

/** The `traverse` operation (MCP tool, and REST under /v1). */
export const traverseOp = defineOperation({
  name: 'traverse',
  title: 'Walk the documentation graph',
  description:
    'Walk the knowledge graph of the docs from one node along typed edges: what a section defines or mentions, which sections mention an entity, ' +
    'which entities relate to it, what a page links to or is linked from, the steps of a procedure, the subsections of a section. ' +
    `Typed and capped: depth 1–${TRAVERSE_LIMITS.maxDepth}, at most ${TRAVERSE_LIMITS.maxLimit} edges; larger requests are refused, there is no query language. ` +
    'Use it for relationship questions once you have a name or id (from lookup_entity, search_docs or get_document); to find things by words use search_docs.',
  input: inputSchema,
  output: outputSchema,
  run: async (ctx, args) => {
    const req = {
      from: args.from,
      relations: args.relations,
      direction: args.direction ?? 'both',
      depth: args.depth ?? DEFAULT_DEPTH,
      limit: args.limit ?? DEFAULT_LIMIT,
    };
    const bound = queryHash(['traverse', req.from.trim(), [...(req.relations ?? [])].sort(), req.direction, req.depth, req.limit]);
    let offset = 0;
    if (args.cursor !== undefined) {
      const c = decodeCursor(args.cursor, 'traverse', 'traverse');
      if (c.h !== bound) {
        throw new InvalidInputError('this cursor continues another traversal', {
          field: 'cursor',
          allowed: 'the same from, relations, direction, depth and limit as the call that returned the cursor, or no cursor',
        });
      }
      offset = c.o;
    }
    const result = await ctx.app.traverse(req);
    offset = Math.min(offset, result.edges.length);
    const nodes = new Map(result.nodes.map((n) => [n.id, toNode(n)]));
    const remaining = result.edges.length - offset;
    const build = (n: number): { out: Output; md: string } => {
      const out = shape(result, nodes, offset, n, bound);
      return { out, md: render(out) };
    };
    return fittedResult(ctx, remaining, build);
  },
});

function toNode(n: TraverseResult['nodes'][number]): Node {
  return {
    id: n.id,
    kind: n.kind,
    label: clip(n.label, 120),
    ...(n.type ? { type: n.type } : {}),
    ...(n.uri !== undefined ? { ref: sourceRef(n.source, n.uri, n.anchor ?? '') } : {}),
  };
}

function shape(result: TraverseResult, nodes: Map<string, Node>, offset: number, n: number, bound: string): Output {
  const end = offset + n;
  const edges = result.edges.slice(offset, end);
  const touched = [...new Set(edges.flatMap((e) => [e.src, e.dst]))];
  return {
    start: result.start.slice(0, 10).map((s) => ({ ...s, label: clip(s.label, 120) })),
    edges,
    nodes: touched.flatMap((id) => nodes.get(id) ?? []),
    edges_offset: offset,
    truncated: result.truncated,
    partial: end < result.edges.length,
    ...(end < result.edges.length ? { next_cursor: encodeCursor('traverse', { h: bound, o: end }) } : {}),
  };
}

function render(out: Output): string {
  const nodes = new Map(out.nodes.map((n) => [n.id, n]));
  const name = (id: string): string => {
    const n = nodes.get(id);
    if (!n) return `\`${id}\` (not in the index)`;
    if (n.kind === 'entity') return `${n.type ?? 'entity'} \`${n.label}\``;
    return `${n.kind} "${n.label}" \`${n.ref ?? id}\``;
  };
  const lines = [`From ${out.start.map((s) => `${s.label} (\`${s.id}\`)`).join(', ')}:`, ''];
  if (out.edges.length === 0) lines.push('No edges of the requested types.');
  for (const e of out.edges) lines.push(`- [${e.depth}] ${name(e.src)} —${e.type}→ ${name(e.dst)}${e.weight !== 1 ? ` (weight ${e.weight})` : ''}`);
  if (out.nodes.some((n) => n.kind !== 'entity')) lines.push('', 'Read a section with get_section (by id or uri#anchor).');
  if (out.truncated) lines.push('', 'The traversal stopped at the edge limit: narrow relations or direction, or raise limit (at most 100).');
  if (out.next_cursor) lines.push('', `Edges ${out.edges_offset + 1}–${out.edges_offset + out.edges.length} shown: call traverse with the same arguments and cursor "${out.next_cursor}" for the rest.`);
  return lines.join('\n');
}
