/**
 * The operations that change the sources of the index: add, refresh and
 * remove a library. MCP serves them as the admin tools (only with
 * --allow-admin-tools, mcp/admin-tools.ts), REST under /v1/sources with the
 * admin scope. MCP waits until the source's jobs have ended (a tool answers
 * with what was indexed); REST queues them for the server's worker and
 * answers 202 at once, as POST /v1/ingest does.
 */
import { z } from 'zod';
import type { SourceRun, SourceService } from '../app/sources.js';
import { sourceLabel } from '../domain/sources.js';
import { pickWebFlags, webFlagJsonFields } from '../sources/web/source.js';
import { defineOperation, type OperationContext } from './operation.js';

/** What the source operations call: the sources of the index (App.registry). */
export type AdminSources = Pick<SourceService, 'add' | 'refresh' | 'remove'>;

export interface SourcesContext extends OperationContext {
  sources: AdminSources;
  /** Wait until the jobs have ended (MCP), or queue them for the server's worker and answer at once (REST). */
  waitForJobs: boolean;
}

const int = () => z.number().int().min(0);

export const sourceRunSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  kind: z.string(),
  revision: z.string().nullable(),
  refreshed_at: z.string().nullable(),
  files: int(),
  indexed: int().describe('Documents written (0 while the jobs are only queued).'),
  unchanged: int(),
  deleted: int(),
  queued: int().describe('Jobs queued for new, changed or vanished files.'),
  skipped: z.array(z.object({ uri: z.string(), reason: z.string() })).describe('Files that could not be indexed, and why (at most 20).'),
  failed: int().describe('Files whose job failed for another reason (I/O, embedder).'),
});

export type WireSourceRun = z.infer<typeof sourceRunSchema>;

function wireRun(r: SourceRun): WireSourceRun {
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
    queued: r.report.jobs?.queued ?? 0,
    skipped: r.report.skipped.slice(0, 20).map((s) => ({ uri: s.uri, reason: s.reason })),
    failed: r.report.failed?.length ?? 0,
  };
}

function runLine(r: WireSourceRun, waited: boolean): string {
  const label = r.version === null ? r.name : `${r.name}@${r.version}`;
  const what = waited ? `${r.indexed} indexed, ${r.unchanged} unchanged, ${r.deleted} deleted` : `${r.queued} jobs queued, ${r.unchanged} unchanged`;
  return `\`${label}\` (${r.kind}): ${r.files} files, ${what}, ${r.skipped.length} skipped, ${r.failed} failed`;
}

const sourceSpec = z.string().min(1).max(200).describe('name or name@version (list_libraries).');

export const addSourceOp = defineOperation({
  name: 'add_source',
  title: 'Add a library',
  description:
    'Add a source (library) to the index and index it: a folder on the server, a git repository (any URL git understands, or github:owner/repo[@ref][/subdir]), a website (http(s)://host/docs/, crawled within that path) or an npm package (npm:<name>[@<range>]), with a name and an optional version. ' +
    'Nothing stays registered when it fails.',
  input: z.strictObject({
    location: z.string().min(1).max(2000).describe('A folder on the server, a git URL / github:owner/repo[@ref][/subdir], a website URL, or npm:<name>[@<range>].'),
    name: z.string().min(1).max(100).optional().describe('Library name (default: the folder or repository name).'),
    version: z.string().min(1).max(100).optional(),
    ref: z.string().min(1).max(200).optional().describe('Git: branch, tag or commit.'),
    subdir: z.string().min(1).max(500).optional().describe('Git: the folder of the repository to index.'),
    include: z.array(z.string().min(1)).max(50).optional().describe('Globs of files to index.'),
    exclude: z.array(z.string().min(1)).max(50).optional().describe('Globs of files and folders to leave out.'),
    ...webFlagJsonFields,
    registry: z.string().url().optional().describe('npm package: the registry (default: the server\'s npm configuration).'),
  }),
  output: sourceRunSchema,
  run: async (ctx: SourcesContext, args) => {
    const { max_pages, max_depth, concurrency, rate, allow_private, registry, ...rest } = args;
    const web = pickWebFlags({ max_pages, max_depth, concurrency, rate, allow_private }, 'json');
    const req = { ...rest, ...(web ? { web } : {}), ...(registry !== undefined ? { registry } : {}) };
    const r = wireRun(await ctx.sources.add(req, { wait: ctx.waitForJobs, ...(ctx.log ? { log: ctx.log } : {}) }));
    return { out: r, md: `Added ${runLine(r, ctx.waitForJobs)}.` };
  },
});

export const refreshSourceOp = defineOperation({
  name: 'refresh_source',
  title: 'Refresh a library',
  description: 'Index what changed in a source; a git source fetches and indexes only the files that changed.',
  input: z.strictObject({ source: sourceSpec }),
  output: z.object({ sources: z.array(sourceRunSchema) }),
  run: async (ctx: SourcesContext, args) => {
    const runs = (await ctx.sources.refresh(args.source, { wait: ctx.waitForJobs, ...(ctx.log ? { log: ctx.log } : {}) })).map(wireRun);
    return { out: { sources: runs }, md: runs.map((r) => `Refreshed ${runLine(r, ctx.waitForJobs)}.`).join('\n') };
  },
});

export const removeSourceOp = defineOperation({
  name: 'remove_source',
  title: 'Remove a library',
  description: 'Remove a source and its documents from the index. The files themselves are not touched.',
  input: z.strictObject({ source: sourceSpec }),
  output: z.object({ name: z.string(), version: z.string().nullable(), removed_documents: int() }),
  run: async (ctx: SourcesContext, args) => {
    const r = await ctx.sources.remove(args.source, ctx.log ? { log: ctx.log } : {});
    return { out: { name: r.source.name, version: r.source.version, removed_documents: r.removed }, md: `Removed \`${sourceLabel(r.source)}\` (${r.removed} documents).` };
  },
});

/** The source operations, in the order MCP lists them. */
export const SOURCE_OPERATIONS = [addSourceOp, refreshSourceOp, removeSourceOp] as const;
