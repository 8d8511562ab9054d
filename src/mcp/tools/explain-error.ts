import { defineOperation } from '../../api/operation.js';
import { z } from 'zod';
import type { ErrorExplanation } from '../../app/graph.js';
import { InvalidInputError } from '../../domain/errors.js';
import { clip } from '../budget.js';
import { fittedResult } from '../context.js';
import { decodeCursor, encodeCursor, queryHash } from '../cursor.js';
import { cursorInput, int, paging } from '../schemas.js';
import { sourceRef } from '../citation.js';

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;

const inputSchema = z.strictObject({
  code_or_message: z
    .string()
    .min(1)
    .max(2000)
    .describe('The error as the user saw it: a code (ERR_REQUIRE_ESM, EADDRINUSE, ORA-12154), an error class (TypeError) or the message text. A whole log line works: codes in it are picked out.'),
  limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`Sections per page (default ${DEFAULT_LIMIT}).`),
  cursor: cursorInput,
});

const sectionSchema = z.object({
  rank: int(),
  id: z.string(),
  ref: z.string(),
  heading_path: z.array(z.string()),
  score: z.number(),
  why: z.array(z.enum(['DEFINES', 'RESOLVES', 'MENTIONS', 'SEARCH'])),
});

const outputSchema = z.object({
  query: z.string(),
  errors: z.array(z.object({ id: z.string(), type: z.string(), name: z.string() })).describe('The error codes and messages of the index that matched.'),
  sections: z.array(sectionSchema),
  fallback: z.boolean(),
  ...paging,
});

type Output = z.infer<typeof outputSchema>;

/** The `explain_error` operation (MCP tool, and REST under /v1). */
export const explainErrorOp = defineOperation({
  name: 'explain_error',
  title: 'Explain an error from the docs',
  description:
    'Find where the docs explain an error: pass an error code (ERR_REQUIRE_ESM, EADDRINUSE) or the message as printed. ' +
    'Returns the sections ranked with the definition first, each with a citation (uri#anchor) and why: DEFINES (explains the error), RESOLVES (says how to fix it), MENTIONS (names it). ' +
    'Use it first whenever the question is about an error a user hit; then read the top sections with get_section. ' +
    'It matches codes and messages the docs name exactly; when none matches, it answers with the best search_docs hits for the text (fallback: true, why SEARCH, score = confidence), and when those are weak too, with not found.',
  input: inputSchema,
  output: outputSchema,
  run: async (ctx, args) => {
    const limit = args.limit ?? DEFAULT_LIMIT;
    const bound = queryHash(['explain', args.code_or_message.trim()]);
    let offset = 0;
    if (args.cursor !== undefined) {
      const c = decodeCursor(args.cursor, 'explain', 'explain_error');
      if (c.h !== bound) {
        throw new InvalidInputError('this cursor continues another explain_error call', {
          field: 'cursor',
          allowed: 'the same code_or_message as the call that returned the cursor, or no cursor',
        });
      }
      offset = c.o;
    }
    // one extra section tells whether another page exists
    const found = await ctx.app.explainError(args.code_or_message, offset + limit + 1);
    const page = found.sections.slice(offset, offset + limit);
    const build = (n: number): { out: Output; md: string } => {
      const out = shape(found, page, offset, n, bound);
      return { out, md: render(out) };
    };
    return fittedResult(ctx, page.length, build);
  },
});

function shape(found: ErrorExplanation, page: ErrorExplanation['sections'], offset: number, n: number, bound: string): Output {
  const more = offset + n < found.sections.length;
  return {
    query: clip(found.query, 300),
    errors: found.errors.slice(0, 10).map((e) => ({ id: e.id, type: e.type, name: clip(e.name, 200) })),
    fallback: found.fallback,
    sections: page.slice(0, n).map((s, i) => ({
      rank: offset + i + 1,
      id: s.id,
      ref: sourceRef(s.source, s.uri, s.anchor),
      heading_path: s.headingPath.slice(-4).map((h) => clip(h, 80)),
      score: s.score,
      why: s.why,
    })),
    partial: n < page.length,
    ...(more ? { next_cursor: encodeCursor('explain', { h: bound, o: offset + n }) } : {}),
  };
}

const WHY: Record<string, string> = { DEFINES: 'defines it', RESOLVES: 'how to resolve it', MENTIONS: 'mentions it', SEARCH: 'search hit' };

function render(out: Output): string {
  const lines = out.fallback
    ? ['No error code or message in the docs matches this exactly; these sections are the best search hits for the text.', '']
    : [`Errors matched: ${out.errors.map((e) => `${e.type} \`${e.name}\``).join(', ')}`, ''];
  if (out.sections.length === 0) lines.push('No section of this page defines, resolves or mentions it.');
  for (const s of out.sections) {
    lines.push(`${s.rank}. **${s.heading_path.join(' › ')}** — \`${s.ref}\` (id \`${s.id}\`, score ${s.score}): ${s.why.map((w) => WHY[w]).join(', ')}`);
  }
  if (out.partial) lines.push('', 'More sections were left out to stay within the token budget.');
  if (out.next_cursor) lines.push(`${out.partial ? '' : '\n'}Next page: call explain_error with the same code_or_message and cursor "${out.next_cursor}".`);
  lines.push('', 'Read a section in full with get_section (by id).');
  return lines.join('\n');
}
