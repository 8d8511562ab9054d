/**
 * Refits the builtin embedder of existing indexes with other settings and
 * scores the vector retriever and the full search (graph mode) on both dev
 * sets, without re-parsing: the model, the embedder id and every vector are
 * replaced in a copy of each index.
 *   node --import tsx bench/embedder-fit.ts --index-dir DIR [--lsa 64] [--hash 320] [--lexical-weight 0.5] [--terms 20000]
 * DIR holds node.db and python.db (from `npm run eval -- --index-dir DIR`).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { BuiltinEmbedder } from '../src/embed/builtin/builtin.js';
import { fitModel, serializeModel } from '../src/embed/builtin/model.js';
import { readGolden } from '../src/eval/golden.js';
import { embedTextOf } from '../src/ingest/records.js';

const repo = resolve(import.meta.dirname, '..');
const shared = resolve(repo, '..', 'shared', 'eval');
const { values } = parseArgs({
  options: {
    'index-dir': { type: 'string' },
    lsa: { type: 'string', default: '64' },
    hash: { type: 'string', default: '320' },
    'lexical-weight': { type: 'string', default: '0.5' },
    terms: { type: 'string', default: '20000' },
  },
});
const dir = values['index-dir'];
if (!dir) throw new Error('--index-dir is required');
const work = mkdtempSync(join(tmpdir(), 'dg-embfit-'));
const sets = [
  { name: 'node', db: 'node.db', golden: [join(shared, 'node-dev-golden.jsonl'), join(repo, 'test', 'fixtures', 'eval', 'node-config-heldout.jsonl')] },
  { name: 'python', db: 'python.db', golden: [join(shared, 'python-dev-golden.jsonl')] },
];
try {
  const cells: string[] = [];
  for (const set of sets) {
    const index = join(work, set.db);
    copyFileSync(join(dir, set.db), index);
    const app = await App.open(loadConfig({ overrides: { index } }));
    const titles = new Map((await app.store.listDocuments()).map((d) => [d.id, d.title]));
    const ids: string[] = [];
    const texts: string[] = [];
    for await (const s of app.store.allSections()) {
      ids.push(s.id);
      texts.push(embedTextOf(s.headingPath, titles.get(s.docId) ?? '', s.text));
    }
    const t0 = performance.now();
    const model = fitModel(texts, { lsaDims: Number(values.lsa), hashDims: Number(values.hash), lexicalWeight: Number(values['lexical-weight']), maxProjectionTerms: Number(values.terms) });
    const fitS = (performance.now() - t0) / 1000;
    const embedder = new BuiltinEmbedder(model);
    const info = embedder.info();
    await app.store.putBlob('builtin-model', new Uint8Array(serializeModel(model)));
    await app.store.setEmbedder({ id: info.id, provider: info.provider, model: info.model, dimensions: info.dimensions });
    const vectors = new Map<string, Float32Array>();
    ids.forEach((id, i) => vectors.set(id, embedder.embedOne(texts[i]!)));
    await app.store.putVectors(vectors);
    for (const golden of set.golden) {
      const r = await app.evaluate(readGolden(golden), ['vector', 'graph'], golden);
      const row = (mode: string) => r.rows.find((x) => x.mode === mode && x.intent === 'all')!;
      const label = golden.includes('config') ? 'config' : set.name;
      cells.push(`${label} vector ${row('vector').ndcg10.toFixed(3)}/${(row('vector').sectionHit5 ?? 0).toFixed(3)} graph ${row('graph').ndcg10.toFixed(3)}/${(row('graph').sectionHit5 ?? 0).toFixed(3)}`);
    }
    cells.push(`fit ${fitS.toFixed(1)} s`);
    await app.close();
  }
  console.log(`lsa=${values.lsa} hash=${values.hash} lexw=${values['lexical-weight']} terms=${values.terms}\t${cells.join('\t')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
