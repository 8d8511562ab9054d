import type { Command } from 'commander';
import type { App } from '../app/app.js';
import { sourceLabel } from '../domain/sources.js';
import { jsonText } from './json.js';

type WithApp = <T>(cmd: Command, create: boolean, fn: (app: App) => Promise<T>) => Promise<T>;
const out = (s: string): void => void process.stdout.write(s);

/** `docgraph sources`: the sources (libraries) of the index. */
export function registerSourceCommands(program: Command, withApp: WithApp): void {
  program
    .command('sources')
    .description('List the sources (libraries) of the index: name, version, kind, documents, when last refreshed, and where they come from.')
    .option('--json', 'print as JSON (the fields list_sources gives over MCP and GET /v1/sources over REST; no locations)')
    .addHelpText('after', '\nExamples:\n  $ docgraph sources\n  $ docgraph sources --json')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const all = await app.listSources();
        if (opts.json) {
          out(jsonText({ sources: all.map((s) => ({ name: s.name, version: s.version, kind: s.kind, documents: s.documents, createdAt: s.createdAt, refreshedAt: s.refreshedAt })) }));
          return;
        }
        if (all.length === 0) {
          out('No sources yet: add one with `docgraph add <folder>` or `docgraph ingest <folder>`.\n');
          return;
        }
        for (const s of all) {
          out(`${sourceLabel(s)}  ${s.kind}  ${s.documents} documents  ${s.refreshedAt ? `refreshed ${s.refreshedAt}` : `added ${s.createdAt}`}\n  ${s.location}\n`);
        }
      });
    });
}
