/**
 * Search quality on both dev sets: the Node.js API docs (Markdown; the
 * shared dev set and the config set written for issue 4) and the Python 3.11
 * docs (Sphinx HTML); and on held-out sets over the PostgreSQL 15 manual
 * (DocBook HTML, `scripts/get-zoo.sh postgresql`) and git's manual pages and
 * guides (AsciiDoc HTML, `scripts/get-zoo.sh asciidoc`), never tuned on.
 * Fetches each corpus (../shared/eval/get-corpus.sh, scripts/get-zoo.sh),
 * ingests it into a fresh temp index and prints the eval table for the plain
 * BM25 floor (page and section) and every search mode. Metrics are defined as
 * ../shared/eval/score.mjs defines them; the graph mode is what search_docs
 * returns.
 *   npm run eval [-- --only node,python,postgresql,git] [-- --modes graph,bm25-section] [-- --index-dir DIR] [-- --store postgres://...] [-- --json]
 * --index-dir keeps the indexes there and reuses them on the next run (only
 * for ranking experiments: a reused index is not re-parsed).
 * --store postgres://host/db puts each set's index in schema `eval_<set>` of
 * that database instead of a SQLite file (ingested when the schema holds no
 * documents, reused otherwise: drop the schema for a fresh run).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { formatEval } from '../src/cli/main.js';
import { EVAL_MODES, readGolden, type EvalMode } from '../src/eval/golden.js';
import { EVAL_SETS, evalSet } from './lib/eval-sets.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: Object.keys(EVAL_SETS).join(',') },
    modes: { type: 'string', default: EVAL_MODES.join(',') },
    'index-dir': { type: 'string' },
    store: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const modes = values.modes!.split(',') as EvalMode[];
const keep = values['index-dir'];
const dir = keep ?? mkdtempSync(join(tmpdir(), 'dg-eval-'));
mkdirSync(dir, { recursive: true });
const all = [];
try {
  for (const set of values.only!.split(',')) {
    const spec = evalSet(set);
    const goldens = spec.goldens.map((g) => g.path);
    const corpus = spec.corpus();
    const index = join(dir, `${set}.db`);
    let app: App;
    let fresh: boolean;
    if (values.store) {
      const url = new URL(values.store);
      url.searchParams.set('schema', `eval_${set}`);
      app = await App.open(loadConfig({ overrides: { store: url.toString() } }), { create: true });
      fresh = (await app.status()).documents === 0;
    } else {
      fresh = !existsSync(index);
      app = await App.open(loadConfig({ overrides: { index } }), { create: true });
    }
    const ingest = fresh ? await app.ingest(corpus) : undefined;
    const reports = [];
    for (const golden of goldens) reports.push(await app.evaluate(readGolden(golden), modes, golden));
    await app.close();
    all.push({ set, ingest, reports });
    if (!values.json) {
      console.log(`\n## ${set}: ${corpus}` + (ingest ? ` — ${ingest.files} files, ${ingest.sections} sections, ingested in ${ingest.seconds.toFixed(1)} s` : ' (index reused)'));
      for (const report of reports) console.log(`\n${report.golden}\n${formatEval(report)}`);
    }
  }
  if (values.json) console.log(JSON.stringify(all, null, 2));
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
