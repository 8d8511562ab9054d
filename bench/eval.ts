/**
 * Search quality on the Node.js API docs dev set: fetches the corpus
 * (../shared/eval/get-corpus.sh node), ingests it into a fresh temp index and
 * prints the eval table for lexical, vector, fused and graph retrieval, for
 * the shared dev set and for the config set written for issue 4
 * (test/fixtures/eval/node-config-heldout.jsonl).
 *   npm run eval [-- --golden <file> ...] [-- --corpus <dir>] [-- --json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { formatEval } from '../src/cli/main.js';
import { readGolden, runEval } from '../src/eval/golden.js';

const repo = resolve(import.meta.dirname, '..');
const shared = resolve(repo, '..', 'shared', 'eval');
const { values } = parseArgs({
  options: {
    golden: { type: 'string', multiple: true, default: [join(shared, 'node-dev-golden.jsonl'), join(repo, 'test', 'fixtures', 'eval', 'node-config-heldout.jsonl')] },
    corpus: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const corpus = values.corpus ?? execFileSync(join(shared, 'get-corpus.sh'), ['node'], { encoding: 'utf8' }).trim();
const dir = mkdtempSync(join(tmpdir(), 'dg-eval-'));
try {
  const app = await App.open(loadConfig({ overrides: { index: join(dir, 'index.db') } }), { create: true });
  const ingest = await app.ingest(corpus);
  const reports = [];
  for (const golden of values.golden) {
    reports.push(await runEval(readGolden(golden), ['lexical', 'vector', 'fused', 'graph'], (q, mode) => app.search(q, { mode, limit: 20 }), golden));
  }
  await app.close();
  if (values.json) console.log(JSON.stringify({ ingest, reports }, null, 2));
  else {
    console.log(`corpus ${corpus}: ${ingest.files} files, ${ingest.sections} sections, ingested in ${ingest.seconds.toFixed(1)} s`);
    for (const report of reports) console.log(`\n${report.golden}\n${formatEval(report)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
