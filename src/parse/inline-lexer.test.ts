import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer, Tokenizer } from 'marked';
import { describe, expect, it } from 'vitest';
import { boundedLocalPart, EMAIL_LOCAL_MAX, InlineTooDeep, lexMarkdown, LOCAL_PARTS } from './inline-lexer.js';

const root = join(import.meta.dirname, '..', '..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdownFiles(join(dir, e.name)) : /\.mdx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

const EMPHASIS = `# A *title* with __strong__ and ~~struck~~ words

Some *emphasis*, **strong**, ***both***, _under_, __double__, a snake_case_name,
2*3*4, a * lone star, **nested *inside* it**, ~one~ and ~~two~~ tildes,
[a *link*](https://example.com/a_b_c) and \`code_with_*stars*\`, *unclosed and _crossed* over_.

| *cell* | __cell__ |
|---|---|
| a_b | *x* |

- *item* one
- **item** _two_
`;

describe('lexMarkdown', () => {
  it('lexes exactly as marked does, on real documents and on emphasis of every kind', () => {
    const docs = [EMPHASIS, ...markdownFiles(join(root, 'examples', 'sample-docs')).map((f) => readFileSync(f, 'utf8')), readFileSync(join(root, 'README.md'), 'utf8')];
    for (const doc of docs) expect(lexMarkdown(doc, 100).tokens).toEqual(Lexer.lex(doc, { gfm: true }));
  });

  it('scans for closers within its budget, linear in the length, where marked scans quadratically', () => {
    const small = 'a](_b '.repeat(1_000);
    const large = 'a](_b '.repeat(8_000);
    // marked alone scans ~n²/12 characters here (about 5 million for the small one)
    const { scanned: s1 } = lexMarkdown(small, 100);
    const { scanned: s8 } = lexMarkdown(large, 100);
    expect(s1).toBeGreaterThan(1_000_000);
    expect(s8).toBeLessThanOrEqual(1_000_000 + 8 * large.length + 1_000);
  });

  it('charges link attempts to the budget: a destination that never closes costs linear time, and no text is lost', () => {
    // each `![` reads the rest of the line as a destination and looks for its `)` there: n²/12 characters
    const small = '![](()'.repeat(1_000);
    const large = '![](()'.repeat(8_000);
    const { scanned: s1 } = lexMarkdown(small, 100);
    const { tokens, scanned: s8 } = lexMarkdown(large, 100);
    expect(s1).toBeGreaterThan(1_000_000);
    expect(s8).toBeLessThanOrEqual(1_000_000 + 9 * large.length);
    expect(tokens.map((t) => t.raw).join('')).toBe(large);
    // within the budget, links are what marked makes of them
    const doc = '![logo](img/logo.png "Logo") and [a (nested) link](https://example.com/a_(b)) then ![](()';
    expect(lexMarkdown(doc, 100).tokens).toEqual(Lexer.lex(doc, { gfm: true }));
  });

  it('bounds the local part of an email address in the text and url rules, and lexes addresses as marked does', () => {
    const tokenizer = new Tokenizer();
    new Lexer({ gfm: true, tokenizer });
    for (const [name, localPart] of Object.entries(LOCAL_PARTS) as ['text' | 'url', string][]) {
      const rule = tokenizer.rules.inline[name];
      const bounded = boundedLocalPart(rule, localPart);
      // marked still writes the unbounded pattern (else this bound no longer applies and must be looked at again)
      expect(bounded, name).not.toBe(rule);
      expect(bounded.source, name).not.toContain(`${localPart}+`);
      expect(bounded.source, name).toContain(`${localPart}{1,${EMAIL_LOCAL_MAX}}`);
    }
    const doc =
      'Write to ops@example.com, first.last+tag@mail.example.org or mailto:a.b@example.com, `a`&lt`b`, and see <user@example.com>.\n\n' +
      '`&lt'.repeat(500) +
      '\n\n' +
      'ab_'.repeat(500);
    expect(lexMarkdown(doc, 100).tokens).toEqual(Lexer.lex(doc, { gfm: true }));
  });

  it('throws InlineTooDeep past the nesting limit, before the stack runs out', () => {
    expect(() => lexMarkdown('*'.repeat(250) + 'x' + '*'.repeat(250), 100)).toThrow(InlineTooDeep);
    expect(() => lexMarkdown('*'.repeat(150) + 'x' + '*'.repeat(150), 100)).not.toThrow(); // 75 levels
  });
});
