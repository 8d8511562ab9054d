/**
 * The admin tools: `add_source`, `refresh_source`, `remove_source` (the
 * operations of api/sources.ts). They change the index, so they are
 * registered only when the server was started with `--allow-admin-tools`
 * (server.allowAdminTools), and over HTTP a call also needs a key with the
 * admin scope: the transport hands the caller's scopes to the tool as
 * authInfo (stdio has none: it is the local user, as the CLI is). A tool
 * waits until the source's jobs have ended.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SOURCE_OPERATIONS, type AdminSources, type SourcesContext } from '../api/sources.js';
import { grants, type Scope } from '../app/keys.js';
import { guarded, toolResult, type McpContext } from './context.js';

export type { AdminSources } from '../api/sources.js';

/** Refuses a caller over HTTP whose key lacks the admin scope. */
function forbidden(extra: { authInfo?: { scopes: string[] } }): CallToolResult | undefined {
  const scopes = extra.authInfo?.scopes;
  if (scopes === undefined || grants(scopes as Scope[], 'admin')) return undefined;
  return { isError: true, content: [{ type: 'text', text: `Forbidden: this key's scopes (${scopes.join(', ') || 'none'}) do not include admin, which the source tools need.` }] };
}

/** Registers the admin tools on `server` (call only when admin tools are allowed). */
export function registerAdminTools(server: McpServer, ctx: McpContext, sources: AdminSources): void {
  const opCtx: SourcesContext = { ...ctx, sources, waitForJobs: true };
  for (const op of SOURCE_OPERATIONS) {
    server.registerTool(
      op.name,
      {
        title: op.title,
        description: `${op.description} Waits until the documents are indexed.`,
        inputSchema: op.input,
        outputSchema: op.output,
        annotations: { title: op.title, readOnlyHint: false, destructiveHint: op.name === 'remove_source', idempotentHint: op.name !== 'add_source', openWorldHint: true },
      },
      async (args: Record<string, unknown>, extra: { authInfo?: { scopes: string[] } }) =>
        forbidden(extra) ??
        guarded(ctx, async () => {
          const { out, md } = await (op.run as (c: SourcesContext, a: unknown) => Promise<{ out: Record<string, unknown>; md: string }>)(opCtx, args);
          return toolResult(out, md);
        }),
    );
  }
}
