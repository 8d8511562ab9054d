import { z } from 'zod';
import { defineOperation } from '../../api/operation.js';
import { largestFitting, responseTokens } from '../budget.js';
import { int } from '../schemas.js';

const sourceSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  kind: z.string(),
  documents: int(),
  created_at: z.string(),
  refreshed_at: z.string().nullable(),
});

const sourcesOutput = z.object({
  sources: z.array(sourceSchema),
  partial: z.boolean(),
});

const statusOutput = z.object({
  sources: int(),
  documents: int(),
  sections: int(),
  vectors: int(),
  entities: int(),
  edges: int(),
  index_bytes: int(),
  last_ingest: z.string().nullable(),
  embedder: z.object({ id: z.string(), provider: z.string(), model: z.string(), dimensions: int() }).nullable().describe('The one that built the stored vectors.'),
  configured_embedder: z.string(),
  vector_search: z.enum(['memory', 'pgvector']).describe('Where search by meaning runs: an exact scan in the server process (memory), or in PostgreSQL (pgvector).'),
});

/** The `list_sources` operation (MCP tool, and REST under /v1). */
export const listSourcesOp = defineOperation({
  name: 'list_sources',
  title: 'List indexed sources',
  description: 'List what has been ingested: each source (a library: a folder, a git repository ...) with its name, version and number of documents. Use a name (and version) as filters.source (filters.version) in search_docs to search one library only.',
  input: z.strictObject({}),
  output: sourcesOutput,
  run: async (ctx) => {
    // never the location: it is a path on the server, or a URL that may hold a token
    const all = (await ctx.app.listSources()).map((s) => ({ name: s.name, version: s.version, kind: s.kind, documents: s.documents, created_at: s.createdAt, refreshed_at: s.refreshedAt }));
    const build = (n: number) => {
      const out = { sources: all.slice(0, n), partial: n < all.length };
      const md = out.sources.length
        ? out.sources.map((s) => `- \`${s.version === null ? s.name : `${s.name}@${s.version}`}\` (${s.kind}, ${s.documents} documents)`).join('\n') + (out.partial ? '\n(more sources left out to stay within the token budget)' : '')
        : 'Nothing is indexed yet. Run `docgraph ingest <folder>` on the server.';
      return { out, md };
    };
    return build(largestFitting(all.length, (n) => { const b = build(n); return responseTokens(b.out, b.md) <= ctx.tokenBudget; }));
  },
});

/** The `index_status` operation (MCP tool, and REST under /v1). */
export const indexStatusOp = defineOperation({
  name: 'index_status',
  title: 'Index status',
  description: 'Size and freshness of the documentation index: counts of sources, documents, sections, vectors (sections searchable by meaning), entities and edges, the embedder, and when a document was last indexed (last_ingest, ISO 8601). Use it to check that the docs you need are indexed and current.',
  input: z.strictObject({}),
  output: statusOutput,
  run: async (ctx) => {
    const s = await ctx.app.status();
    const out: z.infer<typeof statusOutput> = {
      sources: s.sources,
      documents: s.documents,
      sections: s.sections,
      vectors: s.vectors,
      entities: s.entities,
      edges: s.edges,
      index_bytes: s.bytes,
      last_ingest: s.lastIndexedAt,
      embedder: s.embedder ? { id: s.embedder.id, provider: s.embedder.provider, model: s.embedder.model, dimensions: s.embedder.dimensions } : null,
      configured_embedder: s.configuredProvider,
      vector_search: s.vectorSearch,
    };
    const md = [
      `${out.documents} documents from ${out.sources} sources; ${out.sections} sections (${out.vectors} with vectors); ${out.entities} entities, ${out.edges} edges.`,
      `Embedder: ${out.embedder ? `${out.embedder.id} (${out.embedder.dimensions} dimensions)` : 'none yet'}; configured: ${out.configured_embedder}.`,
      `Last ingest: ${out.last_ingest ?? 'never'}.`,
      `Vector search: ${out.vector_search === 'pgvector' ? 'in PostgreSQL (pgvector)' : 'in memory'}.`,
    ].join('\n');
    return { out, md };
  },
});
