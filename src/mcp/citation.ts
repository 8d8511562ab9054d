import { z } from 'zod';
import type { SectionCitation } from '../app/graph.js';
import { clip } from './budget.js';
import { formatCitation } from '../app/documents.js';

/** `uri#anchor`, prefixed with `name[@version]:` when the index holds several sources (the graph gives `source` then). */
export function sourceRef(source: string | undefined, uri: string, anchor: string): string {
  const plain = formatCitation(uri, anchor);
  return source === undefined ? plain : `${source}:${plain}`;
}

/** How graph tools cite a section: its id for get_section, [name[@version]:]uri#anchor (`ref`), and a short heading path. */
export const citationSchema = z.object({
  id: z.string(),
  ref: z.string(),
  heading_path: z.array(z.string()),
});

export function cite(c: SectionCitation): z.infer<typeof citationSchema> {
  return { id: c.id, ref: sourceRef(c.source, c.uri, c.anchor), heading_path: c.headingPath.slice(-4).map((h) => clip(h, 80)) };
}
