/**
 * Fits the hit confidence (SearchHit.confidence) as a logistic model of the
 * hit features (search.ts hitFeatures) on both dev sets, and reports its
 * calibration: expected calibration error (ECE, 10 bins) on each set, fitted
 * on both and leave-one-set-out (fitted on the other set only).
 *   node --import tsx bench/calibrate.ts --index-dir DIR   (indexes from npm run eval -- --index-dir DIR)
 * The label of a hit: its document is judged relevant (grade ≥ 1) for the query.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { terms } from '../src/domain/text.js';
import { readGolden } from '../src/eval/golden.js';
import { hitFeatures } from '../src/search/search.js';

const repo = resolve(import.meta.dirname, '..');
const shared = resolve(repo, '..', 'shared', 'eval');
const { values } = parseArgs({ options: { 'index-dir': { type: 'string' } } });
const dir = values['index-dir'];
if (!dir) throw new Error('--index-dir is required');
type Row = { x: number[]; y: number; top: boolean };
const data: Record<string, Row[]> = {};
for (const [name, db, golden] of [
  ['node', 'node.db', join(shared, 'node-dev-golden.jsonl')],
  ['python', 'python.db', join(shared, 'python-dev-golden.jsonl')],
] as const) {
  const app = await App.open(loadConfig({ overrides: { index: join(dir, db) } }));
  const rows: Row[] = [];
  for (const q of readGolden(golden)) {
    const r = await app.search(q.query, { limit: 10 });
    const sections = new Map((await app.store.getSections(r.hits.map((h) => h.sectionId))).map((s) => [s.id, s]));
    const rel = new Set(q.relevant.map((x) => x.doc));
    r.hits.forEach((h, i) => {
      const f = hitFeatures(terms(q.query), sections.get(h.sectionId)!, h.title, h.parts);
      rows.push({ x: [1, f.coverage, f.headingCoverage, f.cosine, 1 / (i + 1)], y: rel.has(h.uri) ? 1 : 0, top: i === 0 });
    });
  }
  data[name] = rows;
  await app.close();
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
function fit(rows: Row[]): number[] {
  const w = new Array(rows[0]!.x.length).fill(0) as number[];
  for (let it = 0; it < 5000; it++) {
    const g = new Array(w.length).fill(0) as number[];
    for (const r of rows) {
      const p = sigmoid(r.x.reduce((s, x, i) => s + x * w[i]!, 0));
      r.x.forEach((x, i) => (g[i]! += (p - r.y) * x));
    }
    w.forEach((_, i) => (w[i]! -= (0.5 * g[i]!) / rows.length + 1e-4 * (i > 0 ? w[i]! : 0)));
  }
  return w;
}
function ece(rows: Row[], w: number[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, p: 0, y: 0 }));
  for (const r of rows) {
    const p = sigmoid(r.x.reduce((s, x, i) => s + x * w[i]!, 0));
    const b = bins[Math.min(9, Math.floor(p * 10))]!;
    b.n++;
    b.p += p;
    b.y += r.y;
  }
  return bins.reduce((s, b) => s + (b.n ? (b.n / rows.length) * Math.abs(b.p / b.n - b.y / b.n) : 0), 0);
}
const both = fit([...data.node!, ...data.python!]);
console.log('coefficients [bias, coverage, headingCoverage, cosine, 1/rank]:', both.map((x) => x.toFixed(3)).join(', '));
for (const [name, other] of [['node', 'python'], ['python', 'node']] as const) {
  const loso = fit(data[other]!);
  const base = data[name]!.reduce((s, r) => s + r.y, 0) / data[name]!.length;
  const tops = data[name]!.filter((r) => r.top);
  console.log(`${name} top hits: ${tops.length}, ${((tops.reduce((s, r) => s + r.y, 0) / tops.length) * 100).toFixed(0)}% relevant; ECE both ${ece(tops, both).toFixed(3)}, other only ${ece(tops, loso).toFixed(3)}`);
  console.log(`${name}: ${data[name]!.length} hits, ${(base * 100).toFixed(0)}% relevant; ECE fitted on both ${ece(data[name]!, both).toFixed(3)}, fitted on ${other} only ${ece(data[name]!, loso).toFixed(3)}`);
}
