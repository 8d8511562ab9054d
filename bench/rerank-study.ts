/**
 * Can the signals search already computes reach a better ranking? Learns a
 * linear re-ranker over the 60 best fused candidates of every dev query by
 * coordinate ascent on nDCG@10 + section Hit@5, tuned on one set and scored
 * on the other (leave-one-set-out), from the indexes of
 * `npm run eval -- --index-dir DIR`:
 *   node --import tsx bench/rerank-study.ts --index-dir DIR
 * A study, not a ranking knob: its findings are in docs/benchmarks.md
 * ("Leave-one-set-out").
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { terms } from '../src/domain/text.js';
import type { SearchHit } from '../src/domain/types.js';
import { readGolden, scoreQuery, type GoldenQuery } from '../src/eval/golden.js';
import { DIVERSITY_FREE, DOC_DIVERSITY, diversify, hitFeatures } from '../src/search/search.js';

const repo = resolve(import.meta.dirname, '..');
const shared = resolve(repo, '..', 'shared', 'eval');
const { values } = parseArgs({ options: { 'index-dir': { type: 'string' }, rounds: { type: 'string', default: '2' } } });
const dir = values['index-dir'];
if (!dir) throw new Error('--index-dir is required (run npm run eval -- --index-dir DIR first)');
const sets = [
  { name: 'node', index: join(dir, 'node.db'), golden: join(shared, 'node-dev-golden.jsonl'), group: 'node' },
  { name: 'config', index: join(dir, 'node.db'), golden: join(repo, 'test', 'fixtures', 'eval', 'node-config-heldout.jsonl'), group: 'node' },
  { name: 'python', index: join(dir, 'python.db'), golden: join(shared, 'python-dev-golden.jsonl'), group: 'python' },
];
const FEATURES = ['fused', 'rank', 'lexical', 'vector', 'page', 'entity', 'graph', 'prior', 'cosine', 'coverage', 'headingCoverage', 'ownHeading', 'headingInQuery', 'entry', 'logTokens', 'level', 'parentIn', 'children'] as const;
interface Candidate { hit: SearchHit; x: number[] }
interface Query { set: string; group: string; golden: GoldenQuery; cands: Candidate[] }

const queries: Query[] = [];
const apps = new Map<string, App>();
for (const s of sets) {
  if (!apps.has(s.index)) apps.set(s.index, await App.open(loadConfig({ overrides: { index: s.index } })));
  const app = apps.get(s.index)!;
  for (const g of readGolden(s.golden)) {
    const r = await app.search(g.query, { limit: 60, diversity: 1 });
    const secs = new Map((await app.store.getSections(r.hits.map((h) => h.sectionId))).map((x) => [x.id, x]));
    const qt = terms(g.query);
    const qset = new Set(qt);
    const top20 = new Set(r.hits.slice(0, 20).map((h) => h.sectionId));
    const cands = r.hits.map((h, i): Candidate => {
      const sec = secs.get(h.sectionId)!;
      const f = hitFeatures(qt, sec, h.title, h.parts);
      const ht = [...new Set(terms(sec.heading))];
      const own = ht.filter((t) => qset.has(t)).length;
      const rrf = (k: keyof SearchHit['parts'], scaled = false) => {
        const p = h.parts[k];
        return p ? (scaled ? Math.min(1, Math.max(0, p.score)) : 1) / (20 + p.rank) : 0;
      };
      const children = r.hits.slice(0, 20).filter((o) => secs.get(o.sectionId)?.parentId === sec.id).length;
      return {
        hit: h,
        x: [h.score, 1 / (i + 1), rrf('lexical'), rrf('vector'), rrf('page'), rrf('entity', true), rrf('graph', true), rrf('prior', true), f.cosine, f.coverage, f.headingCoverage,
          qset.size ? own / qset.size : 0, ht.length ? own / ht.length : 0, sec.heading.startsWith('`') ? 1 : 0, Math.log(1 + sec.tokens), sec.level,
          sec.parentId !== null && top20.has(sec.parentId) ? 1 : 0, children],
      };
    });
    queries.push({ set: s.name, group: s.group, golden: g, cands });
  }
}
for (const a of apps.values()) await a.close();

// standardize every feature over all candidates
const all = queries.flatMap((q) => q.cands.map((c) => c.x));
const mean = FEATURES.map((_, k) => all.reduce((s, x) => s + x[k]!, 0) / all.length);
const sd = FEATURES.map((_, k) => Math.sqrt(all.reduce((s, x) => s + (x[k]! - mean[k]!) ** 2, 0) / all.length) || 1);
for (const c of queries.flatMap((q) => q.cands)) c.x = c.x.map((v, k) => (v - mean[k]!) / sd[k]!);

function rerank(q: Query, w: readonly number[]): SearchHit[] {
  const scored = q.cands.map((c) => ({ hit: c.hit, score: c.x.reduce((s, v, k) => s + v * w[k]!, 0) }));
  const top = Math.max(...scored.map((c) => c.score));
  const ordered = scored.sort((a, b) => b.score - a.score).map((c) => ({ hit: c.hit, score: Math.exp(c.score - top) }));
  return diversify(ordered, (c) => c.hit.docId, DOC_DIVERSITY, 10).map((c) => c.hit);
}
function score(qs: readonly Query[], w: readonly number[]): Map<string, { ndcg: number; shit: number }> {
  const acc = new Map<string, { n: number; ndcg: number; s: number; sn: number }>();
  for (const q of qs) {
    const m = scoreQuery(q.golden, rerank(q, w));
    const a = acc.get(q.set) ?? { n: 0, ndcg: 0, s: 0, sn: 0 };
    a.n++;
    a.ndcg += m.ndcg10;
    if (m.sectionHit5 !== null) {
      a.s += m.sectionHit5;
      a.sn++;
    }
    acc.set(q.set, a);
  }
  return new Map([...acc].map(([k, a]) => [k, { ndcg: a.ndcg / a.n, shit: a.sn ? a.s / a.sn : 0 }]));
}
const objective = (qs: readonly Query[], w: readonly number[]) => [...score(qs, w).values()].reduce((s, m) => s + m.ndcg + m.shit, 0);
function tune(qs: readonly Query[]): number[] {
  let w = FEATURES.map((f) => (f === 'fused' ? 1 : 0));
  let best = objective(qs, w);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (let k = 1; k < FEATURES.length; k++) {
      for (const step of [-0.6, -0.3, -0.15, -0.05, 0.05, 0.15, 0.3, 0.6]) {
        const w2 = [...w];
        w2[k]! += step;
        const v = objective(qs, w2);
        if (v > best + 1e-9) [best, w] = [v, w2];
      }
    }
  }
  return w;
}
const show = (m: Map<string, { ndcg: number; shit: number }>) => [...m].map(([k, v]) => `${k} ${v.ndcg.toFixed(3)} / ${v.shit.toFixed(3)}`).join(', ');
const base = FEATURES.map((f) => (f === 'fused' ? 1 : 0));
console.log(`fused order (diversity ${DOC_DIVERSITY} past ${DIVERSITY_FREE}): ${show(score(queries, base))}`);
for (const group of ['node', 'python']) {
  const train = queries.filter((q) => q.group === group);
  const test = queries.filter((q) => q.group !== group);
  const w = tune(train);
  console.log(`tuned on ${group}: in sample ${show(score(train, w))}; held out ${show(score(test, w))}`);
  console.log(`  weights: ${FEATURES.map((f, k) => [f, w[k]!] as const).filter(([, v]) => v !== 0).map(([f, v]) => `${f} ${v.toFixed(2)}`).join(', ')}`);
}
