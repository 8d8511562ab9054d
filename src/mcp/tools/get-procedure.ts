import { defineOperation } from '../../api/operation.js';
import { z } from 'zod';
import { citationSchema, cite } from '../citation.js';
import type { ProcedureView } from '../../app/graph.js';
import { InvalidInputError, NotFoundError } from '../../domain/errors.js';
import { clip } from '../budget.js';
import { fittedResult } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { cursorInput, int, paging } from '../schemas.js';

/** One step's text; longer steps are clipped (the section holds the whole). */
const MAX_STEP_CHARS = 1500;

const inputSchema = z.strictObject({
  task: z
    .string()
    .min(1)
    .max(2000)
    .describe('The task in words, e.g. "rotate the TLS certificate", "upgrade a cluster", "install on Windows".'),
  cursor: cursorInput,
});

const outputSchema = z.object({
  task: z.string(),
  procedure: z.object({ id: z.string(), name: z.string(), title: z.string() }),
  section: citationSchema.describe('Where the steps come from: cite it.'),
  prerequisites: citationSchema.nullable().describe('A section of the same page to read before the steps, when there is one.'),
  steps: z.array(z.object({ order: int(), text: z.string() })),
  steps_offset: int(),
  total_steps: int(),
  ...paging,
});

type Output = z.infer<typeof outputSchema>;

/** The `get_procedure` operation (MCP tool, and REST under /v1). */
export const getProcedureOp = defineOperation({
  name: 'get_procedure',
  title: 'Get the steps for a task',
  description:
    'Get step-by-step instructions for a task ("rotate the TLS certificate", "upgrade a cluster"): the ordered steps of the procedure in the docs that best matches, ' +
    'the section they come from (uri#anchor) and the prerequisites section when the page has one. ' +
    'Use it for how-to questions whose answer is a sequence of steps. The best match is not always the task you meant: check the procedure title. ' +
    'For explanations, reference or anything that is not a list of steps, use search_docs.',
  input: inputSchema,
  output: outputSchema,
  run: async (ctx, args) => {
    const view = await ctx.app.getProcedure(args.task);
    if (!view) {
      throw new NotFoundError(`no step-by-step procedure in the docs matches "${clip(args.task.trim(), 120)}"`, {
        hint: 'the docs may explain it in prose: use search_docs with the same words and read the best hits with get_section',
      });
    }
    let start = 0;
    if (args.cursor !== undefined) {
      const c = decodeCursor(args.cursor, 'steps', 'get_procedure');
      if (c.id !== view.procedure.id) {
        throw new InvalidInputError('this cursor continues the steps of another procedure', { field: 'cursor', allowed: 'the same task as the call that returned the cursor, or no cursor' });
      }
      start = Math.min(c.o, view.steps.length);
    }
    const remaining = view.steps.length - start;
    const build = (n: number): { out: Output; md: string } => {
      const out = shape(args.task.trim(), view, start, n);
      return { out, md: render(out) };
    };
    return fittedResult(ctx, remaining, build);
  },
});

function shape(task: string, view: ProcedureView, start: number, n: number): Output {
  const end = start + n;
  return {
    task: clip(task, 300),
    procedure: { id: view.procedure.id, name: clip(view.procedure.name, 200), title: clip(view.procedure.title, 200) },
    section: cite(view.section),
    prerequisites: view.prerequisites ? cite(view.prerequisites) : null,
    steps: view.steps.slice(start, end).map((s) => ({ order: s.order, text: clip(s.text, MAX_STEP_CHARS) })),
    steps_offset: start,
    total_steps: view.steps.length,
    partial: end < view.steps.length,
    ...(end < view.steps.length ? { next_cursor: encodeCursor('steps', { id: view.procedure.id, o: end }) } : {}),
  };
}

function render(out: Output): string {
  const lines = [`# ${out.procedure.title}`, `From **${out.section.heading_path.join(' › ')}** — \`${out.section.ref}\` (id \`${out.section.id}\`)`];
  if (out.prerequisites) lines.push(`Prerequisites: **${out.prerequisites.heading_path.join(' › ')}** — \`${out.prerequisites.ref}\` (id \`${out.prerequisites.id}\`)`);
  lines.push('');
  if (out.total_steps === 0) lines.push('(the procedure lists no steps of its own; read the section)');
  for (const s of out.steps) lines.push(`${s.order}. ${s.text.replace(/\n/g, '\n   ')}`);
  if (out.next_cursor) lines.push('', `Steps ${out.steps_offset + 1}–${out.steps_offset + out.steps.length} of ${out.total_steps}: call get_procedure with the same task and cursor "${out.next_cursor}" for the rest.`);
  return lines.join('\n');
}
