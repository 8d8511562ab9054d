import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { explainFailure } from '../app/failures.js';
import { InvalidInputError, isDocgraphError } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';

/** JSON-RPC code the MCP spec gives to "resource not found". */
export const RESOURCE_NOT_FOUND = -32002;

/**
 * The one place that maps errors to MCP.
 *
 * Tool calls answer with a tool error result (`isError: true`) that the model
 * reads and can act on: what was wrong, what is allowed, what to try next.
 * That holds for bad arguments too: the MCP spec (2025-11-25, SEP-1303) asks
 * for input validation failures as tool execution errors rather than JSON-RPC
 * `InvalidParams`, because clients do not show protocol errors to the model,
 * and the SDK's McpServer already reports its own schema check that way.
 *
 * Resource reads and prompts have no such channel, so they get protocol
 * errors: `InvalidParams` (-32602) with `{ field, allowed }` as data, or
 * -32002 for a resource that does not exist.
 *
 * Unexpected errors are logged on the server and answered with a generic
 * message: never a stack trace or internal detail.
 */
export function toolErrorResult(e: unknown, log?: Logger): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: describe(explainFailure(e), log) }] };
}

/**
 * A JSON-RPC error to throw from resource and prompt handlers. Unlike the
 * SDK's McpError its message is not prefixed with "MCP error <code>:", which
 * the client adds once itself.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** A protocol error for resource reads and prompts (see toolErrorResult for tools). */
export function protocolError(error: unknown, log?: Logger): Error {
  const e = explainFailure(error);
  if (e instanceof McpError || e instanceof ProtocolError) return e;
  if (isDocgraphError(e)) {
    if (e.code === 'INVALID_INPUT') {
      const data = e instanceof InvalidInputError ? { field: e.field, allowed: e.allowed } : undefined;
      return new ProtocolError(ErrorCode.InvalidParams, describe(e), data);
    }
    if (e.code === 'NOT_FOUND') return new ProtocolError(RESOURCE_NOT_FOUND, describe(e));
    return new ProtocolError(ErrorCode.InternalError, describe(e), { code: e.code, retryable: e.retryable });
  }
  return new ProtocolError(ErrorCode.InternalError, describe(e, log));
}

function describe(e: unknown, log?: Logger): string {
  if (!isDocgraphError(e)) {
    log?.error({ err: e }, 'unexpected error in an MCP handler');
    return 'Internal error in docgraph; it was logged on the server. Retrying the same call may not help: try other arguments or report the problem.';
  }
  const lines: string[] = [];
  switch (e.code) {
    case 'INVALID_INPUT':
      lines.push(sentence(`Invalid arguments: ${e.message}`));
      if (e instanceof InvalidInputError && e.field) lines.push(sentence(`Field: ${e.field}`));
      if (e instanceof InvalidInputError && e.allowed) lines.push(sentence(`Allowed: ${e.allowed}`));
      break;
    case 'NOT_FOUND':
      lines.push(sentence(`Not found: ${e.message}`));
      break;
    default:
      lines.push(sentence(e.message));
      if (e.retryable) lines.push('This is temporary: retry later.');
  }
  if (e.hint) lines.push(sentence(`Hint: ${e.hint}`));
  return lines.join(' ');
}

function sentence(s: string): string {
  return /[.!?…)]$/.test(s) ? s : s + '.';
}
