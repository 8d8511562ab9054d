/**
 * A digest of the parser's output over a folder: every .md/.markdown/.mdx and
 * .html/.htm/.xhtml file through the real parseFile, the result (or the
 * refusal's reason) as JSON, hashed per file and in all. Run it before and
 * after a parser change that must not change output on real documents:
 *
 *   node --import tsx bench/parse-digest.ts ~/.cache/docgraph-corpora/node [--list]
 *
 * prints `<sha256 of all> <files> files <seconds> s`; --list adds one line per file; --omit FIELD (repeatable)
 * leaves a field out, so a change that adds one can show that nothing else moved.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatOf } from '../src/parse/input.js';
import { parseFile } from '../src/parse/parse-file.js';

const { values, positionals } = parseArgs({ options: { list: { type: 'boolean', default: false }, omit: { type: 'string', multiple: true, default: [] } }, allowPositionals: true });
/** Fields left out of the digest (`--omit aliases`): a change that adds a field shows the rest unchanged. */
const omitted = new Set(values.omit);
if (positionals.length !== 1) {
  process.stderr.write('usage: node --import tsx bench/parse-digest.ts FOLDER [--list] [--omit FIELD]...\n');
  process.exit(2);
}
const root = positionals[0]!;

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* files(path);
    else if (e.isFile() && formatOf(e.name)) yield path;
  }
}

const all = createHash('sha256');
let count = 0;
const started = performance.now();
for (const path of files(root)) {
  const uri = relative(root, path);
  let out: string;
  try {
    out = JSON.stringify(parseFile(uri, readFileSync(path)), (key, value: unknown) => (omitted.has(key) ? undefined : value));
  } catch (e) {
    out = JSON.stringify({ refused: (e as { reason?: string }).reason ?? (e instanceof Error ? e.name : 'error') });
  }
  const digest = createHash('sha256').update(out).digest('hex');
  all.update(`${uri}\0${digest}\n`);
  count++;
  if (values.list) process.stdout.write(`${digest} ${uri}\n`);
}
process.stdout.write(`${all.digest('hex')} ${count} files ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
