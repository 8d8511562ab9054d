/**
 * Shared by the queue end-to-end tests: the docgraph CLI as real child
 * processes in a temp folder with its own config file, small generated
 * Markdown folders, and looks at the index through the ports (Store,
 * JobQueue), as the CLI itself looks: never at tables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { IngestReport } from '../../src/ingest/ingest.js';
import { openBackend } from '../../src/app/backend.js';
import type { JobQueue, QueueCounts } from '../../src/queue/queue.js';
import type { IntegrityReport } from '../../src/store/integrity.js';
import type { Store } from '../../src/store/store.js';
import { CLI_JS, repo } from './cli.js';

export { repo };

/** A temp working folder with a docgraph.config.yaml (and the index at ./index.db). */
export function workspace(config: Record<string, unknown> = {}, prefix = 'dg-e2e-'): { dir: string; index: string; docs: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'docgraph.config.yaml'), stringify({ index: 'index.db', ...config }));
  const docs = join(dir, 'docs');
  mkdirSync(docs);
  return { dir, index: join(dir, 'index.db'), docs };
}

/** Environment for a child: no stray DOCGRAPH_* from the developer's shell. */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DOCGRAPH_')) env[k] = v;
  return { ...env, ...extra };
}

export interface Child {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves once stderr matches; rejects if the process exits first or `timeoutMs` passes (a bound, not an assertion on time). */
  waitFor: (re: RegExp, timeoutMs?: number) => Promise<void>;
  signal: (s: NodeJS.Signals) => void;
}

/** Starts `docgraph ...args` in `cwd` (`cli`: the CLI's entry script, another copy of it than the tests'). */
export function start(cwd: string, args: string[], env: Record<string, string> = {}, cli = CLI_JS): Child {
  const child = spawn('node', [cli, ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    signal: (s) => void child.kill(s),
    waitFor: async (re, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(err)) {
        if (done) throw new Error(`docgraph ${args.join(' ')} exited before stderr matched ${re}:\n${err}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} on stderr of docgraph ${args.join(' ')}:\n${err}`);
        await sleep(20);
      }
    },
  };
}

/** Runs `docgraph ...args` to the end. */
export async function run(cwd: string, args: string[], env: Record<string, string> = {}, cli = CLI_JS): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = start(cwd, args, env, cli);
  const code = await c.exited;
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** A small Markdown document with `sections` sections and a word no other document has (`token(i)`). */
export function doc(i: number, sections = 4, revision = 0): string {
  const parts = [`# Page ${i}\n\nThis page is about ${token(i)}${revision ? ` revision ${revision}` : ''}.\n`];
  for (let k = 1; k < sections; k++) {
    parts.push(`## Topic ${k}\n\nPage ${i} topic ${k} explains how the widget server handles request number ${k * 7 + i} and ${token(i)}. Run \`widgetd --port ${8000 + k}\` to try it.\n`);
  }
  return parts.join('\n');
}

/** A word only document `i` contains (letters only, so the tokenizer keeps it whole). */
export function token(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `zq${s}x`;
}

/** Writes `n` generated documents into `dir` as page-<i>.md (in a few sub-folders). */
export function writeDocs(dir: string, n: number, sections = 4): string[] {
  const uris: string[] = [];
  for (let i = 0; i < n; i++) {
    const uri = `part-${i % 5}/page-${i}.md`;
    mkdirSync(dirname(join(dir, uri)), { recursive: true });
    writeFileSync(join(dir, uri), doc(i, sections));
    uris.push(uri);
  }
  return uris;
}

/** Runs `fn` with the Store on the index (through the backend factory; closed after). */
export async function withStore<T>(index: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const backend = await openBackend({ store: index });
  try {
    return await fn(backend.store);
  } finally {
    await backend.close();
  }
}

/** The index's own consistency report (IndexIntegrity.check, what `docgraph verify` starts from), for the current embedder. */
export async function integrityOf(index: string): Promise<IntegrityReport> {
  const backend = await openBackend({ store: index });
  try {
    return await backend.integrity.check((await backend.store.getEmbedder())?.dimensions);
  } finally {
    await backend.close();
  }
}

/** Job counts by state, as `docgraph status` shows them. */
export function jobCounts(index: string): Promise<QueueCounts> {
  return withQueue(index, (q) => q.counts());
}

/** The uris of the indexed documents, in order. */
export function indexedUris(index: string): Promise<string[]> {
  return withStore(index, async (s) => (await s.listDocuments()).map((d) => d.uri));
}

/** Resolves once `predicate` holds, polling; a bound, not a timing assertion. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Runs `fn` with a queue handle on the index (closed after): to look at jobs the way `docgraph jobs` does. */
export async function withQueue<T>(index: string, fn: (q: JobQueue) => Promise<T>): Promise<T> {
  const backend = await openBackend({ store: index });
  const q = backend.openQueue();
  try {
    return await fn(q);
  } finally {
    await q.close();
    await backend.close();
  }
}

/**
 * `docgraph ingest docs --no-wait` of a workspace, in this process (the same
 * App call the CLI makes, without paying for a process start): plans and
 * queues the jobs, fitting the model if needed.
 */
export async function queueDocs(dir: string): Promise<IngestReport> {
  const app = await App.open(loadConfig({ cwd: dir, env: {} }), { create: true });
  try {
    return await app.ingest(join(dir, 'docs'), undefined, { wait: false });
  } finally {
    await app.close();
  }
}
