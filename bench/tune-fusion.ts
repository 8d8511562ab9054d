/**
 * Sweeps fusion parameters on a golden set against an existing index and
 * prints nDCG@10 and section Hit@5 for each setting. Used to choose
 * DEFAULT_FUSION; never special-cases a query.
 *   node --import tsx bench/tune-fusion.ts <index.db> <golden.jsonl>
 */
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { readGolden, runEval } from '../src/eval/golden.js';

const [index, goldenPath] = process.argv.slice(2);
if (!index || !goldenPath) {
  console.error('usage: tune-fusion.ts <index.db> <golden.jsonl>');
  process.exit(2);
}
const app = await App.open(loadConfig({ overrides: { index } }));
const golden = readGolden(goldenPath);
const rows: string[] = [];
for (const k of [5, 10, 20, 40, 60]) {
  for (const wv of [0.25, 0.5, 0.75, 1]) {
    const fusion = { weights: { lexical: 1, vector: wv }, k };
    const r = await runEval(golden, ['fused'], (q, mode) => app.search(q, { mode, limit: 20, fusion }));
    const all = r.rows.find((x) => x.intent === 'all')!;
    rows.push(`k=${k} wv=${wv}\tnDCG=${all.ndcg10.toFixed(3)}\tsecHit5=${all.sectionHit5.toFixed(3)}\tMRR=${all.mrr10.toFixed(3)}`);
    console.log(rows[rows.length - 1]);
  }
}
await app.close();
