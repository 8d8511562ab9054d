import type { DocFormat, DocumentMeta, SectionLink } from '../domain/types.js';

/**
 * The one Section tree model every parser produces. It carries no ids: ids
 * are derived from it deterministically when the document is stored.
 */
export interface ParsedSection {
  /** Heading level 1–6; 0 for the preamble before the first heading. */
  level: number;
  /** Heading as shown and cited: its code spans kept in backticks, links and other markup reduced to their text (heading-text.ts). */
  heading: string;
  /** The id a browser would scroll to. Empty for the preamble. */
  anchor: string;
  /**
   * Other ids of the page that land in this section: a label before its
   * heading (Sphinx's `<span id="with">`), ids in its text (`<p id>`, an
   * empty `<a id>`), the anchors of empty headings and stacked entries merged
   * into it. Never an id a section of the page is cited by. Links to them
   * resolve here. Only on the first part of a split section.
   */
  aliases: string[];
  /** Headings from the top of the document down to this one. */
  headingPath: string[];
  /** Index into `sections` of the parent section, or -1. */
  parent: number;
  /** Markdown body without the heading line. */
  text: string;
  /** 1-based part when a long section was split, 0 otherwise. */
  part: number;
  links: SectionLink[];
}

export interface ParsedDocument {
  uri: string;
  format: DocFormat;
  title: string;
  meta: DocumentMeta;
  sections: ParsedSection[];
}

export interface ParseOptions {
  /** Sections longer than this (estimated tokens) are split at paragraph boundaries. Default 400. */
  maxSectionTokens?: number;
  /**
   * HTML only: a heading with no id of its own and none around it gets a
   * GitHub slug. For HTML converted from another format (Word), which has no
   * page a browser scrolls; a real page is never cited by an id it lacks.
   */
  headingSlugs?: boolean;
}

/** Rough token estimate used for splitting and budgets: ~4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
