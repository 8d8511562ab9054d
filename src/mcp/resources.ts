import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
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

/** Every indexed document as a readable Markdown resource, docgraph://doc/{uri}. */
export function registerResources(server: McpServer, ctx: McpContext): void {
  const template = new ResourceTemplate(`${DOC_SCHEME}{+uri}`, {
    list: async () => {
      try {
        const docs = await ctx.app.listDocuments();
        return {
          resources: docs.map((d) => ({
            uri: documentResourceUri(d.uri),
            name: d.uri,
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
      description: 'A whole indexed document as Markdown, rebuilt from its sections. Search first (search_docs) when you only need part of it.',
      mimeType: 'text/markdown',
    },
    async (url) => {
      try {
        const uri = stripResourceScheme(url.toString());
        const { document, markdown } = await ctx.app.documentText(uri);
        return { contents: [{ uri: documentResourceUri(document.uri), mimeType: 'text/markdown', text: markdown }] };
      } catch (e) {
        throw protocolError(e, ctx.log);
      }
    },
  );
}
