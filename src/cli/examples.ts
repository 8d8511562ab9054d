import type { Command } from 'commander';

/**
 * The examples each command's `--help` ends with, by command path. One table,
 * so every command teaches by example (a test walks the tree and checks it).
 */
const EXAMPLES: Record<string, string[]> = {
  ingest: ['docgraph ingest ./docs                       index a folder (again: only changes are applied)', 'docgraph ingest ./docs --json                report per file, for scripts', 'docgraph ingest ./docs --no-wait && docgraph worker --exit-when-idle'],
  worker: ['docgraph worker                              do queued jobs until Ctrl-C', 'docgraph worker --exit-when-idle -c 2         drain the queue with two jobs at once, then exit'],
  watch: ['docgraph watch ./docs                        keep a folder indexed as you edit it', 'docgraph watch ./docs ./api --no-worker      only queue the changes'],
  jobs: ['docgraph jobs list --state running', 'docgraph jobs show j_123', 'docgraph jobs clean --older-than 10m --dry-run'],
  'jobs list': ['docgraph jobs list', 'docgraph jobs list --state pending running -n 20 --json'],
  'jobs show': ['docgraph jobs show j_123', 'docgraph jobs show j_123 --json'],
  'jobs clean': ['docgraph jobs clean --dry-run                 see which leases are stale', 'docgraph jobs clean --older-than 30m --yes'],
  dlq: ['docgraph dlq list', 'docgraph dlq retry --all                      after fixing the cause', 'docgraph dlq purge --older-than 7d --yes'],
  'dlq list': ['docgraph dlq list', 'docgraph dlq list --json'],
  'dlq show': ['docgraph dlq show j_123'],
  'dlq retry': ['docgraph dlq retry j_123', 'docgraph dlq retry --all'],
  'dlq purge': ['docgraph dlq purge --older-than 7d', 'docgraph dlq purge --yes                     every dead job'],
  status: ['docgraph status', 'docgraph status --json | jq .queue'],
  verify: ['docgraph verify                              report drift between the files and the index', 'docgraph verify --repair                      re-queue what drifted and wait for it'],
  search: ['docgraph search "rotate the TLS certificate"', 'docgraph search "ERR_REQUIRE_ESM" --json --limit 3', 'docgraph search "roll back" --uri-prefix guides/ --tag how-to', 'docgraph search "retry budget" --mode lexical   keywords only (also: fused, vector)'],
  export: ['docgraph export > index.jsonl', 'docgraph export | head -1'],
  mcp: ['docgraph mcp                                 (started by your assistant; see mcp-config)', 'docgraph --index ~/docs/.docgraph/index.db mcp'],
  serve: [
    'docgraph serve',
    'docgraph serve --port 0 --no-worker',
    'docgraph serve --require-key                  every request needs an API key (docgraph keys create)',
    'DOCGRAPH_API_KEY=… docgraph serve --host 0.0.0.0   off loopback a key is required',
    'curl -H "Authorization: Bearer $KEY" "http://127.0.0.1:7700/v1/search?q=rotate+the+certificate"',
  ],
  keys: ['docgraph keys create --scope read --name ci', 'docgraph keys create --scope read --scope ingest --json', 'docgraph keys list', 'docgraph keys revoke 3f2a9c0d1e4b5a68'],
  'keys create': ['docgraph keys create --scope read --name ci      prints the key once', 'docgraph keys create --scope admin --json'],
  'keys list': ['docgraph keys list', 'docgraph keys list --json'],
  'keys revoke': ['docgraph keys revoke 3f2a9c0d1e4b5a68', 'docgraph keys revoke 3f2a9c0d1e4b5a68 --json'],
  'mcp-config': ['docgraph mcp-config --client claude-desktop', 'docgraph mcp-config --client cursor --http http://127.0.0.1:7700/mcp'],
  graph: ['docgraph graph export --format graphml > graph.graphml', 'docgraph graph export | wc -l'],
};

/** Adds the examples above to their commands (eval, coverage, entity and graph export carry their own). */
export function addExamples(program: Command): void {
  const walk = (c: Command, path: string[]): void => {
    for (const sub of c.commands) {
      const key = [...path, sub.name()].join(' ');
      const lines = EXAMPLES[key];
      if (lines) sub.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(program, []);
}
