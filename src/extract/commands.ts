import { append } from '../domain/arrays.js';
import { collapseSpace, isFilePath, settingAliases, settingName } from './canonical.js';
import { envFinding, envName, flagFinding } from './config.js';
import type { Finding, SectionContext } from './finding.js';
import { shellTokens, type CodeBlock } from './scan.js';

/**
 * Command rules: CLI invocations in shell blocks and inline code
 * (`git rebase -i`, `docker run -d`, `node --watch`) and SQL statements
 * (`CREATE INDEX`). Flags and leading `NAME=value` assignments of an
 * invocation become ConfigParameters tied to the command.
 */

/** Tools whose second word is a subcommand (`git rebase`), or the subcommands we know for a tool. */
const SUBCOMMANDS: Record<string, true | ReadonlySet<string>> = {
  git: true, docker: true, 'docker-compose': true, podman: true, kubectl: true, helm: true, npm: true, yarn: true,
  pnpm: true, bun: true, deno: true, cargo: true, rustup: true, go: true, apt: true, 'apt-get': true, dnf: true,
  yum: true, brew: true, snap: true, systemctl: true, pip: true, pip3: true,
  poetry: true, gh: true, terraform: true, aws: true, gcloud: true, az: true, heroku: true, vagrant: true,
  minikube: true, kind: true, corepack: true, nvm: true, dotnet: true, composer: true, conda: true, gem: true,
  bundle: true, rails: true, flyctl: true, vercel: true, wrangler: true, pg_ctl: true, certbot: true,
  node: new Set(['inspect']),
};

/** Programs recognised in inline code even when the document's blocks never run them. */
const KNOWN_PROGRAMS = new Set([
  ...Object.keys(SUBCOMMANDS), 'npx', 'node', 'nodejs', 'python', 'python3', 'ruby', 'java', 'javac', 'gcc', 'g++', 'clang',
  'make', 'cmake', 'curl', 'wget', 'ssh', 'scp', 'rsync', 'openssl', 'man', 'ls', 'cat', 'grep', 'sed', 'awk', 'tar',
  'chmod', 'chown', 'cp', 'mv', 'rm', 'mkdir', 'ps', 'kill', 'top', 'nginx', 'psql', 'pg_dump', 'pg_restore',
  'mysql', 'redis-cli', 'sqlite3', 'tsc', 'eslint', 'prettier', 'vitest', 'jest', 'webpack', 'vite', 'esbuild',
  'strace', 'gdb', 'lldb', 'valgrind', 'perf', 'dtrace', 'codesign', 'signtool', 'postject', 'node-gyp', 'sudo',
  'ulimit', 'sysctl', 'lsof', 'netstat', 'dig', 'nslookup', 'ping', 'traceroute', 'jq', 'xargs', 'find', 'head', 'tail',
]);

/** Words that start shell lines but are not programs worth an entity. */
const SHELL_WORDS = new Set(
  (
    'cd echo export source set unset exit true false if then elif else fi for do done while until case esac function ' +
    'return local read printf alias eval shift test wait trap exec let declare typeset pushd popd type command hash ' +
    'const var import from require new await async yield throw try catch class def print ' +
    // English words that start prose lines pasted into shell blocks
    'to the a an and or in on of is it for this that with as be by at see note use then now you we'
  ).split(' '),
);

/** Prefixes that run the command that follows them. */
const PREFIXES = new Set(['sudo', 'time', 'nohup', 'env', 'npx', 'pnpx', 'bunx', 'exec', 'command', 'nice', 'doas']);

const PROMPT = /^\s*(?:\$|%|❯|➜|PS [^>]*>|[A-Z]:\\[^>]*>)\s+/;
const PROMPT_LANGS = new Set(['console', 'shell-session', 'shellsession', 'terminal', 'sh-session', '']);
const SCRIPT_LANGS = new Set(['bash', 'sh', 'shell', 'zsh', 'fish', 'ksh', 'powershell', 'ps1', 'pwsh', 'cmd', 'bat', 'batch', 'dockerfile', 'docker']);
const SQL_LANGS = new Set(['sql', 'psql', 'postgresql', 'postgres', 'pgsql', 'plpgsql', 'mysql', 'sqlite', 'plsql', 'tsql', 'mssql']);

export interface Invocation {
  program: string;
  subcommand?: string;
  flags: string[];
  env: string[];
}

/** The command lines of a shell block: prompt lines only when the block shows a prompt, every line of a script otherwise. */
export function commandLines(block: CodeBlock): string[] {
  const lang = block.lang;
  if (!PROMPT_LANGS.has(lang) && !SCRIPT_LANGS.has(lang)) return [];
  const prompted = block.lines.some((l) => PROMPT.test(l));
  if (!prompted && !SCRIPT_LANGS.has(lang)) return [];
  const out: string[] = [];
  let pending = '';
  let heredoc: string | undefined;
  for (const raw of block.lines) {
    if (heredoc !== undefined) {
      if (raw.trim() === heredoc) heredoc = undefined;
      continue;
    }
    let line = raw;
    if (pending === '') {
      if (prompted) {
        if (!PROMPT.test(line)) continue;
        line = line.replace(PROMPT, '');
      }
      if (/^\s*(?:#|\/\/|REM\b|::)/i.test(line)) continue;
    }
    const hd = /<<-?\s*['"]?(\w+)['"]?/.exec(line);
    if (hd) heredoc = hd[1];
    if (/\\\s*$/.test(line) || /\s`\s*$/.test(line)) {
      pending += line.replace(/\\\s*$|`\s*$/, ' ');
      continue;
    }
    const full = collapseSpace(pending + line);
    pending = '';
    if (full !== '') out.push(full);
  }
  if (pending.trim() !== '') out.push(collapseSpace(pending));
  return out;
}

/** Parses one command line (possibly a pipeline) into its invocations. */
export function parseCommandLine(line: string): Invocation[] {
  const out: Invocation[] = [];
  const cleaned = line.replace(/\$\([^)]*\)|`[^`]*`/g, 'X').replace(/\s[12]?>>?\s*\S+|\s[12]>&[12]|\s<\s*\S+/g, ' ');
  for (const segment of cleaned.split(/\s*(?:&&|\|\||;|\|)\s*/)) {
    const inv = parseSegment(segment);
    if (inv) out.push(inv);
  }
  return out;
}

function parseSegment(segment: string): Invocation | undefined {
  const tokens = shellTokens(segment.trim());
  const env: string[] = [];
  let i = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) {
      const name = envName(t);
      if (name) env.push(name);
      continue;
    }
    if (t === 'export' && i + 1 < tokens.length && /=/.test(tokens[i + 1]!)) continue;
    if (PREFIXES.has(t)) continue;
    break;
  }
  const program = tokens[i];
  if (!program || !validProgram(program)) return env.length > 0 ? { program: '', flags: [], env } : undefined;
  const rest = tokens.slice(i + 1);
  let subcommand: string | undefined;
  const subs = SUBCOMMANDS[program];
  const next = rest[0];
  if (subs && next && /^[a-z][a-z0-9-]*$/.test(next) && (subs === true || subs.has(next))) {
    subcommand = next;
    rest.shift();
  }
  const flags = rest.filter((t) => /^--?[A-Za-z]/.test(t) && !/^-\d/.test(t));
  return { program, subcommand, flags, env };
}

function validProgram(p: string): boolean {
  return /^[a-z][a-z0-9._+-]{0,30}$/.test(p) && !SHELL_WORDS.has(p) && !isFilePath(p) && !/\.(?:js|mjs|cjs|ts|py|rb|sh)$/.test(p);
}

/** The findings of one invocation: the command, its flags and env assignments, tied together. */
export function invocationFindings(inv: Invocation): Finding[] {
  const out: Finding[] = [];
  for (const e of inv.env) out.push(envFinding(e, 'mentions'));
  if (inv.program === '') return out;
  const name = inv.subcommand ? `${inv.program} ${inv.subcommand}` : inv.program;
  const attributes: Record<string, unknown> = { kind: 'cli', program: inv.program };
  if (inv.subcommand) attributes.subcommand = inv.subcommand;
  const command: Finding = { type: 'Command', name, role: 'mentions', attributes, related: [] };
  out.push(command);
  for (const raw of inv.flags) {
    const f = flagFinding(raw, name, 'mentions');
    if (!f) continue;
    f.attributes = { ...f.attributes, command: name };
    f.related = [{ type: 'Command', name }];
    command.related!.push({ type: f.type, name: f.name });
    out.push(f);
  }
  for (const e of inv.env) command.related!.push({ type: 'ConfigParameter', name: e });
  return out;
}

/** All findings of a shell or SQL block. */
export function commandsInBlock(block: CodeBlock): Finding[] {
  if (SQL_LANGS.has(block.lang)) return sqlStatements(block.lines.join('\n'), true);
  const out: Finding[] = [];
  for (const line of commandLines(block)) for (const inv of parseCommandLine(line)) append(out, invocationFindings(inv));
  return out;
}

/** Programs a document runs, and the one it runs most with flags (the owner of flags its headings define). */
export function documentPrograms(blocks: Iterable<CodeBlock>): { programs: Set<string>; main: string | undefined } {
  const programs = new Set<string>();
  const withFlags = new Map<string, number>();
  for (const block of blocks) {
    for (const line of commandLines(block)) {
      for (const inv of parseCommandLine(line)) {
        if (inv.program === '') continue;
        programs.add(inv.program);
        if (inv.flags.length > 0) withFlags.set(inv.program, (withFlags.get(inv.program) ?? 0) + 1);
      }
    }
  }
  let main: string | undefined;
  let best = 0;
  for (const [p, n] of [...withFlags].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (n > best) {
      main = p;
      best = n;
    }
  }
  return { programs, main };
}

const JS_START = /^(?:const|let|var|import|export|return|await|typeof|new|function|class|if|for|while|throw|delete|void|yield|async)\b/;

/** Inline code that is a command line (`git rebase -i`, `node --watch app.js`) or a program the document runs (`postject`). */
export function commandSpan(code: string, sentence: () => string, ctx: SectionContext): Finding[] | undefined {
  const c = code.trim();
  if (/^[A-Z]{2,}\s+\S/.test(c)) {
    const sql = sqlStatements(c, false);
    return sql.length > 0 ? sql : undefined;
  }
  if (JS_START.test(c) || /[(){};=]|=>/.test(c.replace(/^\S+=\S+\s+/, ''))) return undefined;
  const tokens = c.split(/\s+/);
  const first = tokens.find((t) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(t) && !PREFIXES.has(t));
  if (!first) return undefined;
  if (tokens.length === 1) {
    if (ctx.doc.programs.has(c) && /\b(?:run|running|runs|command|executable|binary|tool|cli|invoke|install(?:ed)?|utility)\b/i.test(sentence())) {
      return [{ type: 'Command', name: c, role: 'mentions', attributes: { kind: 'cli', program: c } }];
    }
    return undefined;
  }
  const hasFlag = tokens.some((t) => /^--?[A-Za-z]/.test(t));
  const known = KNOWN_PROGRAMS.has(first) || ctx.doc.programs.has(first);
  if (!known && !(hasFlag && /\b(?:run|running|command|execute|invoke|terminal|shell)\b/i.test(sentence()))) return undefined;
  const found = parseCommandLine(c).flatMap(invocationFindings);
  return found.length > 0 ? found : undefined;
}

/** A heading that names a command: `` `git rebase` ``, `CREATE INDEX`. */
export function commandHeading(heading: string, plain: string, ctx: SectionContext): Finding[] {
  const p = plain.trim();
  if (/^[A-Z]{2,}(?:\s+[A-Z]{2,}){0,3}$/.test(p)) {
    const sql = sqlStatements(p, false);
    if (sql.length === 1 && sql[0]!.name === p.replace(/\s+/g, ' ')) return [{ ...sql[0]!, role: 'defines' }];
  }
  const code = /^`([^`]+)`$/.exec(heading.trim())?.[1];
  if (code && /\s/.test(code)) {
    const first = code.split(/\s+/)[0]!;
    if (KNOWN_PROGRAMS.has(first) || ctx.doc.programs.has(first)) {
      const invs = parseCommandLine(code);
      const inv = invs[0];
      if (invs.length === 1 && inv && inv.program !== '' && inv.flags.length === 0) {
        return invocationFindings(inv).map((f) => (f.type === 'Command' ? { ...f, role: 'defines' as const } : f));
      }
    }
  }
  return [];
}

const SQL_OBJECTS =
  'TABLE|INDEX|VIEW|MATERIALIZED VIEW|SCHEMA|DATABASE|FUNCTION|PROCEDURE|TRIGGER|SEQUENCE|TYPE|EXTENSION|ROLE|USER|POLICY|DOMAIN|AGGREGATE|OPERATOR|PUBLICATION|SUBSCRIPTION|SERVER|TABLESPACE|COLLATION|RULE|STATISTICS|EVENT TRIGGER|FOREIGN TABLE|LANGUAGE|CONVERSION|GROUP';
const SQL_DDL = new RegExp(
  `^(CREATE|ALTER|DROP)\\s+(?:OR\\s+REPLACE\\s+)?(?:(?:UNIQUE|TEMP|TEMPORARY|UNLOGGED|GLOBAL|LOCAL|RECURSIVE|CONSTRAINT|TRUSTED|PROCEDURAL)\\s+)*(${SQL_OBJECTS})\\b`,
  'i',
);
const SQL_SINGLE =
  /^(SELECT|INSERT|UPDATE|DELETE|MERGE|VACUUM|ANALYZE|EXPLAIN|GRANT|REVOKE|COPY|TRUNCATE|REINDEX|CLUSTER|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|SET|SHOW|RESET|LISTEN|NOTIFY|UNLISTEN|PREPARE|EXECUTE|DEALLOCATE|LOCK|CHECKPOINT|DISCARD|CALL|REFRESH MATERIALIZED VIEW|ALTER SYSTEM|SET TRANSACTION|START TRANSACTION|PRAGMA|ATTACH|DETACH)\b/i;

/**
 * SQL statements of a text, by their leading keywords (`CREATE UNIQUE INDEX ...`
 * → `CREATE INDEX`). `lenient` accepts lower-case keywords (inside SQL
 * blocks); inline code must be written in capitals.
 */
export function sqlStatements(text: string, lenient: boolean): Finding[] {
  const out: Finding[] = [];
  for (const raw of text.split(';')) {
    const stmt = collapseSpace(raw.replace(/--[^\n]*/g, ''));
    if (stmt === '' || (!lenient && !/^[A-Z]{2,}\b/.test(stmt))) continue;
    let name: string | undefined;
    const ddl = SQL_DDL.exec(stmt);
    if (ddl) name = `${ddl[1]} ${ddl[2]}`.toUpperCase().replace(/\s+/g, ' ');
    else {
      const single = SQL_SINGLE.exec(stmt);
      if (single && (lenient || /\s/.test(stmt) || /^(VACUUM|ANALYZE|CHECKPOINT|BEGIN|COMMIT|ROLLBACK)$/.test(stmt))) name = single[1]!.toUpperCase().replace(/\s+/g, ' ');
    }
    if (!name) continue;
    const surface = stmt.split(/\s+/).slice(0, name.split(' ').length + 2).join(' ');
    out.push({ type: 'Command', name, role: 'mentions', surfaces: /^[A-Z ]+$/.test(surface) ? [surface] : [], attributes: { kind: 'sql' } });
    const set = /^(?:ALTER SYSTEM )?SET\s+(?:SESSION\s+|LOCAL\s+)?([a-z_][a-z0-9_.]*)\s*(?:=|\bTO\b)/i.exec(stmt);
    if (set && set[1]!.includes('_')) {
      const setting = settingName(set[1]!.toLowerCase());
      out.push({ type: 'ConfigParameter', name: setting, role: 'mentions', surfaces: settingAliases(setting), attributes: { kind: 'setting' }, related: [{ type: 'Command', name }] });
    }
  }
  return out;
}
