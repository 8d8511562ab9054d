import type { Command } from 'commander';
import { Option } from 'commander';
import type { App } from '../app/app.js';
import { exportGraphJsonl, exportGraphml } from '../app/export.js';
import { ENTITY_TYPES } from '../app/graph.js';
import { jsonText } from './json.js';

type WithApp = <T>(cmd: Command, create: boolean, fn: (app: App) => Promise<T>) => Promise<T>;
const out = (s: string): void => void process.stdout.write(s);

/** `docgraph entity` and `docgraph graph export`: the knowledge graph from the command line. */
export function registerGraphCommands(program: Command, withApp: WithApp): void {
  program
    .command('entity')
    .description('Look up a command, setting, error code, API or concept by name: where it is defined, mentioned, and what it relates to.')
    .argument('<name>', 'exact name as the docs write it, e.g. ERR_REQUIRE_ESM, NODE_OPTIONS, --max-old-space-size, fs.readFile')
    .addOption(new Option('--type <type>', 'only this entity type').choices(ENTITY_TYPES as string[]))
    .option('--json', 'print as JSON')
    // a name may itself look like an option (--max-old-space-size): an unknown option is the name
    .allowUnknownOption()
    .addHelpText(
      'after',
      '\nExamples:\n  $ docgraph entity ERR_REQUIRE_ESM\n  $ docgraph entity --max-old-space-size     a flag is looked up as written\n  $ docgraph entity worker-connections --type ConfigParameter --json',
    )
    .action(async (name: string, opts: { type?: string; json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const v = await app.lookupEntity(name, opts.type);
        if (opts.json) {
          out(jsonText(v));
          return;
        }
        const attrs = Object.entries(v.entity.attributes).map(([k, val]) => `${k}=${typeof val === 'string' ? val : JSON.stringify(val)}`);
        out(`${v.entity.type} ${v.entity.name}${v.entity.aliases.length ? `  (also: ${v.entity.aliases.join(', ')})` : ''}\n`);
        if (attrs.length) out(`  ${attrs.join('  ')}\n`);
        out(`defined in:\n${v.definedIn.map((c) => `  ${c.uri}#${c.anchor}  ${c.headingPath.join(' › ')}`).join('\n') || '  (no defining section)'}\n`);
        if (v.mentionedIn.length) out(`mentioned in:\n${v.mentionedIn.slice(0, 10).map((c) => `  ${c.uri}#${c.anchor}  ×${c.count}`).join('\n')}\n`);
        if (v.related.length) out(`related: ${v.related.slice(0, 12).map((r) => `${r.name} (${r.type})`).join(', ')}\n`);
        if (v.alternatives.length) out(`same name, other types: ${v.alternatives.map((a) => a.type).join(', ')}\n`);
      });
    });

  const graph = program.command('graph').description('Work with the knowledge graph as a whole.');
  graph
    .command('export')
    .description('Write the whole graph to stdout in a deterministic order (ingesting the same docs twice gives identical bytes).')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'graphml']).default('jsonl'))
    .addHelpText('after', '\nExamples:\n  $ docgraph graph export > graph.jsonl\n  $ docgraph graph export --format graphml > graph.graphml   # open in Gephi or yEd')
    .action(async (opts: { format: 'jsonl' | 'graphml' }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const lines = opts.format === 'graphml' ? exportGraphml(app.store) : exportGraphJsonl(app.store);
        for await (const line of lines) out(line + '\n');
      });
    });
}
