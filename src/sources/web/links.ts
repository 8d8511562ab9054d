/** What a crawl needs from an HTML page: its links, its canonical URL and its base. parse5, walked iteratively. */
import { parse, type DefaultTreeAdapterTypes as P5 } from 'parse5';

export interface PageLinks {
  /** href of every `<a>` and `<area>`, as written. */
  links: string[];
  /** href of `<link rel="canonical">`, as written. */
  canonical?: string;
  /** href of `<base>`, as written. */
  base?: string;
}

/** Most links read from one page (a bound on a generated page listing everything). */
const MAX_LINKS = 20_000;

export function pageLinks(html: string): PageLinks {
  const out: PageLinks = { links: [] };
  const stack: P5.ParentNode[] = [parse(html)];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const child of node.childNodes) {
      if (!('tagName' in child)) continue;
      const el = child as P5.Element;
      const attr = (name: string): string | undefined => el.attrs.find((a) => a.name === name)?.value;
      const href = attr('href');
      if (href !== undefined) {
        if ((el.tagName === 'a' || el.tagName === 'area') && out.links.length < MAX_LINKS) out.links.push(href);
        else if (el.tagName === 'link' && out.canonical === undefined && (attr('rel') ?? '').toLowerCase().split(/\s+/).includes('canonical')) out.canonical = href;
        else if (el.tagName === 'base' && out.base === undefined) out.base = href;
      }
      stack.push(el);
      if (el.tagName === 'template') stack.push((el as P5.Template).content);
    }
  }
  return out;
}
