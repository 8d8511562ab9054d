import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InvalidInputError } from '../domain/errors.js';
import { sourceLabel } from '../domain/sources.js';
import type { McpContext } from './context.js';
import { protocolError } from './errors.js';

export const DOC_SCHEME = 'docgraph://doc/';

/** The resource uri of a document: docgraph://doc/ + its uri, each path segment percent-encoded. */
export function documentResourceUri(uri: string): string {
  return DOC_SCHEME + uri.split('/').map(encodeURIComponent).join('/');
}

/** A document uri from a docgraph://doc/ resource uri; any other string is returned as it is. */
export function stripResourceScheme(ref: string): string {
  if (!ref.startsWith(DOC_SCHEME)) return ref;
  return ref
    .slice(DOC_SCHEME.length)
    .split('/')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    })
    .join('/');
}

/** Tokens of a page kept free for the note that says which page it is and how to get the next. */
const PAGE_NOTE_TOKENS = 150;

/**
 * A document's Markdown cut into pages of at most `budget` tokens (≈4
 * characters each), less room for the page note: at line ends where it can,
 * inside a line only when one line alone is longer than a page. The same
 * text and budget always give the same pages.
 */
export function pageMarkdown(markdown: string, budget: number): string[] {
  const max = Math.max(1, (budget - PAGE_NOTE_TOKENS) * 4);
  const pages: string[] = [];
  let page = '';
  for (const line of markdown.split(/(?<=\n)/)) {
    if (page.length + line.length <= max) {
      page += line;
      continue;
    }
    if (page !== '') pages.push(page);
    page = '';
    let rest = line;
    while (rest.length > max) {
      pages.push(rest.slice(0, max));
      rest = rest.slice(max);
    }
    page = rest;
  }
  if (page !== '' || pages.length === 0) pages.push(page);
  return pages;
}

/** The page number asked for in a resource uri's query (`?page=N`), 1 when absent. Throws InvalidInputError. */
function pageParam(query: string, pages: number | undefined): number {
  const raw = new URLSearchParams(query).get('page');
  if (raw === null) return 1;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || (pages !== undefined && n > pages)) {
    throw new InvalidInputError(`page ${raw} does not exist${pages !== undefined ? `: this document has ${pages} page(s)` : ''}`, {
      field: 'page',
      allowed: `a whole number from 1${pages !== undefined ? ` to ${pages}` : ''}, as ?page=N after the resource uri`,
    });
  }
  return n;
}

/**
 * Every indexed document as a readable Markdown resource, docgraph://doc/{uri}.
 * A read returns at most server.tokenBudget tokens: a longer document comes
 * in pages, docgraph://doc/{uri}?page=N, each ending with a note that names
 * the next page (and `_meta` with page, pages and next_uri).
 */
export function registerResources(server: McpServer, ctx: McpContext): void {
  const template = new ResourceTemplate(`${DOC_SCHEME}{+uri}`, {
    list: async () => {
      try {
        const docs = await ctx.app.listDocuments();
        // with several sources, a resource names its source (name[@version]:uri) so it stays one document
        const sources = await ctx.app.sources();
        const labels = new Map(sources.map((x) => [x.id, sourceLabel(x)]));
        const ref = (d: { uri: string; sourceId: string }): string => (sources.length > 1 && labels.has(d.sourceId) ? `${labels.get(d.sourceId)}:${d.uri}` : d.uri);
        return {
          resources: docs.map((d) => ({
            uri: documentResourceUri(ref(d)),
            name: ref(d),
            title: d.title,
            mimeType: 'text/markdown',
            description: `${d.title} (${d.sections} sections)`,
          })),
        };
      } catch (e) {
        throw protocolError(e, ctx.log);
      }
    },
    complete: {
      uri: async (value) => {
        const docs = await ctx.app.listDocuments();
        return docs.map((d) => d.uri).filter((u) => u.startsWith(value)).slice(0, 100);
      },
    },
  });
  server.registerResource(
    'document',
    template,
    {
      title: 'Indexed document',
      description:
        'An indexed document as Markdown, rebuilt from its sections. A long one comes in pages within the token budget: the first page ends with the uri of the next (docgraph://doc/{uri}?page=N). Search first (search_docs) when you only need part of it.',
      mimeType: 'text/markdown',
    },
    async (url) => {
      try {
        // a literal ? starts the query: one in a document's uri is percent-encoded (documentResourceUri)
        const href = url.toString();
        const q = href.indexOf('?');
        const uri = stripResourceScheme(q < 0 ? href : href.slice(0, q));
        const query = q < 0 ? '' : href.slice(q + 1);
        pageParam(query, undefined); // a malformed page is refused before the document is read
        const { document, markdown } = await ctx.app.documentText(uri);
        const pages = pageMarkdown(markdown, ctx.tokenBudget);
        const page = pageParam(query, pages.length);
        const base = documentResourceUri(uri); // as the client named it: name[@version]:uri stays scoped
        const self = page === 1 ? base : `${base}?page=${page}`;
        if (pages.length === 1) return { contents: [{ uri: self, mimeType: 'text/markdown', text: pages[0]! }] };
        const next = page < pages.length ? `${base}?page=${page + 1}` : undefined;
        const note = next
          ? `\n\n---\n_Page ${page} of ${pages.length} of ${document.uri} (each page at most ${ctx.tokenBudget} tokens). Read ${next} for the next page, or search_docs / get_section for the part you need._\n`
          : `\n\n---\n_Page ${page} of ${pages.length} of ${document.uri}: the last page._\n`;
        return {
          contents: [
            {
              uri: self,
              mimeType: 'text/markdown',
              text: pages[page - 1]! + note,
              _meta: { page, pages: pages.length, ...(next ? { next_uri: next } : {}) },
            },
          ],
        };
      } catch (e) {
        throw protocolError(e, ctx.log);
      }
    },
  );
}
