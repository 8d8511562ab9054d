import type { EntityType, SectionRecord } from '../domain/types.js';
import type { SectionView } from './scan.js';

/** An entity named by type and canonical name (its id is `entityId(type, name)`). */
export interface EntityKey {
  type: EntityType;
  name: string;
}

/**
 * What a rule found in one section. `defines` means the section is the
 * definition of the entity (its own heading, its `dt`, its list entry);
 * `mentions` counts one occurrence.
 */
export interface Finding extends EntityKey {
  role: 'defines' | 'mentions';
  /** Surface forms as written (become aliases when they differ from the name). */
  surfaces?: string[];
  /** Facts about the entity. Definitions may carry more than mentions; see graph.ts for the merge. */
  attributes?: Record<string, unknown>;
  /** Entities this one is explicitly tied to (a flag to its command, an option to its function, an event to its class). */
  related?: EntityKey[];
}

/** What the rules know about the document as a whole (computed in a first pass). */
export interface DocContext {
  uri: string;
  title: string;
  /** Programs invoked in the document's shell blocks (`node`, `git`, ...). */
  programs: ReadonlySet<string>;
  /** The program invoked most often with flags, used to scope short flags defined by headings. */
  mainProgram: string | undefined;
}

/** What the rules know about one section. */
export interface SectionContext {
  doc: DocContext;
  section: SectionRecord;
  view: SectionView;
  /** Plain headings from the document title down to the parent of this section. */
  ancestors: readonly string[];
  /** Entities defined by the headings of the ancestors, nearest first. */
  ancestorDefs: readonly Finding[];
  /** Entities defined by this section's own heading. */
  headingDefs: readonly Finding[];
  /** True for the first (or only) part of a section: only it can define by heading. */
  first: boolean;
  /**
   * In a later part of a split section, the options parameter whose list the
   * previous part left open (`options` of `` `options` {Object} ``): nested
   * items at the top of this part are its entries.
   */
  openParam?: string;
}

/**
 * Classifies one inline code span; undefined when the rule does not recognise
 * it. `sentence` returns the running text of the sentence around the span,
 * with code spans blanked (computed on first use).
 */
export type SpanRule = (code: string, sentence: () => string, ctx: SectionContext) => Finding[] | undefined;

/** Stable key of an entity for maps. */
export function keyOf(e: EntityKey): string {
  return e.type + '\u001f' + e.name;
}
