import type { DocumentRecord } from '../domain/types.js';

/**
 * Release notes ("What's New in 3.8", a changelog, a NEWS file)
 * retell most of a project's features in passing: each change names the
 * module, option or function it touched, in the words the reference uses. For
 * a question about how a thing works they match as well as the reference does
 * but rarely answer it, and a large project has dozens of such pages. So in
 * the default (graph) mode their sections count less, unless the question is
 * about change itself (a version number, "new", "deprecated", "since", ...).
 *
 * Measured on both dev sets (docs/benchmarks.md, "Session 14: release notes"):
 * the Python docs' 40 whatsnew pages held a top-10 slot in most of its
 * misses; the Node docs have none, so their ranking cannot move.
 */
export const RELEASE_NOTES_WEIGHT = 0.7;
/**
 * A release-note section that is among the first two lexical hits keeps its
 * weight: the words single it out (a user quoting a change entry). Without
 * this the known-item check on MkDocs, whose release notes hold a third of its
 * sections, fell from 0.938 to 0.847 nDCG@10; with it, 0.937.
 */
export const RELEASE_NOTES_LEXICAL_TOP = 2;

/** Titles of release-note pages, as generators and projects name them. */
const TITLE = /\bwhat[’'`]?s\s+new\b|\brelease\s+notes?\b|\bchange\s?logs?\b|^\s*(?:news|changes)\s*$|\bchanges\s+in\s+(?:version|release|v?\d)/i;
/** File names and folders of release-note pages. */
const URI = /(?:^|\/)(?:whatsnew|whats-new|changelog|change-log|changes|release-?notes)(?:[/._-]|$)/i;
/** The GNU convention: a NEWS file (upper case: "news/" folders are often a blog). */
const NEWS_FILE = /(?:^|\/)NEWS(?:\.\w+)?$/;
/** A question about change itself: a version, or the words people use for it. */
const ASKS_ABOUT_CHANGE =
  /\bwhat[’'`]?s\s+new\b|\bnew\s+in\b|\b(?:changelog|release\s+notes?|deprecated|deprecation|(?:added|removed|changed)\s+in|(?:previous|earlier|older)\s+versions?|since\s+(?:v|version\s+)?\d|upgrad(?:e|ed|es|ing)|migrat(?:e|ed|es|ing|ion))\b|\b(?:v|version\s+|in\s+)\d+(?:\.\d+)+\b|\b\d+\.\d+\.\d+\b/i;

/** True when a document is release notes, by its title or path. */
export function isReleaseNotes(doc: Pick<DocumentRecord, 'uri' | 'title'>): boolean {
  return TITLE.test(doc.title) || URI.test(doc.uri) || NEWS_FILE.test(doc.uri);
}

/** True when the question asks what changed (then release notes keep their full weight). */
export function asksAboutChange(query: string): boolean {
  return ASKS_ABOUT_CHANGE.test(query);
}
