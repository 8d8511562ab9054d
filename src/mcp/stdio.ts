import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { InvalidInputError } from '../domain/errors.js';
import type { McpContext } from './context.js';
import { createMcpServer } from './server.js';

/** Largest message (one line of JSON) a client may send on stdin: the SDK's read buffer limit, named here so the error can say it. */
export const MAX_STDIO_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Serves MCP over this process's stdin/stdout until the client closes stdin
 * or `signal` aborts. Nothing else may write to stdout meanwhile.
 *
 * Throws InvalidInputError when the transport had to close because the
 * client sent a message over MAX_STDIO_MESSAGE_BYTES (the SDK drops the
 * connection then): the caller reports it and exits non-zero, instead of
 * ending as if the client had hung up.
 */
export async function serveStdio(ctx: McpContext, signal?: AbortSignal): Promise<void> {
  const server = createMcpServer(ctx);
  const transport = new StdioServerTransport(process.stdin, process.stdout, { maxBufferSize: MAX_STDIO_MESSAGE_BYTES });
  let stopping = false;
  /** The error reported just before a close we did not ask for: the read buffer overflowed. */
  let lastError: unknown;
  let fatal: unknown;
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => {
      if (!stopping && lastError !== undefined) fatal = lastError;
      resolve();
    };
    const stop = (): void => {
      stopping = true;
      void transport.close();
    };
    process.stdin.once('end', stop);
    process.stdin.once('close', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  // Transport errors only (the server keeps this handler when it connects): a
  // line that is not JSON-RPC is logged and the connection stays; an overflow
  // of the read buffer is reported and then closes it, in the same tick.
  transport.onerror = (e) => {
    lastError = e;
    queueMicrotask(() => {
      lastError = undefined;
      // the overflow is reported once, by the caller, when serveStdio throws
      if (fatal !== e) ctx.log?.warn({ err: e }, 'MCP stdio: bad input from the client');
    });
  };
  await server.connect(transport);
  ctx.log?.info('MCP server ready on stdio');
  await closed;
  await server.close();
  if (fatal !== undefined) {
    throw new InvalidInputError(
      `MCP stdio: the client sent a message larger than ${MAX_STDIO_MESSAGE_BYTES} bytes (10 MB) without a line break; the connection was closed`,
      { field: 'message', allowed: `JSON-RPC messages of at most ${MAX_STDIO_MESSAGE_BYTES} bytes, one per line`, cause: fatal },
    );
  }
}
