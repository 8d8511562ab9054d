import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpContext } from './context.js';
import { createMcpServer } from './server.js';

/**
 * Serves MCP over this process's stdin/stdout until the client closes stdin
 * or `signal` aborts. Nothing else may write to stdout meanwhile.
 */
export async function serveStdio(ctx: McpContext, signal?: AbortSignal): Promise<void> {
  const server = createMcpServer(ctx);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    const stop = (): void => void transport.close();
    process.stdin.once('end', stop);
    process.stdin.once('close', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await server.connect(transport);
  ctx.log?.info('MCP server ready on stdio');
  await closed;
  await server.close();
}
