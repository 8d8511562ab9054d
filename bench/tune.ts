/**
 * Sweeps one ranking knob over both dev sets at once (indexes made by
 * `npm run eval -- --index-dir DIR`), so every setting is read on Node and on
 * Python side by side: a value that helps one set and costs the other is
 * rejected. Prints nDCG@10 / section Hit@5 per set and the worst intent
 * margin over the plain BM25 floor.
 *   node --import tsx bench/tune.ts --index-dir DIR --knob diversity --values 1,0.9,0.8,0.7
 * Knobs: diversity (SearchOptions.diversity), and any fusion weight as
 * weight.<retriever> (e.g. weight.vector), or k.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { readGolden, runEval, type EvalReport } from '../src/eval/golden.js';
import { DEFAULT_FUSION } from '../src/search/fusion.js';
import { EVAL_SETS } from './lib/eval-sets.js';
import type { SearchOptions } from '../src/search/search.js';

const { values } = parseArgs({
  options: {
    'index-dir': { type: 'string' },
    knob: { type: 'string', default: 'diversity' },
    values: { type: 'string', default: '1' },
  },
});
const dir = values['index-dir'];
if (!dir) throw new Error('--index-dir is required (run npm run eval -- --index-dir DIR first)');
// every golden of every set whose index is there (held-out sets after `npm run eval` with them: read beside the others, never chosen on)
const sets = Object.entries(EVAL_SETS)
  .flatMap(([set, spec]) => spec.goldens.map((g) => ({ name: g.name, index: join(dir, `${set}.db`), golden: g.path })))
  .filter((s) => existsSync(s.index));

function options(knob: string, v: number): SearchOptions {
  if (knob === 'diversity') return { diversity: v };
  if (knob === 'k') return { fusion: { ...DEFAULT_FUSION, k: v } };
  if (knob.startsWith('weight.')) return { fusion: { ...DEFAULT_FUSION, weights: { ...DEFAULT_FUSION.weights, [knob.slice(7)]: v } } };
  throw new Error(`unknown knob ${knob}`);
}

const apps = new Map<string, App>();
for (const s of sets) if (!apps.has(s.index)) apps.set(s.index, await App.open(loadConfig({ overrides: { index: s.index } })));
const floors = new Map<string, EvalReport>();
for (const s of sets) floors.set(s.name, await apps.get(s.index)!.evaluate(readGolden(s.golden), ['bm25-page', 'bm25-section'], s.golden));
for (const v of values.values!.split(',').map(Number)) {
  const cells: string[] = [];
  for (const s of sets) {
    const app = apps.get(s.index)!;
    const r = await runEval(readGolden(s.golden), ['graph'], async (q) => (await app.search(q, { limit: 10, ...options(values.knob!, v) })).hits, s.golden);
    const all = r.rows.find((x) => x.intent === 'all')!;
    // the worst intent's margin over the better of the two floors
    let worst = Infinity;
    let worstIntent = '';
    for (const row of r.rows) {
      if (row.intent === 'all') continue;
      const floor = Math.max(...floors.get(s.name)!.rows.filter((f) => f.intent === row.intent).map((f) => f.ndcg10));
      if (row.ndcg10 - floor < worst) {
        worst = row.ndcg10 - floor;
        worstIntent = row.intent;
      }
    }
    cells.push(`${s.name} ${all.ndcg10.toFixed(3)}/${(all.sectionHit5 ?? 0).toFixed(3)} (worst ${worstIntent} ${worst >= 0 ? '+' : ''}${worst.toFixed(3)})`);
  }
  console.log(`${values.knob}=${v}\t${cells.join('\t')}`);
}
for (const app of apps.values()) await app.close();
