import { z } from 'zod';
import { defineOperation } from '../../api/operation.js';
import { groupLibraries, resolveLibrary, type Library } from '../../app/libraries.js';
import { largestFitting, responseTokens } from '../budget.js';
import { int } from '../schemas.js';

const versionSchema = z.object({
  version: z.string().nullable(),
  id: z.string().describe('name[@version], as citations start.'),
  kind: z.string(),
  documents: int(),
  refreshed_at: z.string().nullable(),
});

const librarySchema = z.object({ name: z.string(), versions: z.array(versionSchema), documents: int() });

const listOutput = z.object({ libraries: z.array(librarySchema), partial: z.boolean() });
const resolveOutput = z.object({ query: z.string(), matches: z.array(librarySchema.extend({ score: z.number() })) });

function wire(lib: Library): z.infer<typeof librarySchema> {
  return { name: lib.name, documents: lib.documents, versions: lib.versions.map((v) => ({ version: v.version, id: v.id, kind: v.kind, documents: v.documents, refreshed_at: v.refreshedAt })) };
}

function line(lib: z.infer<typeof librarySchema>): string {
  return `- **${lib.name}**: ${lib.versions.map((v) => `\`${v.id}\` (${v.kind}, ${v.documents} documents)`).join(', ')}`;
}

/** The `list_libraries` operation (MCP tool, and REST under /v1). */
export const listLibrariesOp = defineOperation({
  name: 'list_libraries',
  title: 'List indexed libraries',
  description:
    'List the libraries (sources) the index holds, each with its versions and number of documents. Pass a name as library (and version) to search_docs to search one library; ' +
    'to find the library a user means by a looser name, use resolve_library.',
  input: z.strictObject({}),
  output: listOutput,
  run: async (ctx) => {
    // never the location: it is a path on the server, or a URL that may hold a token
    const all = groupLibraries(await ctx.app.listSources()).map(wire);
    const build = (n: number) => {
      const out = { libraries: all.slice(0, n), partial: n < all.length };
      const md = out.libraries.length
        ? out.libraries.map(line).join('\n') + (out.partial ? '\n(more libraries left out to stay within the token budget)' : '')
        : 'Nothing is indexed yet. Add a library on the server with `docgraph add <folder or git URL>`.';
      return { out, md };
    };
    return build(largestFitting(all.length, (n) => { const b = build(n); return responseTokens(b.out, b.md) <= ctx.tokenBudget; }));
  },
});

/** The `resolve_library` operation (MCP tool, and REST under /v1). */
export const resolveLibraryOp = defineOperation({
  name: 'resolve_library',
  title: 'Find a library by name',
  description:
    'Turn a library name as a user writes it ("React", "node.js", "nextjs@14") into the names and versions this index holds, best match first (score 1: the same name). ' +
    'Call it before search_docs when the user names a library, then pass the name as library (and a version). No match: the library is not indexed here.',
  input: z.strictObject({
    name: z.string().min(1).max(200).describe('The library as the user names it, optionally with @version.'),
    limit: z.number().int().min(1).max(20).optional(),
  }),
  output: resolveOutput,
  run: async (ctx, args) => {
    const matches = resolveLibrary(await ctx.app.listSources(), args.name, args.limit ?? 5).map((m) => ({ ...wire(m), score: m.score }));
    const md = matches.length
      ? `Libraries matching "${args.name}", best first:\n` + matches.map((m) => `${line(m)} — score ${m.score}`).join('\n')
      : `No indexed library matches "${args.name}". list_libraries shows what is indexed.`;
    return { out: { query: args.name, matches }, md };
  },
});
