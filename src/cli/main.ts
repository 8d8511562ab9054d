import { readFileSync } from 'node:fs';
import { subcommandsOwnVersion } from './own-version.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import { App } from '../app/app.js';
import { loadConfig } from '../config/config.js';
import { InvalidInputError } from '../domain/errors.js';
import type { SearchResult } from '../domain/types.js';
import { EVAL_MODES, readGolden, type EvalMode, type EvalReport } from '../eval/golden.js';
import { SEARCH_MODES, type SearchMode } from '../search/search.js';
import { jsonText } from './json.js';
import { EXIT, reportError } from './errors.js';
import { registerMcpCommands } from './mcp-commands.js';
import { registerIngestionCommands } from './ingest-commands.js';
import { registerGraphCommands } from './graph-commands.js';
import { registerSourceCommands } from './source-commands.js';
import { registerKeysCommands } from './keys-commands.js';
import { registerBackupCommands } from './backup-commands.js';
import { formatSourceCitation } from '../app/documents.js';
import { registerCoverageCommand } from './coverage-command.js';
import { registerReadCommands } from './read-commands.js';
import { addExamples } from './examples.js';

interface GlobalOptions {
  index?: string;
  store?: string;
  redis?: string;
  config?: string;
  verbose?: boolean;
  allowDownload?: boolean;
}

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

async function withApp<T>(cmd: Command, create: boolean, fn: (app: App) => Promise<T>): Promise<T> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const config = loadConfig({ file: g.config, overrides: { index: g.index, store: g.store, redis: g.redis, allowDownload: g.allowDownload } });
  const app = await App.open(config, { create });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** The version in the package.json beside the code (src/ under tsx, dist/ when built). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Builds the command tree; `main` runs it. Exported for tests and `--help` docs. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('docgraph')
    .description('Index technical documentation (Markdown, HTML) into a searchable knowledge graph and answer with citable sections.')
    .option('--index <path>', 'index file (default ./.docgraph/index.db, env DOCGRAPH_INDEX)')
    .option('--store <path|url>', 'where the index and job queue live: a SQLite file (as --index) or a postgres:// URL (env DOCGRAPH_STORE)')
    .option('--redis <url>', 'Redis shared by the replicas of a PostgreSQL index (result cache, change notifications), redis://... (env DOCGRAPH_REDIS)')
    .option('--config <file>', 'config file (default: docgraph.config.yaml|yml|json in this folder)')
    .option('--allow-download', 'let the transformers embedder download model files once (off by default)')
    .option('--verbose', 'show stack traces on errors')
    .version(packageVersion(), '-V, --version', 'print the docgraph version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: out, writeErr: err })
    .addHelpText(
      'after',
      `
Examples:
  $ docgraph ingest ./docs                 index a folder (again: only changes are applied)
  $ docgraph search "rotate the TLS certificate"
  $ docgraph search "ERR_REQUIRE_ESM" --json --limit 3
  $ docgraph status
  $ docgraph eval golden.jsonl             measure search quality on judged queries
  $ docgraph coverage ./site               how much of each HTML page's text reaches the index

Exit codes: 0 ok, 1 failure, 2 bad arguments or configuration, 3 not found (e.g. no index yet).`,
    );

  registerIngestionCommands(program, setExit);

  program
    .command('search')
    .description('Search the index; prints ranked sections with uri#anchor, heading path and a snippet.')
    .argument('<query>', 'a question or keywords, e.g. "how do I create a folder recursively"')
    .option('-n, --limit <n>', 'number of hits (1-100)', intArg('--limit', 1, 100), 10)
    .addOption(new Option('--mode <mode>', 'retrievers to use').choices(SEARCH_MODES as string[]).default('graph'))
    .option('--source <name>', 'only this source (library; `docgraph sources` lists them), every version unless --version')
    .option('--version <version>', 'only this version of the source')
    .option('--uri-prefix <prefix>', 'only documents whose uri starts with this (e.g. guide/)')
    .option('--tag <tag...>', 'only documents with these front-matter tags')
    .option('--json', 'print the result as JSON')
    .action(async (query: string, opts: { limit: number; mode: SearchMode; source?: string; version?: string; uriPrefix?: string; tag?: string[]; json?: boolean }, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        const sourceIds = opts.source !== undefined || opts.version !== undefined ? await app.sourceFilter(opts.source, opts.version, { source: '--source', version: '--version' }) : undefined;
        const filters = { ...(sourceIds ? { sourceIds } : {}), ...(opts.uriPrefix ? { uriPrefix: opts.uriPrefix } : {}), ...(opts.tag ? { tags: opts.tag } : {}) };
        const result = await app.search(query, { limit: opts.limit, mode: opts.mode, filters });
        if (opts.json) out(jsonText(result));
        else printSearch(result, (await app.sources()).length > 1);
      });
    });

  program
    .command('export')
    .description('Write the index (documents and sections) as JSON lines in a deterministic order, to stdout.')
    .action(async (_opts: unknown, cmd: Command) => {
      await withApp(cmd, false, async (app) => {
        for await (const line of app.export()) out(line + '\n');
      });
    });

  program
    .command('eval')
    .description('Measure search quality on judged queries (JSONL: {id, intent, query, relevant:[{doc, anchor?, heading?, grade}]}).')
    .argument('<golden>', 'golden queries file, e.g. ../shared/eval/node-dev-golden.jsonl')
    .option('--modes <modes>', `comma-separated modes to compare: ${EVAL_MODES.join(', ')}`, EVAL_MODES.join(','))
    .option('--json', 'print the full report (per query too) as JSON')
    .addHelpText(
      'after',
      '\nPrints nDCG@10, Recall@10, MRR@10, Hit@1, Hit@5 (document level), section Hit@5, and p50/p95 latency, overall and per intent,' +
        '\ndefined as ../shared/eval/score.mjs defines them (gain = grade; MRR and Hit@k look for a grade-2 document; section Hit@5 counts' +
        '\nonly queries that name a grade-2 section). bm25-page and bm25-section are the plain BM25 floor: one row per page or per' +
        '\nsection, the same tokenizer, no field weights, no fusion, no graph.' +
        '\n\nExamples:\n  $ docgraph eval golden.jsonl\n  $ docgraph eval golden.jsonl --modes bm25-section,graph --json',
    )
    .action(async (golden: string, opts: { modes: string; json?: boolean }, cmd: Command) => {
      const modes = opts.modes.split(',').map((m) => m.trim()) as EvalMode[];
      for (const m of modes) {
        if (!EVAL_MODES.includes(m)) throw new InvalidInputError(`unknown mode "${m}"`, { field: '--modes', allowed: EVAL_MODES.join(', ') });
      }
      const queries = readGolden(golden);
      await withApp(cmd, false, async (app) => {
        const report = await app.evaluate(queries, modes, golden);
        if (opts.json) out(jsonText(report));
        else out(formatEval(report));
      });
    });

  registerReadCommands(program, withApp);
  registerMcpCommands(program);
  registerGraphCommands(program, withApp);
  registerSourceCommands(program, withApp, setExit);
  registerKeysCommands(program, withApp);
  registerBackupCommands(program);
  registerCoverageCommand(program, setExit);
  addExamples(program);
  subcommandsOwnVersion(program);
  return program;
}

function printSearch(r: SearchResult, qualified: boolean): void {
  const color = process.stdout.isTTY;
  if (r.hits.length === 0) out('no results\n');
  r.hits.forEach((h, i) => {
    const where = formatSourceCitation({ name: h.source, version: h.version }, h.uri, h.anchor, qualified);
    const path = h.headingPath.join(' › ') || h.title;
    const snippet = color ? h.snippet.replace(/\*\*(.+?)\*\*/g, (_m, t: string) => pc.bold(pc.yellow(t))) : h.snippet;
    const conf = `confidence ${h.confidence.toFixed(2)}`;
    out(`${color ? pc.bold(`${i + 1}. ${where}`) : `${i + 1}. ${where}`}  ${color ? pc.dim(conf) : conf}\n`);
    out(`   ${color ? pc.cyan(path) : path}\n   ${snippet.replace(/\n/g, '\n   ')}\n\n`);
  });
  if (r.expanded?.length) err(`note: also searched for ${r.expanded.join(', ')} (search.synonyms)\n`);
  if (r.degraded.length > 0) err(`note: answered without ${r.degraded.join(', ')} retrieval (degraded)\n`);
  if (r.hits.length > 0 && r.unknownNames?.length) err(`note: weak match — no indexed section holds ${r.unknownNames.join(', ')}; these hits match other words\n`);
  else if (r.hits.length > 0 && r.weak) err('note: weak match — even the best hit is unlikely to answer this; the docs may not cover it\n');
}

export function formatEval(report: EvalReport): string {
  const head = ['mode', 'intent', 'n', 'nDCG@10', 'R@10', 'MRR@10', 'Hit@1', 'Hit@5', 'secHit@5', 'p50 ms', 'p95 ms'];
  const rows = report.rows.map((r) => [
    r.mode, r.intent, String(r.queries), r.ndcg10.toFixed(3), r.recall10.toFixed(3), r.mrr10.toFixed(3),
    r.hit1.toFixed(3), r.hit5.toFixed(3), r.sectionHit5 === null ? '-' : `${r.sectionHit5.toFixed(3)} (${r.sectionQueries})`, r.p50Ms.toFixed(1), r.p95Ms.toFixed(1),
  ]);
  const lines = [head, ...rows].map((cells) => '| ' + cells.join(' | ') + ' |');
  lines.splice(1, 0, '|' + head.map(() => '---').join('|') + '|');
  return `${report.queries} queries from ${report.golden}\n\n${lines.join('\n')}\n`;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // `docgraph export | head` closes the pipe early: that is the reader's choice, not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  // on every command: subcommands do not inherit an override set after they were added
  const overrideExit = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) overrideExit(sub);
  };
  overrideExit(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e && typeof e === 'object' && 'exitCode' in e && 'code' in e && String((e as { code: unknown }).code).startsWith('commander.')) {
      const c = (e as { exitCode: number }).exitCode;
      return c === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(e, argv.includes('--verbose'), err);
  }
  return code;
}
