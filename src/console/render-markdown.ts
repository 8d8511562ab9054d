/**
 * A section's Markdown as HTML for the document view. Raw HTML in the source
 * is shown as text (never injected); relative links to other documents stay
 * inside the console (`/doc/<uri>#<anchor>`).
 */
import { posix } from 'node:path';
import { Marked, type Tokens } from 'marked';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The console path of a link written in document `fromUri`, or the link itself when it leaves the docs (scheme, or absolute path). */
export function consoleHref(href: string, fromUri: string): string {
  if (href.startsWith('#')) return href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//') || href.startsWith('/')) return href;
  const [path = '', anchor] = href.split('#', 2);
  if (path === '') return href;
  const target = posix.normalize(posix.join(posix.dirname(fromUri), path));
  return docHref(target, anchor);
}

/** `/doc/<uri>` with each path segment encoded, and `#anchor` when given. */
export function docHref(uri: string, anchor?: string): string {
  const path = uri.split('/').map(encodeURIComponent).join('/');
  return `/doc/${path}${anchor ? `#${encodeURIComponent(anchor)}` : ''}`;
}

/** Renders `markdown` (written in document `uri`) as HTML. */
export function renderMarkdown(markdown: string, uri: string): string {
  const marked = new Marked({
    gfm: true,
    renderer: {
      html(token: Tokens.HTML | Tokens.Tag): string {
        return escapeHtml(token.text);
      },
      link(token: Tokens.Link): string {
        const inner = this.parser.parseInline(token.tokens);
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
        return `<a href="${escapeHtml(consoleHref(token.href, uri))}"${title}>${inner}</a>`;
      },
      image(token: Tokens.Image): string {
        return escapeHtml(token.text);
      },
    },
  });
  return marked.parse(markdown, { async: false });
}
