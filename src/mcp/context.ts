import { largestFitting, responseTokens } from './budget.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { OperationContext, OperationResult } from '../api/operation.js';
import { DocgraphError } from '../domain/errors.js';
import { toolErrorResult } from './errors.js';
import type { AdminSources } from '../api/sources.js';

export type { DocsApp } from '../api/operation.js';

/** What the MCP server runs on: the operations' context, and where tool calls are counted. */
export interface McpContext extends OperationContext {
  /** The sources the admin tools (add_source, refresh_source, remove_source) change; set only with --allow-admin-tools. */
  adminSources?: AdminSources;
  /** Called once per tool call with its outcome and duration (docgraph serve's metrics). */
  onToolCall?: (call: ToolCallRecord) => void;
}

export interface ToolCallRecord {
  tool: string;
  /** `error`: the call answered with a tool error result. */
  outcome: 'ok' | 'error';
  seconds: number;
  /** Bytes of the result (structured content plus text). */
  bytes: number;
}

/** Every docgraph tool only reads the index. */
export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

/** A successful tool result: structured content plus its Markdown rendering. */
export function toolResult(structured: Record<string, unknown>, markdown: string): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text: markdown }] };
}

/**
 * Not even one item fits in the response budget (pathologically long
 * headings or uris against a small server.tokenBudget). Answering with an
 * empty page and a cursor to the same place would loop forever.
 */
export function budgetTooSmall(ctx: OperationContext): DocgraphError {
  return new DocgraphError('CONFIG_INVALID', `one item of this result does not fit in the response budget of ${ctx.tokenBudget} tokens`, {
    hint: 'ask the server operator to raise server.tokenBudget (DOCGRAPH_TOKEN_BUDGET)',
  });
}

/**
 * The largest page (up to `remaining` items) whose response fits the token
 * budget. Refuses when not even one item, or the frame without items, fits:
 * an empty page with a cursor to the same place would loop.
 */
export function fittedResult<O extends Record<string, unknown>>(
  ctx: OperationContext,
  remaining: number,
  build: (n: number) => { out: O; md: string },
): OperationResult<O> {
  const fits = (n: number): boolean => {
    const { out, md } = build(n);
    return responseTokens(out, md) <= ctx.tokenBudget;
  };
  const n = largestFitting(remaining, fits);
  if (!fits(n) || (n === 0 && remaining > 0)) throw budgetTooSmall(ctx);
  return build(n);
}

/** Runs a tool body; any error becomes a tool error result the model can act on (see errors.ts). */
export async function guarded(ctx: McpContext, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (e) {
    return toolErrorResult(e, ctx.log);
  }
}
