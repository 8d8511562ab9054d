/**
 * Query planning (DESIGN §7.1): classify the intent and spot the names of
 * things (identifiers, flags, error codes, quoted messages) that the entity
 * retriever can look up exactly. Pure functions, no I/O.
 */

export type Intent = 'howto' | 'config' | 'command' | 'error' | 'concept' | 'relationship' | 'api';

export interface QueryPlan {
  query: string;
  intent: Intent;
  /** Candidate entity names as written in the query, most specific first. */
  names: string[];
  /** A second intent the query also has ("FATAL ERROR: … how do I give node a bigger heap?" is an error and a how-to). */
  also?: Intent;
}

const ERROR_CODE = /\b(?:E[A-Z]{2,}[A-Z0-9_]*|ERR_[A-Z0-9_]+|[A-Z][A-Z0-9]*_E\d{2,}|E\d{4})\b/;
const ERROR_WORDS = /\b(error|errors|exception|fails?|failed|failing|crash(?:es|ed)?|warning|cannot|can't|unable|refused|denied|not found|hang up|timed? ?out)\b/i;
const HOWTO = /^(how (?:do|can|should|would) (?:i|we|you)|how to|steps? to|what(?:'s| is) the (?:best |right )?way to)\b|^(create|make|run|set ?up|install|configure|enable|disable|add|remove|read|write|get|restart|rotate|deploy|parse|compute|spy|gzip)\b/i;
/** A pasted message: `Error: …`, `Warning: …`, `FATAL ERROR: …` at the start. */
const MESSAGE_LEAD = /^\s*(?:[A-Z]\w*)?(?:error|warning|exception|fatal(?: error)?)\b[^:]{0,40}:\s/i;
/** Words that make a question about a setting rather than about a failure. */
const CONFIG_CUES = /\b(option|options|setting|settings|default|defaults|env(?:ironment)? var(?:iable)?s?|flag|flags|configure|configuration)\b/i;
const CONFIG = /\b(option|options|setting|settings|config|configuration|env(?:ironment)? var(?:iable)?s?|default|flag|flags|parameter|limit|timeout|size)\b/i;
const COMMAND = /(^|\s)--?[a-z][\w-]*|\b(command|cli|subcommand|run|invoke)\b/i;
const RELATIONSHIP = /\b(vs\.?|versus|difference between|differ|compared? (?:to|with)|or should i|which (?:one|should)|relationship|interact|together with)\b|\bshould i use\b.+\bor\b/i;
const ERROR_NAME = /\b[A-Z][A-Za-z]+(?:Error|Warning|Exception)\b/;
const CONCEPT = /^(what (?:is|are|does)|why|when (?:to|should)|explain|in what order|how does)\b/i;
const API = /\b[a-z_$][\w$]*\.[a-z_$][\w$]*(?:\(\))?|\(\)/i;

/** Classifies a query's intent; the rules are ordered from most to least specific. */
export function classifyIntent(query: string): Intent {
  const q = query.trim();
  if (ERROR_CODE.test(q) || ERROR_NAME.test(q)) return 'error';
  // a quoted or colon-led message, or asking what an error means; not a question about a timeout option
  const settingQuestion = CONFIG_CUES.test(q) && !MESSAGE_LEAD.test(q);
  if (ERROR_WORDS.test(q) && !settingQuestion && (/["']|:\s|\b(mean|means|why do i get|fix)\b/i.test(q))) return 'error';
  if (RELATIONSHIP.test(q)) return 'relationship';
  if (CONCEPT.test(q)) return 'concept';
  if (HOWTO.test(q)) return 'howto';
  if (COMMAND.test(q) && /(^|\s)--?[a-z]/.test(q)) return 'command';
  if (CONFIG.test(q)) return 'config';
  if (API.test(q)) return 'api';
  if (ERROR_WORDS.test(q)) return 'error';
  return 'howto';
}

const BACKTICKED = /`([^`]+)`/g;
const QUOTED = /"([^"]{3,200})"|'([^']{3,200})'/g;
const IDENT = /(?:--?)?[A-Za-z_$][\w$]*(?:[.:/-][A-Za-z_$][\w$]*)*(?:\(\))?/g;

/** English words written in capitals that the errno pattern would take for names (`FATAL ERROR:`). */
const SHOUTED_WORDS = new Set(['ERROR', 'ERRORS', 'EVENT', 'EVENTS', 'EXAMPLE', 'EXAMPLES', 'EMPTY', 'ENABLE', 'ENABLED', 'ENTRY', 'EQUAL', 'EVERY', 'EXPORT', 'EXTRA', 'EXCEPTION', 'EXPECTED']);

/** Does this token look like a name of a thing rather than a plain word? */
export function looksLikeName(token: string): boolean {
  return (
    /^--?[a-z]/i.test(token) || // a flag
    /[._:/]/.test(token.replace(/\(\)$/, '')) || // dotted, snake_case, namespaced
    /[a-z][A-Z]/.test(token) || // camelCase
    /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(token) || // CONSTANT_NAME or ERROR_CODE
    (/^(?:E[A-Z]{4,}|SIG[A-Z]{3,})$/.test(token) && !SHOUTED_WORDS.has(token)) || // errno names, signals
    /\(\)$/.test(token) // a call
  );
}

/** Names in a query: backticked and quoted spans, then identifier-like tokens. */
export function spotNames(query: string): string[] {
  const names: string[] = [];
  const add = (n: string | undefined): void => {
    const t = n?.trim();
    if (t && !names.includes(t)) names.push(t);
  };
  for (const m of query.matchAll(BACKTICKED)) add(m[1]);
  for (const m of query.matchAll(QUOTED)) add(m[1] ?? m[2]);
  for (const m of query.matchAll(IDENT)) {
    const token = m[0].replace(/[.:/-]+$/, '');
    if (looksLikeName(token)) add(token);
  }
  return names;
}

const HOWTO_ANYWHERE = /\bhow (?:do|can|should) (?:i|we)\b|\bhow to\b/i;

export function plan(query: string): QueryPlan {
  const intent = classifyIntent(query);
  const also = intent !== 'howto' && HOWTO_ANYWHERE.test(query) ? 'howto' : undefined;
  return { query, intent, names: spotNames(query), ...(also ? { also } : {}) };
}
