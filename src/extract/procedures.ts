import { collapseSpace } from './canonical.js';
import type { Finding, SectionContext } from './finding.js';
import type { CodeBlock, ListItem } from './scan.js';

/**
 * Procedure and Step rules: an ordered list is a procedure when a how-to
 * heading owns it ("How to…", "Installing…", "Configure TLS") or a lead-in
 * line announces it ("To configure X:", "Here are the steps for …:").
 * Steps keep their order (1-based) in the `order` attribute and as the weight
 * of the HAS_STEP edge.
 */

const VERBS = new Set(
  (
    'install uninstall reinstall configure set setup create build rebuild run enable disable add remove delete update upgrade ' +
    'downgrade deploy migrate generate connect start stop restart rotate write test debug compile package publish register ' +
    'import export use initialize init define implement download clone inject sign verify check open close edit copy move ' +
    'rename replace select click choose navigate go log type enter save apply restore back make change modify specify ' +
    'provide call pass load mount unmount scale monitor secure authenticate prepare bundle release customize handle extend ' +
    'embed integrate append attach wait ensure confirm review push pull commit merge fetch tag checkout unzip extract point ' +
    'grant allocate launch execute invoke obtain get put find locate identify read send listen reload fix resolve troubleshoot ' +
    'clean uncomment comment insert declare expose map link unlink include visit browse access upload create open tell keep ' +
    'try perform follow place drag drop fill complete submit verify validate inspect profile measure benchmark convert ' +
    'encrypt decrypt issue renew revoke store cache index reindex vacuum analyze backup snapshot schedule trigger roll list'
  ).split(' '),
);

const HOWTO_HEADING = /^(?:how (?:to|do (?:i|you))\b|step[- ]by[- ]step\b|tutorial\b|walkthrough\b|quick ?start\b|getting started\b|installation\b|setup\b|set(?:ting)? up\b)/i;
const LEAD_IN =
  /(?:^|[.!?]\s+)(?:(?:here are |follow |use |complete )?(?:the |these )?(?:following )?steps (?:(?:to|for) (.{2,140}?))?|(to [a-z].{2,140}?)|(?:do|perform) the following|as follows|proceed as follows)\s*:\s*$/i;

/** True for a verb in imperative or -ing form (`Install`, `Installing`, `Setting`). */
function isVerb(word: string): boolean {
  const w = word.toLowerCase();
  if (VERBS.has(w)) return true;
  if (!w.endsWith('ing') || w.length < 6) return false;
  const base = w.slice(0, -3);
  return VERBS.has(base) || VERBS.has(base + 'e') || (/(.)\1$/.test(base) && VERBS.has(base.slice(0, -1)));
}

const LINK = /\[([^\]]*)\]\[[^\]]*\]|\[([^\]]*)\]\([^)]*\)/g;

function firstWord(text: string): string {
  return /^[^A-Za-z]*([A-Za-z]+)/.exec(text.replace(LINK, '$1$2'))?.[1] ?? '';
}

/** Verbs that are as often nouns ("Release history", "Test coverage"): imperative only before an object. */
const NOUN_TOO = new Set(
  (
    'release test update log type tag package map index cache store issue schedule profile trigger back point check close ' +
    'open link comment find change copy move backup snapshot use call pass load mount scale monitor review push pull commit ' +
    'merge fetch checkout extract select save restore apply access upload import export handle set get put read send listen ' +
    'tell keep place drag drop fill complete submit measure benchmark convert define include map expose declare insert attach ' +
    'wait confirm clean fix resolve debug sign start stop run list'
  ).split(' '),
);
const OBJECT_START = /^(?:the|a|an|your|our|my|this|that|these|those|it|them|up|down|out|with|to|from|in|into|on|for|all|new|multiple|each|existing|custom|automatic|and)$/i;

/** True when a heading announces a how-to: "How to…", "Installing…", "Configure TLS". */
/** Headings that only say "here come the steps" of the task their parent heading names. */
const GENERIC_STEPS = /^(?:(?:the )?steps?|procedure|instructions?|how to do it|walkthrough)$/i;

export function isHowToHeading(heading: string): boolean {
  const h = heading.trim();
  if (HOWTO_HEADING.test(h)) return true;
  const words = h.split(/\s+/);
  const first = words[0]!;
  if (words.length > 10 || !/^[A-Z]/.test(h) || !isVerb(first)) return false;
  if (/ing$/i.test(first) || !NOUN_TOO.has(first.toLowerCase())) return true;
  return words.length > 1 && OBJECT_START.test(words[1]!);
}

interface OrderedList {
  items: ListItem[];
  start: number;
}

/** Top-level ordered lists of a section with at least two items, split where prose interrupts them. */
function orderedLists(ctx: SectionContext): OrderedList[] {
  const lists: OrderedList[] = [];
  let current: OrderedList | undefined;
  let lastEnd = 0;
  const prose = ctx.view.prose;
  for (const item of ctx.view.items) {
    if (item.parent !== -1) continue;
    const gap = prose.slice(lastEnd, item.start);
    if (!item.ordered) {
      current = undefined;
    } else if (current && gap.trim() === '' && (item.number === current.items[current.items.length - 1]!.number + 1 || item.number === 1 && current.items.every((i) => i.number === 1))) {
      current.items.push(item);
    } else {
      current = { items: [item], start: item.start };
      lists.push(current);
    }
    lastEnd = item.end;
  }
  return lists.filter((l) => l.items.length >= 2);
}

/** The first paragraph of a step, links and emphasis reduced to their text, at most 200 characters. */
function cleanStep(text: string): string {
  const firstPara = text.split(/\n\s*\n|\n\s*```/)[0] ?? text;
  // emphasis goes; underscores inside words and code (`pg_reload_conf`) stay
  const t = collapseSpace(
    firstPara
      .replace(LINK, '$1$2')
      .replace(/\*{1,2}([^*]+)\*{1,2}/g, '$1')
      .replace(/(^|[^\w`])_([^_`]+)_(?=[^\w`]|$)/g, '$1$2'),
  );
  return t.length > 200 ? t.slice(0, 197).trimEnd() + '…' : t;
}

/** The code a step carries, as fenced blocks: what "3. Rotate:" asks you to run. */
const MAX_STEP_CODE = 1200;

/**
 * Code blocks of a top-level item: fenced blocks indented under it before the
 * next item (`until`), and indented (four-space) blocks inside its text.
 */
function stepCode(ctx: SectionContext, item: ListItem, until: number): string[] {
  const text = ctx.view.text;
  const prose = ctx.view.prose;
  const code: { lang: string; body: string }[] = [];
  for (const block of ctx.view.blocks) {
    if (block.start <= item.start || block.start >= until || !ownsFence(text, item, block)) continue;
    // a fence after the item's last line belongs to it only when nothing but blank lines comes between
    if (block.start > item.end && prose.slice(item.end, block.start).trim() !== '') continue;
    code.push({ lang: block.lang, body: block.lines.join('\n').trimEnd() });
  }
  for (const para of item.text.split(/\n\s*\n/).slice(1)) {
    const lines = para.split('\n');
    if (!lines.every((l) => /^ {4}/.test(l))) continue;
    const depth = lines.reduce((d, l) => Math.min(d, l.length - l.trimStart().length), Infinity);
    code.push({ lang: '', body: lines.map((l) => l.slice(depth)).join('\n').trimEnd() });
  }
  const out: string[] = [];
  let size = 0;
  for (const c of code) {
    if (c.body === '') continue;
    const fenced = '```' + c.lang + '\n' + c.body + '\n```';
    if (size + fenced.length > MAX_STEP_CODE) break;
    out.push(fenced);
    size += fenced.length;
  }
  return out;
}

/** True when the fence line is indented past the item's marker (it is part of the item, not a block after the list). */
function ownsFence(text: string, item: ListItem, block: CodeBlock): boolean {
  const lineEnd = text.indexOf('\n', block.start);
  const line = text.slice(block.start, lineEnd === -1 ? undefined : lineEnd);
  return line.length - line.trimStart().length > item.indent;
}

/** A step's text: its first paragraph, then the code blocks it carries. */
function stepText(ctx: SectionContext, item: ListItem, until: number): string {
  return [cleanStep(item.text), ...stepCode(ctx, item, until)].join('\n\n');
}

/** Where the next top-level item after `item` starts, or the end of the section. */
function nextTopItem(ctx: SectionContext, item: ListItem): number {
  return ctx.view.items.find((i) => i.parent === -1 && i.start > item.start)?.start ?? ctx.view.text.length;
}

function sentenceCase(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface ProcedureFinding {
  procedure: Finding;
  steps: { step: Finding; order: number }[];
}

/**
 * Procedures of one section part. `before` is the prose of the previous part
 * of the same section, where the lead-in line of a list at the start of this
 * part was left by the splitter.
 */
export function procedures(ctx: SectionContext, before: string): ProcedureFinding[] {
  const lists = orderedLists(ctx);
  if (lists.length === 0) return [];
  const hp = ctx.section.headingPath;
  let heading = hp[hp.length - 1] ?? '';
  let howTo = isHowToHeading(heading);
  // "## Deploy behind a load balancer" › "### Steps": the steps are the parent's procedure
  if (!howTo && GENERIC_STEPS.test(heading.trim()) && hp.length >= 2 && isHowToHeading(hp[hp.length - 2]!)) {
    heading = hp[hp.length - 2]!;
    howTo = true;
  }
  const path = ctx.section.headingPath.length > 0 ? ctx.section.headingPath : [ctx.doc.title];
  const out: ProcedureFinding[] = [];
  let headingUsed = false;
  const prose = ctx.view.prose;
  lists.forEach((list, index) => {
    const preceding = prose.slice(index === 0 ? 0 : lists[index - 1]!.items[lists[index - 1]!.items.length - 1]!.end, list.start);
    const leadText = (preceding.trim() === '' && index === 0 ? before : preceding).trimEnd();
    const lastPara = collapseSpace((leadText.split(/\n\s*\n/).pop() ?? '').replace(LINK, '$1$2'));
    const lead = LEAD_IN.exec(lastPara);
    let title: string | undefined;
    if (lead) {
      const goal = lead[1] ?? lead[2]?.replace(/^to\s+/i, '');
      title = goal ? sentenceCase(collapseSpace(goal.replace(/[`*_]/g, ''))) : heading;
    } else if (howTo && !headingUsed) {
      const verbs = list.items.filter((i) => isVerb(firstWord(i.text))).length;
      if (verbs * 2 >= list.items.length) title = heading;
    }
    if (!title) return;
    if (title === heading) headingUsed = true;
    const name = title === heading ? path.join(' > ') : [...path, title].join(' > ');
    const procedure: Finding = {
      type: 'Procedure',
      name,
      role: 'defines',
      surfaces: [title],
      attributes: { title, steps: list.items.length },
    };
    const steps = list.items.map((item, i) => ({
      order: i + 1,
      step: {
        type: 'Step' as const,
        name: `${name} > step ${i + 1}`,
        role: 'defines' as const,
        attributes: { order: i + 1, procedure: name, text: stepText(ctx, item, list.items[i + 1]?.start ?? nextTopItem(ctx, item)) },
      },
    }));
    out.push({ procedure, steps });
  });
  return out;
}
