import type { Command } from 'commander';
import type { App } from '../app/app.js';
import { SCOPES } from '../app/keys.js';
import { jsonText } from './json.js';

type WithApp = <T>(cmd: Command, create: boolean, fn: (app: App) => Promise<T>) => Promise<T>;
const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

/** `docgraph keys create|list|revoke`: the API keys `docgraph serve` checks, kept (hashed) in the index. */
export function registerKeysCommands(program: Command, withApp: WithApp): void {
  const keys = program
    .command('keys')
    .description('API keys for `docgraph serve` (REST, MCP over HTTP, /metrics), kept in the index: only their hash is stored.')
    .addHelpText(
      'after',
      `\nScopes: read (search and read the docs), ingest (queue folders, see jobs and the DLQ), admin (everything, including DLQ retry and purge).` +
        `\nA client sends the key as "Authorization: Bearer <key>". A loopback server without DOCGRAPH_API_KEY stays open to requests without a key unless started with --require-key.`,
    );
  keys
    .command('create')
    .description('Create a key and print it once (it cannot be shown again: store it now).')
    .requiredOption('--scope <scope...>', `what the key may do: ${SCOPES.join(', ')} (repeat for several)`)
    .option('--name <name>', 'a label to tell keys apart, e.g. ci')
    .option('--json', 'print {"id", "key", "scopes", ...} as JSON')
    .action(async (opts: { scope: string[]; name?: string; json?: boolean }, cmd: Command) => {
      await withApp(cmd, true, async (app) => {
        const k = await app.keys.create({ scopes: opts.scope.flatMap((s) => s.split(',')).map((s) => s.trim()), ...(opts.name !== undefined ? { name: opts.name } : {}) });
        if (opts.json) {
          out(jsonText({ id: k.id, key: k.key, scopes: k.scopes, name: k.name, createdAt: k.createdAt }));
          return;
        }
        out(`${k.key}\n`);
        err(`created key ${k.id}${k.name ? ` (${k.name})` : ''} with scopes ${k.scopes.join(', ')}; it is shown only now\n`);
      });
    });
  keys
    .command('list')
    .description('Every key: id, name, scopes, when created and revoked (never the key itself).')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const list = await app.keys.list();
        if (opts.json) {
          out(jsonText(list));
          return;
        }
        if (list.length === 0) {
          out('no API keys; create one with `docgraph keys create --scope read`\n');
          return;
        }
        for (const k of list) out(`${k.id}  ${k.scopes.join(',').padEnd(18)}  ${(k.name ?? '-').padEnd(16)}  created ${iso(k.createdAt)}${k.revokedAt !== null ? `  revoked ${iso(k.revokedAt)}` : ''}\n`);
      });
    });
  keys
    .command('revoke')
    .description('Revoke a key: servers refuse it from the next request on.')
    .argument('<id>', 'the key id, as `docgraph keys list` shows it')
    .option('--json', 'print the revoked key as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const k = await app.keys.revoke(id);
        if (opts.json) out(jsonText(k));
        else out(`revoked key ${k.id}${k.name ? ` (${k.name})` : ''}\n`);
      });
    });
}
