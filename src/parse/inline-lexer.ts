import { Lexer, Tokenizer, type Token, type Tokens } from 'marked';

/**
 * Characters of delimiter scanning each character of a body may cost before
 * marked stops pairing emphasis (see lexMarkdown). Real documents use far
 * less: at most 0.13 per character in the Node.js docs and 0.39 in 705
 * READMEs (docs/benchmarks.md, "Parser fuzzing"); the quadratic inputs the
 * fuzz found asked for thousands.
 */
export const SCAN_PER_CHAR = 8;
/** Scanning any body may use whatever its size (a 1,000-character paragraph of nothing but openers costs less). */
export const SCAN_BASE = 1_000_000;

/** What a lexer run may still spend on delimiter scans, in characters. */
interface ScanBudget {
  remaining: number;
  /** Characters scanned in all (what bench/.out measurements read). */
  used: number;
}

/** A run of what a link destination may hold (marked's `href`: no whitespace, no control characters), and its complement. */
const RUN = /[^\s\x00-\x1f]*/y;
const NOT_RUN = /[\s\x00-\x1f]/;

/** Thrown from inside marked when emphasis and strikethrough nest deeper than the limit. */
export class InlineTooDeep extends Error {
  constructor(readonly limit: number) {
    super(`emphasis nests deeper than ${limit} levels`);
  }
}

/**
 * One of marked's closing-delimiter regexes, charged for every character its
 * `exec` moves over. When the budget is spent it finds nothing, so the
 * opener that asked stays text.
 */
class BudgetedRegExp extends RegExp {
  private readonly budget: ScanBudget;

  constructor(source: RegExp, budget: ScanBudget) {
    super(source.source, source.flags);
    this.budget = budget;
  }

  override exec(text: string): RegExpExecArray | null {
    if (this.budget.remaining <= 0) {
      this.lastIndex = 0;
      return null;
    }
    const from = this.lastIndex;
    const m = super.exec(text);
    charge(this.budget, (m ? this.lastIndex : text.length) - from);
    return m;
  }
}

function charge(budget: ScanBudget, chars: number): void {
  budget.remaining -= chars;
  budget.used += chars;
}

/** Length of the run of the character `src` opens with. */
function runLength(src: string): number {
  let n = 1;
  while (n < src.length && src.charCodeAt(n) === src.charCodeAt(0)) n++;
  return n;
}

/**
 * marked's tokenizer with emphasis and strikethrough bounded: each opening
 * attempt is charged for its delimiter run (marked tries again from every
 * delimiter of a run that found no closer, matching the rest of the run each
 * time), none is made once the budget is spent (the run is text), and nesting deeper than
 * `maxDepth` throws InlineTooDeep instead of recursing until the stack runs
 * out.
 */
class BoundedTokenizer extends Tokenizer {
  private depth = 0;
  /** The last link attempt's measure: the length of the `src` it was made on, and its run to whitespace. */
  private lastRun = { srcLength: -1, run: 0 };

  constructor(
    private readonly budget: ScanBudget,
    private readonly maxDepth: number,
  ) {
    super();
  }

  // Past the budget these return the delimiter run as a text token: marked's inline loop takes any token
  // a tokenizer returns and moves past its raw text.
  override emStrong(src: string, maskedSrc: string, prevChar?: string): Tokens.Em | Tokens.Strong | undefined {
    return this.bounded(src, () => super.emStrong(src, maskedSrc, prevChar)) as Tokens.Em | Tokens.Strong | undefined;
  }

  override del(src: string, maskedSrc: string, prevChar?: string): Tokens.Del | undefined {
    return this.bounded(src, () => super.del(src, maskedSrc, prevChar)) as Tokens.Del | undefined;
  }

  // An inline link (`[text](href)`, `![alt](src)`) is tried at every `[` and `!`, and marked's link rule reads
  // its destination up to the first whitespace, then looks for its closing parenthesis in all of that: `![](()`
  // repeated on one line costs the square of the line (96 KB took 5.5 s, a fuzzed 780 KB line minutes). Each
  // attempt is charged the run of non-space characters it starts (an upper bound of what the destination can
  // cover), and none is made once the budget is spent: the `[` or `!` is then text.
  override link(src: string): Tokens.Link | Tokens.Image | undefined {
    const c = src.charCodeAt(0);
    if (c !== 91 && c !== 33) return undefined; // `[` or `!`, as marked checks first
    if (this.budget.remaining <= 0) return undefined;
    charge(this.budget, this.runToSpace(src));
    return super.link(src);
  }

  /**
   * Characters from the start of `src` to its first whitespace or control character. Attempts move forward
   * through one text, so `src` is usually a suffix of the last one measured: when the end of that run is
   * still ahead, and is still whitespace (or the end) at the same place, it is reused instead of scanned again.
   */
  private runToSpace(src: string): number {
    const { srcLength, run } = this.lastRun;
    const moved = srcLength - src.length;
    if (moved > 0 && moved < run) {
      const left = run - moved;
      if (left === src.length || NOT_RUN.test(src[left]!)) return left;
    }
    RUN.lastIndex = 0;
    RUN.exec(src);
    this.lastRun = { srcLength: src.length, run: RUN.lastIndex };
    return RUN.lastIndex;
  }

  private bounded<T>(src: string, attempt: () => T | undefined): T | Tokens.Text | undefined {
    const c = src[0];
    if (c !== '*' && c !== '_' && c !== '~') return undefined;
    const run = runLength(src);
    if (this.budget.remaining <= 0) {
      // The whole run is text. Left to marked, a run that cannot be paired is read one delimiter at a
      // time, and for each one its text rule looks ahead over the rest of the run (for an email
      // address): 20,000 `*` took 0.6 s.
      const raw = src.slice(0, run);
      return { type: 'text', raw, text: raw, escaped: false };
    }
    charge(this.budget, run);
    if (this.depth >= this.maxDepth) throw new InlineTooDeep(this.maxDepth);
    this.depth++;
    try {
      return attempt();
    } finally {
      this.depth--;
    }
  }
}

/** What marked's GFM text rule reads ahead as an email address's local part, and what its url rule reads as one. */
const TEXT_LOCAL_PART = "[a-zA-Z0-9.!#$%&'*+\\/=?_`{\\|}~-]";
const URL_LOCAL_PART = '[A-Za-z0-9._+-]';
/** The local-part patterns of marked's GFM rules, for inline-lexer.test.ts. */
export const LOCAL_PARTS = { text: TEXT_LOCAL_PART, url: URL_LOCAL_PART } as const;
/** At most this many characters are read as a local part: an address's is at most 64 (RFC 5321). */
export const EMAIL_LOCAL_MAX = 64;

/**
 * marked's GFM text and url rules with the local part of an email address
 * bounded. The text rule ends a run of text where an address may start, and
 * to know that it reads, just after the run's first character, every
 * character an address may hold, looking for an `@`; the url rule, tried
 * where each run of text ends, reads them again. On a line of such
 * characters broken into short runs (a backtick and `&lt`, or `ab_`,
 * repeated) every run reads the rest of the line, so the line costs its
 * square: 96 KB took 1.9 s, a fuzzed 494 KB file 46 s, 192 KB of `ab_` 18 s.
 * Bounded to the longest local part an address can have, the rules stop and
 * link where they did for every real address, and read at most 64
 * characters ahead. A rule whose source no longer has the pattern is
 * returned unchanged (inline-lexer.test.ts checks that marked's still do).
 */
export function boundedLocalPart(rule: RegExp, localPart: string): RegExp {
  let source = rule.source;
  for (const [unbounded, bounded] of [
    [`${localPart}+@`, `${localPart}{1,${EMAIL_LOCAL_MAX}}@`],
    [`${localPart}+(@)`, `${localPart}{1,${EMAIL_LOCAL_MAX}}(@)`],
  ] as const) {
    source = source.split(unbounded).join(bounded);
  }
  return source === rule.source ? rule : new RegExp(source, rule.flags);
}

/**
 * Lexes GitHub-flavoured Markdown with marked, emphasis and strikethrough
 * bounded to time linear in the body's length and to `maxDepth` levels.
 *
 * marked pairs delimiters by scanning, from each opener (`*`, `_`, `~`), the
 * rest of its paragraph for a closer, and tries again from every delimiter
 * of a run that found none. A paragraph with many openers and a possible
 * closer at its end (`a](_b ` repeated: each `_` may open, none can close)
 * costs the square of its length: 25 KB took 2.3 s, a fuzzed 800 KB file
 * 30 s. Here the closing-delimiter regexes and each opening attempt charge
 * what they scan to one budget per document, SCAN_BASE + SCAN_PER_CHAR × its
 * length; once it is spent, delimiters that have not been paired stay text.
 * Documents within the budget (every real one measured) lex exactly as
 * marked lexes them; past it only emphasis pairing changes, never the
 * blocks, whose source slices are what docgraph keeps. Emphasis nested past
 * `maxDepth` throws InlineTooDeep at that level, where a run of 10,000 `*`
 * around a word used to recurse until the stack ran out.
 */
export function lexMarkdown(src: string, maxDepth: number): { tokens: Token[]; scanned: number } {
  const budget: ScanBudget = { remaining: SCAN_BASE + SCAN_PER_CHAR * src.length, used: 0 };
  const tokenizer = new BoundedTokenizer(budget, maxDepth);
  const lexer = new Lexer({ gfm: true, tokenizer }); // sets tokenizer.rules to GFM's
  const { rules } = tokenizer;
  const inline = rules.inline;
  tokenizer.rules = {
    ...rules,
    inline: {
      ...inline,
      text: boundedLocalPart(inline.text, TEXT_LOCAL_PART),
      url: boundedLocalPart(inline.url, URL_LOCAL_PART),
      emStrongRDelimAst: new BudgetedRegExp(inline.emStrongRDelimAst, budget),
      emStrongRDelimUnd: new BudgetedRegExp(inline.emStrongRDelimUnd, budget),
      delRDelim: new BudgetedRegExp(inline.delRDelim, budget),
    },
  };
  const tokens = lexer.lex(src);
  return { tokens, scanned: budget.used };
}
