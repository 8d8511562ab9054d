import { Lexer, type Token } from 'marked';

/**
 * A section's heading as docgraph shows and cites it: the heading's inline
 * Markdown with code spans kept (`fs.readFile(path)` stays code, as the
 * docs set it), and everything else reduced to the text a reader sees: a
 * link to its text, an image to its alt text, emphasis marks and inline HTML
 * tags dropped (strikethrough is kept as written: `~` is too often a path), backslash escapes resolved. Generated reference pages link every
 * type in a signature (rustdoc: `fn [eq](../cmp/trait.PartialEq.html)(&self)`),
 * and converted HTML escapes brackets (`a_tuple\[i]`); neither is part of
 * the heading's name.
 */
export function headingText(source: string): string {
  if (!MARKUP.test(source)) return source;
  return render(Lexer.lexInline(source));
}

/** Characters without which a heading holds no link, image, emphasis, HTML or escape. */
const MARKUP = /[[\\<*_~]/;

function render(tokens: readonly Token[]): string {
  let out = '';
  for (const t of tokens) {
    switch (t.type) {
      case 'codespan':
        out += codeSpan(t.text as string);
        break;
      case 'link':
      case 'strong':
      case 'em':
        out += 'tokens' in t && t.tokens ? render(t.tokens) : (t.text as string);
        break;
      case 'image':
      case 'escape':
        out += t.text as string;
        break;
      case 'br':
        out += ' ';
        break;
      case 'html':
        break;
      default:
        out += 'text' in t && typeof t.text === 'string' ? t.text : t.raw;
    }
  }
  return out;
}

/** A code span around `code`, fenced with more backticks than it holds in a row. */
function codeSpan(code: string): string {
  let longest = 0;
  for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${code} ${fence}` : `${fence}${code}${fence}`;
}
