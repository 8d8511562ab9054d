import { defineOperation } from '../../api/operation.js';
import { z } from 'zod';
import { citationSchema, cite } from '../citation.js';
import { ENTITY_TYPES, type EntityView } from '../../app/graph.js';
import { InvalidInputError } from '../../domain/errors.js';
import type { EntityType } from '../../domain/types.js';
import { clip } from '../budget.js';
import { fittedResult } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { cursorInput, int, paging } from '../schemas.js';

/** The lists besides mentions are short by nature; these caps keep one page's header small enough for the smallest budget. */
const MAX_DEFINITIONS = 5;
const MAX_RELATED = 15;
const MAX_ALIASES = 10;
const MAX_ALTERNATIVES = 8;

const inputSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(500)
    .describe('The name as the docs write it: an error code (ERR_REQUIRE_ESM), a command (git rebase), a flag (--max-old-space-size), a setting or env var (worker_connections, NODE_OPTIONS), an API symbol (fs.readFile) or a defined term.'),
  type: z
    .enum(ENTITY_TYPES as [EntityType, ...EntityType[]])
    .optional()
    .describe('Only this type, when one name is several things (a command and a setting, say).'),
  cursor: cursorInput,
});

const outputSchema = z.object({
  entity: z.object({
    id: z.string(),
    type: z.string(),
    name: z.string(),
    aliases: z.array(z.string()),
    attributes: z.record(z.string(), z.unknown()),
  }),
  default: z.string().nullable(),
  unit: z.string().nullable(),
  defined_in: z.array(citationSchema),
  mentioned_in: z.array(citationSchema.extend({ count: z.number() })).describe('Most mentions first; this page of at most 100.'),
  mentions_offset: int(),
  mentions_total: int(),
  related: z.array(z.object({ id: z.string(), type: z.string(), name: z.string(), weight: z.number() })).describe('Strongest first: a flag of a command, an option of a function ...'),
  alternatives: z.array(z.object({ id: z.string(), type: z.string(), name: z.string() })).describe('Same name, another type: ask again with type.'),
  ...paging,
});

type Output = z.infer<typeof outputSchema>;

/** The `lookup_entity` operation (MCP tool, and REST under /v1). */
export const lookupEntityOp = defineOperation({
  name: 'lookup_entity',
  title: 'Look up a named thing in the docs',
  description:
    'Look up one thing the docs name exactly — a command, CLI flag, config setting or environment variable, error code, API function or class, or a defined term — ' +
    'and get the section that defines it (uri#anchor), its default value and unit when the docs state them, the sections that mention it, and related entities. ' +
    'Use it when you already know the identifier (NODE_OPTIONS, fs.readFile, --max-old-space-size, worker_connections); for a question in words, or when this finds nothing, use search_docs. ' +
    'For an error a user hit, explain_error ranks the sections better.',
  input: inputSchema,
  output: outputSchema,
  run: async (ctx, args) => {
    const view = await ctx.app.lookupEntity(args.name, args.type);
    let start = 0;
    if (args.cursor !== undefined) {
      const c = decodeCursor(args.cursor, 'mentions', 'lookup_entity');
      if (c.id !== view.entity.id) {
        throw new InvalidInputError('this cursor continues the mentions of another entity', {
          field: 'cursor',
          allowed: 'the same name and type as the call that returned the cursor, or no cursor',
        });
      }
      start = Math.min(c.o, view.mentionedIn.length);
    }
    const remaining = view.mentionedIn.length - start;
    const build = (n: number): { out: Output; md: string } => {
      const out = shape(view, start, n);
      return { out, md: render(out) };
    };
    return fittedResult(ctx, remaining, build);
  },
});

function shape(view: EntityView, start: number, n: number): Output {
  const e = view.entity;
  const end = start + n;
  const fact = (k: string): string | null => (e.attributes[k] === undefined ? null : clip(String(e.attributes[k]), 200));
  return {
    entity: { id: e.id, type: e.type, name: clip(e.name, 200), aliases: e.aliases.slice(0, MAX_ALIASES).map((a) => clip(a, 100)), attributes: boundedAttributes(e.attributes) },
    default: fact('default'),
    unit: fact('unit'),
    defined_in: view.definedIn.slice(0, MAX_DEFINITIONS).map(cite),
    mentioned_in: view.mentionedIn.slice(start, end).map((m) => ({ ...cite(m), count: m.count })),
    mentions_offset: start,
    mentions_total: view.mentionedIn.length,
    related: view.related.slice(0, MAX_RELATED).map((r) => ({ ...r, name: clip(r.name, 100) })),
    alternatives: view.alternatives.slice(0, MAX_ALTERNATIVES),
    partial: end < view.mentionedIn.length,
    ...(end < view.mentionedIn.length ? { next_cursor: encodeCursor('mentions', { id: e.id, o: end }) } : {}),
  };
}

/** Attributes come from the docs' text; keep each small and the whole bounded. */
function boundedAttributes(attrs: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  let size = 0;
  for (const [k, v] of Object.entries(attrs)) {
    const value = typeof v === 'string' ? clip(v, 300) : v;
    const len = k.length + (JSON.stringify(value) ?? '').length;
    if (len > 400 || size + len > 1200) continue;
    kept[k] = value;
    size += len;
  }
  return kept;
}

function render(out: Output): string {
  const e = out.entity;
  const lines = [`# ${e.type} \`${e.name}\``];
  if (e.aliases.length) lines.push(`also written: ${e.aliases.map((a) => `\`${a}\``).join(', ')}`);
  const facts = [out.default !== null ? `default: \`${out.default}\`` : '', out.unit !== null ? `unit: ${out.unit}` : ''].filter(Boolean);
  if (facts.length) lines.push(facts.join(' · '));
  const other = Object.entries(e.attributes).filter(([k]) => k !== 'default' && k !== 'unit');
  if (other.length) lines.push(`attributes: ${other.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}`);
  lines.push('', 'Defined in:');
  if (out.defined_in.length === 0) lines.push('- (no section defines it; see the mentions)');
  for (const d of out.defined_in) lines.push(`- **${d.heading_path.join(' › ')}** — \`${d.ref}\` (id \`${d.id}\`)`);
  if (out.mentioned_in.length) {
    lines.push('', `Mentioned in (${out.mentions_offset + 1}–${out.mentions_offset + out.mentioned_in.length} of ${out.mentions_total}):`);
    for (const m of out.mentioned_in) lines.push(`- ${m.heading_path.join(' › ')} — \`${m.ref}\` (id \`${m.id}\`, ×${m.count})`);
  }
  if (out.related.length) lines.push('', `Related: ${out.related.map((r) => `${r.name} (${r.type})`).join(', ')}`);
  if (out.alternatives.length) lines.push('', `Same name, other types: ${out.alternatives.map((a) => a.type).join(', ')} (ask again with type).`);
  if (out.next_cursor) lines.push('', `More mentions: call lookup_entity with the same name and cursor "${out.next_cursor}".`);
  return lines.join('\n');
}
