/**
 * Schema pieces the tools share, written once. A client sends every tool's
 * schemas to the model on each turn (`tools/list`), so a field's meaning is
 * said once — in the tool description, or here — and not repeated on every
 * field that carries it; docs/mcp.md has the whole contract.
 */
import { z } from 'zod';

/**
 * An integer in an output schema. For z.int() zod writes ±2^53 bounds into
 * the JSON Schema (about 50 characters a field, nothing a model can use); the
 * value is still checked to be a safe integer.
 */
export const int = (): z.ZodInt => z.int().meta({ minimum: undefined, maximum: undefined });

/** The `cursor` argument of every paged tool. */
export const cursorInput = z.string().min(1).max(1000).optional().describe('next_cursor of the previous response; send the same other arguments with it.');

/** The end of every paged output: `partial` when the token budget cut this page, `next_cursor` when more follows. */
export const paging = { partial: z.boolean(), next_cursor: z.string().optional() };
