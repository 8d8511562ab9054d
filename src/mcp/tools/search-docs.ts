import { defineOperation, type OperationContext, type OperationResult } from '../../api/operation.js';
import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors.js';
import type { SearchHit } from '../../domain/types.js';
import type { SearchFilters } from '../../store/store.js';
import { clip, largestFitting, responseTokens } from '../budget.js';
import { budgetTooSmall } from '../context.js';
import { decodeCursor, encodeCursor, queryHash } from '../cursor.js';
import { cursorInput, int, paging } from '../schemas.js';
import { formatSourceCitation } from '../../app/documents.js';
import { SEARCH_MODES, type SearchMode } from '../../search/search.js';

export const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;

const inputSchema = z.strictObject({
  query: z
    .string()
    .min(1)
    .max(2000)
    .describe('A question ("how do I read a file line by line"), keywords, or an exact identifier: fs.readFile, a config key, an error code like ERR_REQUIRE_ESM.'),
  limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`Hits per page (default ${DEFAULT_LIMIT}); fewer when the token budget is reached.`),
  library: z.string().min(1).max(200).optional().describe('Only this library (a name from resolve_library or list_libraries; every version unless version is given).'),
  version: z.string().min(1).max(200).optional(),
  filters: z
    .strictObject({
      source: z.string().min(1).optional().describe('A source name from list_sources (every version unless version is given).'),
      version: z.string().min(1).optional(),
      uri_prefix: z.string().min(1).optional().describe('Only uris starting with this, e.g. "api/".'),
      tags: z.array(z.string().min(1)).min(1).max(10).optional().describe('Front-matter tags the document must all have.'),
    })
    .optional()
    .describe('All given filters must hold.'),
  cursor: cursorInput,
});

/** REST's search also takes the retrievers to use, as `docgraph search --mode` does; MCP's tool keeps the default. */
const restInputSchema = inputSchema.extend({
  mode: z.enum(SEARCH_MODES as [SearchMode, ...SearchMode[]]).optional().describe('Retrievers to use (default graph: all of them, with graph expansion).'),
});

const hitSchema = z.object({
  rank: int(),
  id: z.string(),
  ref: z.string(),
  source: z.string(),
  version: z.string().nullable(),
  uri: z.string(),
  anchor: z.string(),
  title: z.string(),
  heading_path: z.array(z.string()),
  snippet: z.string(),
  score: z.number(),
  confidence: z.number(),
  // why it matched: for programs and people debugging ranking, not for answering
  why: z.object({
    retrievers: z.array(z.object({ name: z.string(), rank: int(), score: z.number() })),
    terms: z.array(z.string()),
    graph: z
      .array(
        z.object({
          kind: z.enum(['entity', 'expansion']),
          edge: z.string(),
          entity: z.string().optional(),
          type: z.string().optional(),
          from: z.string().optional(),
          hops: int().optional(),
        }),
      )
      .optional(),
  }),
});

const outputSchema = z.object({
  query: z.string(),
  hits: z.array(hitSchema),
  ...paging,
  degraded: z.array(z.string()).describe('Retrievers that were down; the search answered without them.'),
  weak: z.boolean(),
  expanded: z.array(z.string()).optional().describe('Synonyms the query was also searched for ("dir" → "directory"; search.synonyms).'),
  unknown_names: z
    .array(z.string())
    .optional()
    .describe('Identifiers in the query (e.g. ERR_SOCKET_TIMEOUT) that no indexed section holds; weak is then true.'),
});

type Output = z.infer<typeof outputSchema>;
type Hit = z.infer<typeof hitSchema>;

async function runSearch(ctx: OperationContext, args: z.output<typeof restInputSchema>): Promise<OperationResult<Output>> {
  const limit = args.limit ?? DEFAULT_LIMIT;
  const filters = await resolveFilters(ctx, withLibrary(args));
  const bound = queryHash(args.mode === undefined ? [args.query.trim(), filters] : [args.query.trim(), filters, args.mode]);
  let offset = 0;
  if (args.cursor !== undefined) {
    const c = decodeCursor(args.cursor, 'search', 'search_docs');
    if (c.h !== bound) {
      throw new InvalidInputError('this cursor continues a different search', {
        field: 'cursor',
        allowed: 'the same query and filters as the call that returned the cursor, or no cursor to start a new search',
      });
    }
    offset = c.o;
  }
  // one extra hit tells whether another page exists
  const result = await ctx.app.search(args.query, { limit: limit + 1, offset, filters, ...(args.mode ? { mode: args.mode } : {}) });
  const qualified = result.hits.length > 0 && (await ctx.app.sources()).length > 1;
  const all = result.hits.slice(0, limit).map((h, i) => toHit(h, offset + i + 1, qualified));
  // the page of n hits and its text: built once per n (the budget's search asks for the same page again at the end)
  const built = new Map<number, { out: Output; md: string }>();
  const build = (n: number): { out: Output; md: string } => {
    const done = built.get(n);
    if (done) return done;
    const more = n < result.hits.length;
    const out: Output = {
      query: result.query,
      hits: all.slice(0, n),
      partial: n < all.length,
      ...(more ? { next_cursor: encodeCursor('search', { h: bound, o: offset + n }) } : {}),
      degraded: result.degraded,
      weak: result.weak,
      ...(result.expanded ? { expanded: result.expanded } : {}),
      ...(result.unknownNames ? { unknown_names: result.unknownNames } : {}),
    };
    const page = { out, md: render(out) };
    built.set(n, page);
    return page;
  };
  const fits = (n: number): boolean => {
    const { out, md } = build(n);
    return responseTokens(out, md) <= ctx.tokenBudget;
  };
  const n = largestFitting(all.length, fits);
  if (n === 0 && all.length > 0) throw budgetTooSmall(ctx);
  return build(n);
}

/** The `search_docs` operation (MCP tool, and REST under /v1). */
export const searchDocsOp = defineOperation({
  name: 'search_docs',
  title: 'Search the documentation',
  description:
    'Search the indexed technical documentation. Returns ranked sections, each with its id, citation (ref: uri#anchor, name[@version]:uri#anchor when several sources are indexed), source, version, heading path ' +
    'and a snippet with the matched terms in bold. Use it first for any question the docs may answer, then read the best hits in full with get_section (by id). ' +
    'confidence (0–1) is comparable across queries, score only orders this result; weak: true means even the best hit is unlikely to answer: ' +
    'the docs may not cover the question, so say so rather than guess.',
  input: inputSchema,
  output: outputSchema,
  run: runSearch,
});

/** `search_docs` as REST serves it: the same, plus `mode`. */
export const searchOp = defineOperation({ ...searchDocsOp, input: restInputSchema, run: runSearch });

/** `library` and `version` are filters.source and filters.version; saying both ways differently is refused. */
function withLibrary(args: z.output<typeof inputSchema>): z.output<typeof inputSchema>['filters'] {
  if (args.library === undefined && args.version === undefined) return args.filters;
  const f = { ...args.filters };
  for (const [top, key] of [[args.library, 'source'], [args.version, 'version']] as const) {
    if (top === undefined) continue;
    if (f[key] !== undefined && f[key] !== top) {
      throw new InvalidInputError(`${key === 'source' ? 'library' : 'version'} "${top}" and filters.${key} "${f[key]}" disagree`, { field: key === 'source' ? 'library' : 'version', allowed: `one of them, or the same value in both` });
    }
    f[key] = top;
  }
  return f;
}

/** Maps the tool's filter names to the store's: a source by name (or id), every version of it unless `version` names one. */
async function resolveFilters(ctx: OperationContext, f: z.infer<typeof inputSchema>['filters']): Promise<SearchFilters> {
  const filters: SearchFilters = {};
  if (!f) return filters;
  if (f.uri_prefix !== undefined) filters.uriPrefix = f.uri_prefix;
  if (f.tags !== undefined) filters.tags = f.tags;
  if (f.source !== undefined || f.version !== undefined) filters.sourceIds = await ctx.app.sourceFilter(f.source, f.version);
  return filters;
}

function toHit(h: SearchHit, rank: number, qualified: boolean): Hit {
  const terms = [...new Set([...h.snippet.matchAll(/\*\*(.+?)\*\*/g)].map((m) => m[1]!.toLowerCase()))].slice(0, 12);
  const retrievers = Object.entries(h.parts)
    .filter((e): e is [string, { score: number; rank: number }] => e[1] !== undefined)
    .map(([name, p]) => ({ name, rank: p.rank, score: p.score }));
  return {
    rank,
    id: h.sectionId,
    ref: formatSourceCitation({ name: h.source, version: h.version }, h.uri, h.anchor, qualified),
    source: h.source,
    version: h.version,
    uri: h.uri,
    anchor: h.anchor,
    title: clip(h.title, 160),
    heading_path: h.headingPath.slice(-6).map((p) => clip(p, 100)),
    snippet: clip(h.snippet, 400),
    score: h.score,
    confidence: h.confidence,
    why: { retrievers, terms, ...(h.via?.length ? { graph: h.via.slice(0, 5).map((v) => ({ ...v })) } : {}) },
  };
}

function render(out: Output): string {
  const lines: string[] = [];
  if (out.hits.length === 0) lines.push(`No sections match "${out.query}".`);
  else if (out.unknown_names?.length) lines.push(`Weak match: no indexed section holds ${out.unknown_names.map((n) => `\`${n}\``).join(', ')}; these hits match other words of "${out.query}".\n`);
  else if (out.weak) lines.push(`Weak match: even the best hit is unlikely to answer "${out.query}"; the docs may not cover it.\n`);
  // why each hit matched stays in the structured content: the text is what a model reads to answer
  for (const h of out.hits) {
    lines.push(`${h.rank}. **${h.heading_path.join(' › ') || h.title}** — \`${h.ref}\` (id \`${h.id}\`, confidence ${h.confidence})`);
    lines.push(`   ${h.snippet}`);
  }
  if (out.expanded?.length) lines.push(`\nAlso searched for: ${out.expanded.join(', ')}.`);
  if (out.degraded.length) lines.push(`\nNote: answered without ${out.degraded.join(', ')} retrieval.`);
  if (out.partial) lines.push('\nMore hits were left out to stay within the token budget.');
  if (out.next_cursor) lines.push(`${out.partial ? '' : '\n'}Next page: call search_docs with the same query and cursor "${out.next_cursor}".`);
  return lines.join('\n');
}
