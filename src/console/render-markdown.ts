/**
 * A section's Markdown as HTML for the document view. Raw HTML in the source
 * is shown as text (never injected); relative links to other documents stay
 * inside the console (`/doc/<source>/<uri>#<anchor>`, in the same source);
 * fenced code blocks are highlighted here, on the server, with highlight.js
 * (no script in the browser: the classes are styled by console.css).
 */
import { posix } from 'node:path';
import { Marked, type Tokens } from 'marked';
import { sourceLabel, splitSourceRef } from '../domain/sources.js';
import { highlightCode } from './highlight.js';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The console path of a link written in document `fromUri` of source `source`, or the link itself when it leaves the docs (scheme, or absolute path). */
export function consoleHref(href: string, fromUri: string, source?: string): string {
  if (href.startsWith('#')) return href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//') || href.startsWith('/')) return href;
  const [path = '', anchor] = href.split('#', 2);
  if (path === '') return href;
  const target = posix.normalize(posix.join(posix.dirname(fromUri), path));
  return docHref(target, anchor, source);
}

/**
 * `/doc/<source>/<uri>` (the source as `name[@version]`) with each path
 * segment encoded, and `#anchor` when given; `/doc/<uri>` without a source
 * (the console redirects it when one source holds the uri).
 */
export function docHref(uri: string, anchor?: string, source?: string): string {
  const path = uri.split('/').map(encodeURIComponent).join('/');
  return `/doc/${source ? `${encodeURIComponent(source)}/` : ''}${path}${anchor ? `#${encodeURIComponent(anchor)}` : ''}`;
}

/** Renders `markdown` (written in document `uri` of source `source`) as HTML. */
export function renderMarkdown(markdown: string, uri: string, source?: string): string {
  const marked = new Marked({
    gfm: true,
    renderer: {
      html(token: Tokens.HTML | Tokens.Tag): string {
        return escapeHtml(token.text);
      },
      link(token: Tokens.Link): string {
        const inner = this.parser.parseInline(token.tokens);
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
        return `<a href="${escapeHtml(consoleHref(token.href, uri, source))}"${title}>${inner}</a>`;
      },
      image(token: Tokens.Image): string {
        return escapeHtml(token.text);
      },
      code(token: Tokens.Code): string {
        const lang = (token.lang ?? '').trim().split(/\s+/)[0] ?? '';
        const code = token.text.replace(/\n$/, '');
        const hl = highlightCode(code, lang);
        const cls = hl ? ` class="hljs language-${escapeHtml(hl.language)}"` : lang ? ` class="language-${escapeHtml(lang)}"` : '';
        return `<pre><code${cls}>${hl ? hl.html : escapeHtml(code)}</code></pre>\n`;
      },
    },
  });
  return marked.parse(markdown, { async: false });
}

/**
 * The console path of a citation as search, lookup_entity and traverse give
 * it: `name[@version]:uri#anchor` once the index holds several sources, or
 * `uri#anchor` while it holds one (`soleSource`, that source's label).
 */
export function refHref(ref: string, soleSource: string | undefined): string {
  let source = soleSource;
  let rest = ref;
  if (soleSource === undefined) {
    const scoped = splitSourceRef(ref);
    if (scoped) {
      source = sourceLabel({ name: scoped.name, version: scoped.version ?? null });
      rest = scoped.rest;
    }
  }
  const i = rest.indexOf('#');
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return i < 0 ? docHref(decode(rest), undefined, source) : docHref(decode(rest.slice(0, i)), decode(rest.slice(i + 1)), source);
}
