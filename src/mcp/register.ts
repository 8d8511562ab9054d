import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Operation } from '../api/operation.js';
import { inSpan } from '../observability/tracing.js';
import { guarded, READ_ONLY, toolResult, type McpContext } from './context.js';

/** Registers an operation as an MCP tool: the SDK checks the input against `op.input`; the answer is structured content plus Markdown. */
export function registerOperation(server: McpServer, ctx: McpContext, op: Operation): void {
  server.registerTool(
    op.name,
    { title: op.title, description: op.description, inputSchema: op.input, outputSchema: op.output, annotations: { title: op.title, ...READ_ONLY } },
    async (args: Record<string, unknown>) => {
      const started = performance.now();
      const result: CallToolResult = await inSpan(`mcp.tool ${op.name}`, { 'mcp.tool.name': op.name }, async (span) => {
        const r = await guarded(ctx, async () => {
          const { out, md } = await op.run(ctx, args);
          return toolResult(out, md);
        });
        span.setAttribute('mcp.tool.outcome', r.isError ? 'error' : 'ok');
        return r;
      });
      if (ctx.onToolCall) {
        const bytes = Buffer.byteLength(JSON.stringify(result.structuredContent ?? {})) + result.content.reduce((n, c) => n + (c.type === 'text' ? Buffer.byteLength(c.text) : 0), 0);
        ctx.onToolCall({ tool: op.name, outcome: result.isError ? 'error' : 'ok', seconds: (performance.now() - started) / 1000, bytes });
      }
      return result;
    },
  );
}
