import { z } from 'zod';
import type { SectionCitation } from '../app/graph.js';
import { clip } from './budget.js';
import { formatCitation } from '../app/documents.js';

/** How graph tools cite a section: its id for get_section, uri#anchor (`ref`), and a short heading path. */
export const citationSchema = z.object({
  id: z.string(),
  ref: z.string(),
  heading_path: z.array(z.string()),
});

export function cite(c: SectionCitation): z.infer<typeof citationSchema> {
  return { id: c.id, ref: formatCitation(c.uri, c.anchor), heading_path: c.headingPath.slice(-4).map((h) => clip(h, 80)) };
}
