import type { SectionRecord } from './types.js';

type Anchored = Pick<SectionRecord, 'anchor' | 'aliases' | 'part'>;

/**
 * The section of a document that a page id lands in: the section cited by
 * that id, else the one that holds it as an alias (a label before its
 * heading, an id in its text). Sections in document order; the first wins.
 */
export function sectionAt<T extends Anchored>(sections: readonly T[], id: string): T | undefined {
  return sections.find((s) => s.anchor === id) ?? sections.find((s) => s.part <= 1 && s.aliases.includes(id));
}

/**
 * id → value for every id a document's sections land on (first parts only):
 * each section's anchor first, then their aliases where no anchor took the
 * id. `value` picks what is mapped (the section id, say).
 */
export function anchorMap<T extends Anchored, V>(sections: readonly T[], value: (s: T) => V): Map<string, V> {
  const m = new Map<string, V>();
  for (const s of sections) if (s.part <= 1 && !m.has(s.anchor)) m.set(s.anchor, value(s));
  for (const s of sections) if (s.part <= 1) for (const a of s.aliases) if (!m.has(a)) m.set(a, value(s));
  return m;
}
