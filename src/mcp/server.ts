import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpContext } from './context.js';
import { registerAdminTools } from './admin-tools.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { registerOperation } from './register.js';
import { READ_OPERATIONS } from './tools/index.js';

export type { McpContext } from './context.js';

const INSTRUCTIONS = `docgraph serves an index of technical documentation, split into citable sections.
When the user names a library, resolve_library gives its indexed name and versions (list_libraries lists them all): pass them to search_docs as library and version.
Start with search_docs; read the best hits in full with get_section (by id); use get_document for a page's outline.
The docs are also a knowledge graph: lookup_entity finds a command, setting, flag, error code or API by its exact name (definition, default, mentions);
explain_error ranks the sections that explain and resolve an error; get_procedure returns the ordered steps for a task;
traverse walks typed relations from an entity or section (depth ≤ 3, ≤ 100 edges).
Cite what you use as uri#anchor (name[@version]:uri#anchor when several libraries are indexed). Responses are bounded by a token budget: when a result has next_cursor, call the same tool again with that cursor for more.`;

/** The package version, read once (src/mcp and dist/mcp are both two levels below the package root). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * A docgraph MCP server with its tools, resources and prompts, independent of
 * the transport. One instance serves one connection (stdio, or one HTTP session).
 */
export function createMcpServer(ctx: McpContext): McpServer {
  const server = new McpServer({ name: 'docgraph', title: 'docgraph documentation index', version: VERSION }, { instructions: INSTRUCTIONS });
  for (const op of READ_OPERATIONS) registerOperation(server, ctx, op);
  if (ctx.adminSources) registerAdminTools(server, ctx, ctx.adminSources);
  registerResources(server, ctx);
  registerPrompts(server);
  return server;
}
