import { defineOperation } from '../../api/operation.js';
import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors.js';
import { type SectionBrief, type SectionRef, type SectionView } from '../../app/documents.js';
import { clip, largestFitting, responseTokens } from '../budget.js';
import { budgetTooSmall } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { cursorInput, int, paging } from '../schemas.js';
import { DOC_SCHEME, stripResourceScheme } from '../resources.js';

const SECTION_ID = /^s_[0-9a-f]{24}$/;
/** Context lists are navigation aids; a section with hundreds of children lists the first ones. */
const MAX_CONTEXT_ITEMS = 20;

const inputSchema = z.strictObject({
  ref: z
    .string()
    .min(1)
    .max(2000)
    .describe('A section id (s_…) from search_docs or get_document, or a citation [name[@version]:]uri#anchor, e.g. "guides/tls.md#rotate-the-certificate". A bare uri means the first section.'),
  with_context: z
    .array(z.enum(['parent', 'children', 'siblings']))
    .max(3)
    .optional()
    .describe('Also list these neighbours (id, heading, anchor) to move around the document.'),
  cursor: cursorInput,
});

const briefSchema = z.object({ id: z.string(), heading: z.string(), anchor: z.string() });

const outputSchema = z.object({
  id: z.string(),
  ref: z.string(),
  source: z.string(),
  version: z.string().nullable(),
  uri: z.string(),
  anchor: z.string(),
  document_title: z.string(),
  heading: z.string(),
  heading_path: z.array(z.string()),
  aliases: z
    .array(z.string())
    .optional()
    .describe('Other ids of the page that lead here (uri#alias).'),
  level: int().describe('0 for the text before the first heading.'),
  part: z.object({ n: int(), of: int() }).optional().describe('Which part of a section the index split.'),
  text: z.string(),
  offset: int().describe('Where text starts in this part, in characters of total_chars.'),
  total_chars: int(),
  ...paging,
  parent: briefSchema.nullable().optional(),
  children: z.array(briefSchema).optional(),
  siblings: z.array(briefSchema).optional(),
  context_omitted: z.boolean().optional().describe('The neighbours asked for did not fit the token budget.'),
});

/** What get_section answers. */
export type SectionOutput = z.infer<typeof outputSchema>;
type Output = SectionOutput;

/** A ref as the tool accepts it: section id, uri#anchor (the citation search_docs gives, or the uri as on disk), or a docgraph:// resource uri. */
export function parseSectionRef(ref: string): SectionRef {
  const t = ref.trim();
  if (t === '') throw new InvalidInputError('ref is blank', { field: 'ref', allowed: 'a section id (s_…) or uri#anchor, e.g. guide/install.md#requirements' });
  // a resource uri is read as a citation too: name[@version]:uri picks one of several sources, a plain uri two hold is ambiguous
  if (t.startsWith(DOC_SCHEME)) return { citation: stripResourceScheme(t) };
  return SECTION_ID.test(t) ? { id: t } : { citation: t };
}

/** The `get_section` operation (MCP tool, and REST under /v1). */
export const getSectionOp = defineOperation({
  name: 'get_section',
  title: 'Read a documentation section',
  description:
    'Read the full text (Markdown, code blocks whole) of one documentation section, by the id or uri#anchor that search_docs or get_document gave. ' +
    'Optionally list its parent, children and siblings to move around the document. Cite what you use as uri#anchor. ' +
    'A long section comes in pages: when partial is true, call again with the same ref and next_cursor.',
  input: inputSchema,
  output: outputSchema,
  run: async (ctx, args) => {
    let ref = parseSectionRef(args.ref);
    let offset = 0;
    if (args.cursor !== undefined) {
      const c = decodeCursor(args.cursor, 'section', 'get_section');
      ref = { id: c.id };
      offset = c.c;
    }
    const want = new Set(args.with_context ?? []);
    const view = await ctx.app.getSection(ref, { parent: want.has('parent'), children: want.has('children'), siblings: want.has('siblings') });
    const text = view.section.text;
    offset = Math.min(offset, text.length);
    const remaining = text.length - offset;

    let withContext = want.size > 0;
    const build = (n: number): { out: Output; md: string } => {
      const out = shape(view, text, offset, n, withContext, want.size > 0 && !withContext);
      return { out, md: renderSection(out) };
    };
    const fits = (n: number): boolean => {
      const { out, md } = build(n);
      return responseTokens(out, md) <= ctx.tokenBudget;
    };
    if (withContext && !fits(Math.min(remaining, 1))) withContext = false;
    let n = largestFitting(remaining, fits);
    if (n === 0 && remaining > 0) throw budgetTooSmall(ctx);
    if (n < remaining) {
      // end the page at a line break when one is near, so a paragraph is not cut mid-sentence
      const cut = text.lastIndexOf('\n', offset + n - 1);
      if (cut > offset + n * 0.75) n = cut + 1 - offset;
    }
    const { out, md } = build(n);
    return { out, md };
  },
});

function shape(view: SectionView, text: string, offset: number, n: number, withContext: boolean, omitted: boolean): Output {
  const s = view.section;
  const partIndex = view.parts.findIndex((p) => p.id === s.id);
  const next = partIndex >= 0 ? view.parts[partIndex + 1] : undefined;
  const end = offset + n;
  const cursor = end < text.length ? encodeCursor('section', { id: s.id, c: end }) : next ? encodeCursor('section', { id: next.id, c: 0 }) : undefined;
  const out: Output = {
    id: s.id,
    ref: view.ref,
    source: view.source,
    version: view.version,
    uri: view.document.uri,
    anchor: s.anchor,
    document_title: clip(view.document.title, 160),
    heading: clip(s.heading, 160),
    heading_path: s.headingPath.slice(-6).map((h) => clip(h, 100)),
    ...(s.aliases.length > 0 ? { aliases: s.aliases.slice(0, MAX_CONTEXT_ITEMS).map((a) => clip(a, 100)) } : {}),
    level: s.level,
    ...(partIndex >= 0 ? { part: { n: partIndex + 1, of: view.parts.length } } : {}),
    text: text.slice(offset, end),
    offset,
    total_chars: text.length,
    partial: cursor !== undefined,
    ...(cursor ? { next_cursor: cursor } : {}),
  };
  if (withContext) {
    if (view.parent !== undefined) out.parent = view.parent ? brief(view.parent) : null;
    if (view.children) out.children = view.children.slice(0, MAX_CONTEXT_ITEMS).map(brief);
    if (view.siblings) out.siblings = view.siblings.slice(0, MAX_CONTEXT_ITEMS).map(brief);
  }
  if (omitted) out.context_omitted = true;
  return out;
}

function brief(b: SectionBrief): z.infer<typeof briefSchema> {
  return { id: b.id, heading: clip(b.heading, 100), anchor: b.anchor };
}

/** The Markdown a model (or a terminal) reads for a get_section answer. */
export function renderSection(out: Output): string {
  const lines: string[] = [];
  lines.push(`## ${out.heading_path.join(' › ') || out.heading || out.document_title}`);
  const where = [`\`${out.ref}\``, `id \`${out.id}\``, out.document_title];
  if (out.part) where.push(`part ${out.part.n} of ${out.part.of}`);
  if (out.aliases) where.push(`also ${out.aliases.map((a) => `\`#${a}\``).join(', ')}`);
  if (out.offset > 0 || out.offset + out.text.length < out.total_chars) where.push(`characters ${out.offset}–${out.offset + out.text.length} of ${out.total_chars}`);
  lines.push(where.join(' · '), '', out.text.trim() || '(this section has no text of its own; see its children)');
  if (out.next_cursor) lines.push('', `(continues: call get_section with cursor "${out.next_cursor}")`);
  const list = (label: string, items: z.infer<typeof briefSchema>[] | undefined): void => {
    if (!items) return;
    lines.push('', `${label}:${items.length ? '' : ' none'}`);
    for (const b of items) lines.push(`- ${b.heading || '(untitled)'} — \`#${b.anchor}\` (id \`${b.id}\`)`);
  };
  if (out.parent !== undefined) lines.push('', `Parent: ${out.parent ? `${out.parent.heading} (id \`${out.parent.id}\`)` : 'none (top level)'}`);
  list('Children', out.children);
  list('Siblings', out.siblings);
  if (out.context_omitted) lines.push('', '(context left out to stay within the token budget)');
  return lines.join('\n');
}
