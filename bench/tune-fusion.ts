/**
 * Sweeps fusion weights on a golden set against an existing index and prints
 * nDCG@10 and section Hit@5 (overall and per intent) for each setting. Used
 * to choose DEFAULT_FUSION; never special-cases a query.
 *   node --import tsx bench/tune-fusion.ts <index.db> <golden.jsonl> [fused|graph]
 */
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { readGolden, runEval } from '../src/eval/golden.js';
import { DEFAULT_FUSION } from '../src/search/fusion.js';
import type { SearchMode } from '../src/search/search.js';

const [index, goldenPath, modeArg] = process.argv.slice(2);
if (!index || !goldenPath) {
  console.error('usage: tune-fusion.ts <index.db> <golden.jsonl> [fused|graph]');
  process.exit(2);
}
const mode = (modeArg ?? 'fused') as SearchMode;
const app = await App.open(loadConfig({ overrides: { index } }));
const golden = readGolden(goldenPath);
const grid =
  mode === 'graph'
    ? [0, 0.25, 0.5, 1].flatMap((entity) => [0, 0.25, 0.5].map((graph) => ({ ...DEFAULT_FUSION.weights, entity, graph })))
    : [0.25, 0.5, 0.75, 1].map((vector) => ({ lexical: 1, vector }));
for (const k of mode === 'graph' ? [DEFAULT_FUSION.k] : [5, 10, 20, 40, 60]) {
  for (const weights of grid) {
    const fusion = { weights, k };
    const r = await runEval(golden, [mode], async (q) => (await app.search(q, { mode, limit: 10, fusion })).hits);
    const cells = r.rows.map((x) => `${x.intent}=${x.ndcg10.toFixed(3)}/${(x.sectionHit5 ?? 0).toFixed(2)}`);
    console.log(`k=${k} ${JSON.stringify(weights)}\t${cells.join(' ')}`);
  }
}
await app.close();
