import type { Command } from 'commander';

/**
 * Lets subcommands that take a source's `--version <v>` (`search`, `add`,
 * `remove` ...) keep it: commander gives a program's options precedence
 * wherever they appear, so `docgraph search q --version 2` printed
 * docgraph's own version. After the name of such a subcommand, `--version`
 * (with its value) is handed to the subcommand; before it, and `-V`
 * anywhere, it is still docgraph's version.
 */
export function subcommandsOwnVersion(program: Command): void {
  const own = new Set(program.commands.filter((c) => c.options.some((o) => o.long === '--version')).map((c) => c.name()));
  const parse = program.parseOptions.bind(program);
  program.parseOptions = (args: string[]) => {
    const at = args.findIndex((a) => own.has(a));
    if (at < 0) return parse(args);
    const kept: string[] = [];
    const moved: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--') {
        kept.push(...args.slice(i));
        break;
      }
      if (i > at && a === '--version') {
        moved.push(a);
        if (i + 1 < args.length) moved.push(args[++i]!);
      } else if (i > at && a.startsWith('--version=')) moved.push(a);
      else kept.push(a);
    }
    const r = parse(kept);
    return { operands: r.operands, unknown: [...r.unknown, ...moved] };
  };
}
