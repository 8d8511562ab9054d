/**
 * The admin tools: `add_source`, `refresh_source`, `remove_source`. They
 * change the index, so they are registered only when the server was started
 * with `--allow-admin-tools` (server.allowAdminTools), and over HTTP a call
 * also needs a key with the admin scope (the transport hands the caller's
 * scopes to the tool as authInfo). Each does what `docgraph add`, `refresh`
 * and `remove` do, through the same SourceService, and waits until the
 * source's jobs have ended.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { grants, type Scope } from '../app/keys.js';
import type { SourceRun, SourceService } from '../app/sources.js';
import { sourceLabel } from '../domain/sources.js';
import { guarded, toolResult, type McpContext } from './context.js';
import { int } from './schemas.js';

/** What the admin tools call: the sources of the index. */
export type AdminSources = Pick<SourceService, 'add' | 'refresh' | 'remove'>;

const runSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  kind: z.string(),
  revision: z.string().nullable(),
  refreshed_at: z.string().nullable(),
  files: int(),
  indexed: int(),
  unchanged: int(),
  deleted: int(),
  skipped: z.array(z.object({ uri: z.string(), reason: z.string() })).describe('Files that could not be indexed, and why (at most 20).'),
  failed: int().describe('Files whose job failed for another reason (I/O, embedder).'),
});

function wireRun(r: SourceRun): z.infer<typeof runSchema> {
  return {
    name: r.source.name,
    version: r.source.version,
    kind: r.source.kind,
    revision: r.source.revision,
    refreshed_at: r.source.refreshedAt,
    files: r.report.files,
    indexed: r.report.indexed,
    unchanged: r.report.unchanged,
    deleted: r.report.deleted,
    skipped: r.report.skipped.slice(0, 20).map((s) => ({ uri: s.uri, reason: s.reason })),
    failed: r.report.failed?.length ?? 0,
  };
}

function runLine(r: z.infer<typeof runSchema>): string {
  const label = r.version === null ? r.name : `${r.name}@${r.version}`;
  return `\`${label}\` (${r.kind}): ${r.files} files, ${r.indexed} indexed, ${r.unchanged} unchanged, ${r.deleted} deleted, ${r.skipped.length} skipped, ${r.failed} failed`;
}

const ADMIN_ANNOTATIONS = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };

/** Refuses a caller over HTTP whose key lacks the admin scope; stdio (no authInfo) is the local user. */
function forbidden(extra: { authInfo?: { scopes: string[] } }): CallToolResult | undefined {
  const scopes = extra.authInfo?.scopes;
  if (scopes === undefined || grants(scopes as Scope[], 'admin')) return undefined;
  return { isError: true, content: [{ type: 'text', text: `Forbidden: this key's scopes (${scopes.join(', ') || 'none'}) do not include admin, which the source tools need.` }] };
}

/** Registers the admin tools on `server` (call only when admin tools are allowed). */
export function registerAdminTools(server: McpServer, ctx: McpContext, sources: AdminSources): void {
  server.registerTool(
    'add_source',
    {
      title: 'Add a library',
      description:
        'Add a source (library) to the index and index it: a folder on the server, or a git repository (any URL git understands, or github:owner/repo[@ref][/subdir]), with a name and an optional version. ' +
        'Waits until its documents are indexed. Nothing stays registered when it fails.',
      inputSchema: z.strictObject({
        location: z.string().min(1).max(2000).describe('A folder on the server, or a git URL / github:owner/repo[@ref][/subdir].'),
        name: z.string().min(1).max(100).optional().describe('Library name (default: the folder or repository name).'),
        version: z.string().min(1).max(100).optional(),
        ref: z.string().min(1).max(200).optional().describe('Git: branch, tag or commit.'),
        subdir: z.string().min(1).max(500).optional().describe('Git: the folder of the repository to index.'),
        include: z.array(z.string().min(1)).max(50).optional().describe('Globs of files to index.'),
        exclude: z.array(z.string().min(1)).max(50).optional().describe('Globs of files and folders to leave out.'),
      }).shape,
      outputSchema: runSchema.shape,
      annotations: { title: 'Add a library', ...ADMIN_ANNOTATIONS },
    },
    async (args, extra) =>
      forbidden(extra) ??
      guarded(ctx, async () => {
        const r = wireRun(await sources.add(args, ctx.log ? { log: ctx.log } : {}));
        return toolResult(r, `Added ${runLine(r)}.`);
      }),
  );
  server.registerTool(
    'refresh_source',
    {
      title: 'Refresh a library',
      description: 'Index what changed in a source (name or name@version from list_libraries); a git source fetches and indexes only the files that changed. Waits until done.',
      inputSchema: z.strictObject({ source: z.string().min(1).max(200).describe('name or name@version.') }).shape,
      outputSchema: { sources: z.array(runSchema) },
      annotations: { title: 'Refresh a library', ...ADMIN_ANNOTATIONS, idempotentHint: true },
    },
    async (args, extra) =>
      forbidden(extra) ??
      guarded(ctx, async () => {
        const runs = (await sources.refresh(args.source, ctx.log ? { log: ctx.log } : {})).map(wireRun);
        return toolResult({ sources: runs }, runs.map((r) => `Refreshed ${runLine(r)}.`).join('\n'));
      }),
  );
  server.registerTool(
    'remove_source',
    {
      title: 'Remove a library',
      description: 'Remove a source (name or name@version) and its documents from the index. The files themselves are not touched.',
      inputSchema: z.strictObject({ source: z.string().min(1).max(200).describe('name or name@version.') }).shape,
      outputSchema: { name: z.string(), version: z.string().nullable(), removed_documents: int() },
      annotations: { title: 'Remove a library', ...ADMIN_ANNOTATIONS, destructiveHint: true, idempotentHint: true },
    },
    async (args, extra) =>
      forbidden(extra) ??
      guarded(ctx, async () => {
        const r = await sources.remove(args.source, ctx.log ? { log: ctx.log } : {});
        return toolResult({ name: r.source.name, version: r.source.version, removed_documents: r.removed }, `Removed \`${sourceLabel(r.source)}\` (${r.removed} documents).`);
      }),
  );
}
