import type { Command } from 'commander';
import type { App } from '../app/app.js';
import { parseInput } from '../api/operation.js';
import { InvalidInputError } from '../domain/errors.js';
import { getDocumentOp } from '../mcp/tools/get-document.js';
import { getSectionOp, renderSection, type SectionOutput } from '../mcp/tools/get-section.js';
import { jsonText } from './json.js';

type WithApp = <T>(cmd: Command, create: boolean, fn: (app: App) => Promise<T>) => Promise<T>;
const out = (s: string): void => void process.stdout.write(s);
/** Markdown as an operation renders it, ending in one newline. */
const outMarkdown = (md: string): void => out(md.endsWith('\n') ? md : md + '\n');

/** A terminal has no response budget: a section or an outline is printed whole, never paged. */
const WHOLE = Number.MAX_SAFE_INTEGER;
const NEIGHBOURS = ['parent', 'children', 'siblings'] as const;
type Neighbour = (typeof NEIGHBOURS)[number];

function neighbours(value: string): Neighbour[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of parts) {
    if (!(NEIGHBOURS as readonly string[]).includes(p)) throw new InvalidInputError(`--with does not know "${p}"`, { field: '--with', allowed: `a comma-separated list of ${NEIGHBOURS.join(', ')}` });
  }
  return [...new Set(parts as Neighbour[])];
}

/**
 * `docgraph section` and `docgraph document`: read what a search hit cites.
 * They answer what get_section and get_document answer over MCP and REST
 * (the same operations, the same JSON fields), whole rather than paged.
 */
export function registerReadCommands(program: Command, withApp: WithApp): void {
  program
    .command('section')
    .description('Print one section in full (Markdown), by the uri#anchor a search hit cites or by its id: what get_section answers over MCP and REST.')
    .argument('<ref>', 'uri#anchor as `docgraph search` prints it (name[@version]:uri#anchor when the index has several sources), a bare uri for its first section, or a section id (s_…)')
    .option('--with <neighbours>', `also list neighbours to read next: comma-separated ${NEIGHBOURS.join(', ')}`, neighbours)
    .option('--json', 'print as JSON (the fields of get_section)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ docgraph search "rotate the TLS certificate" --limit 3\n' +
        '  $ docgraph section guides/tls.md#rotate-the-certificate          read the first hit\n' +
        '  $ docgraph section guides/tls.md#rotate-the-certificate --with parent,siblings\n' +
        '  $ docgraph section "library/json.html#json.dumps" --json',
    )
    .action(async (ref: string, opts: { with?: Neighbour[]; json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const ctx = { app, tokenBudget: WHOLE };
        const args = parseInput(getSectionOp.input, { ref, ...(opts.with && opts.with.length > 0 ? { with_context: opts.with } : {}) }, '<ref>');
        const first = (await getSectionOp.run(ctx, args)).out;
        // a section the index split into parts is read on to its last part
        const texts = [first.text];
        for (let next = first.next_cursor; next !== undefined; ) {
          const part = (await getSectionOp.run(ctx, { ref, cursor: next })).out;
          texts.push(part.text);
          next = part.next_cursor;
        }
        const { part: _part, next_cursor: _next, ...rest } = first;
        const text = texts.map((t) => t.trim()).join('\n\n');
        const whole: SectionOutput = { ...rest, text, offset: 0, total_chars: text.length, partial: false };
        if (opts.json) out(jsonText(whole));
        else outMarkdown(renderSection(whole));
      });
    });

  program
    .command('document')
    .description("Print a document's metadata and outline: its sections with their anchors and sizes in tokens, to pick one to read with `docgraph section`.")
    .argument('<uri>', 'the document uri as a search hit cites it (before the #), e.g. guides/tls.md; name[@version]:uri when the index has several sources')
    .option('--json', 'print as JSON (the fields of get_document)')
    .addHelpText('after', '\nExamples:\n  $ docgraph document guides/tls.md\n  $ docgraph document react@18:reference/useEffect.md --json')
    .action(async (uri: string, opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const r = await getDocumentOp.run({ app, tokenBudget: WHOLE }, parseInput(getDocumentOp.input, { uri }, '<uri>'));
        if (opts.json) out(jsonText(r.out));
        else outMarkdown(r.md);
      });
    });
}
