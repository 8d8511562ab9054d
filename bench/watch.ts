/**
 * Watch latency: a file saved → searchable (its new content committed to the
 * index), through a real `docgraph watch` process with default settings
 * (debounce, write-stability wait, worker poll). 100 edits, one at a time,
 * each to a random page of a 50-page folder, with 0–200 ms between an edit
 * becoming searchable and the next save.
 *
 *   node --import tsx bench/watch.ts [--edits 100] [--pages 50]
 *
 * "Searchable" is observed by polling the index file every 5 ms for the
 * document's new checksum (the document, its sections, lexical rows and
 * vectors are written in one transaction); the last edit is also looked up
 * through `docgraph search` to show it is found.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { machineInfo } from './lib/machine.js';
import { latency } from './lib/stats.js';

const { values } = parseArgs({ options: { edits: { type: 'string', default: '100' }, pages: { type: 'string', default: '50' } } });
const EDITS = Number(values.edits);
const PAGES = Number(values.pages);
const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'run.ts');
/** tsx by absolute path: the watcher runs in a temp folder. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const page = (i: number, rev: number): string =>
  `# Page ${i}\n\nRevision ${rev} of page ${i}: edit${i}r${rev}word.\n\n## Details\n\nThe widget server reads its settings at start (page ${i}, revision ${rev}).\n`;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

const dir = mkdtempSync(join(tmpdir(), 'docgraph-bench-watch-'));
const docs = join(dir, 'docs');
mkdirSync(docs);
const index = join(dir, 'index.db');
const revs = Array.from({ length: PAGES }, () => 0);
for (let i = 0; i < PAGES; i++) writeFileSync(join(docs, `page-${i}.md`), page(i, 0));

const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOCGRAPH_')));
const child = spawn('node', ['--import', TSX, CLI, '--index', index, 'watch', docs], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
const deadline = Date.now() + 60_000;
while (!/watching/.test(stderr)) {
  if (child.exitCode !== null || Date.now() > deadline) throw new Error(`docgraph watch did not start:\n${stderr}`);
  await sleep(20);
}

const db = new Database(index, { readonly: true });
db.pragma('busy_timeout = 10000');
const checksumOf = db.prepare('SELECT checksum FROM documents WHERE uri = ?').pluck();
const waitFor = async (uri: string, sum: string, what: string): Promise<void> => {
  const until = Date.now() + 60_000;
  while (checksumOf.get(uri) !== sum) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};
// the initial sync indexes the folder first
for (let i = 0; i < PAGES; i++) await waitFor(`page-${i}.md`, sha(page(i, 0)), 'the initial sync');

const samples: number[] = [];
let last = { i: 0, rev: 0 };
for (let e = 0; e < EDITS; e++) {
  const i = Math.floor(Math.random() * PAGES);
  const rev = ++revs[i]!;
  const text = page(i, rev);
  const t0 = performance.now();
  writeFileSync(join(docs, `page-${i}.md`), text);
  await waitFor(`page-${i}.md`, sha(text), `edit ${e}`);
  samples.push(performance.now() - t0);
  last = { i, rev };
  await sleep(Math.random() * 200);
}
db.close();

const search = spawn('node', ['--import', TSX, CLI, '--index', index, 'search', `edit${last.i}r${last.rev}word`, '--json', '--limit', '1'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
search.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
await new Promise((r) => search.once('exit', r));
const top = (JSON.parse(out) as { hits: { uri: string }[] }).hits[0]?.uri;

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const l = latency(samples);
const m = machineInfo();
console.log(`watch latency, file saved → searchable: ${EDITS} edits over ${PAGES} pages, default settings (debounce 150 ms, stable 200 ms, worker poll 250 ms)`);
console.log(`machine: ${m.cpus} × ${m.cpuModel}, ${m.ramGiB} GiB, node ${m.node}, commit ${m.commit}, ${m.date}`);
console.log(`| edits | p50 ms | p95 ms | p99 ms | mean ms | max ms |\n|---|---|---|---|---|---|\n| ${l.n} | ${l.p50.toFixed(0)} | ${l.p95.toFixed(0)} | ${l.p99.toFixed(0)} | ${l.mean.toFixed(0)} | ${l.max.toFixed(0)} |`);
console.log(`last edit found by search: ${top === `page-${last.i}.md` ? 'yes' : `no (top hit ${top})`}`);
