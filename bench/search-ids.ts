/**
 * The ranked ids and scores of every query of golden sets, one line each, to
 * diff two builds' rankings (a change meant only to make search cheaper must
 * leave this output identical):
 *   node --import tsx bench/search-ids.ts INDEX.db GOLDEN... > before.txt
 * Graph mode at 10 and 100 hits and the second page of ten, and the lexical
 * and vector retrievers alone.
 */
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { readGolden } from '../src/eval/golden.js';
import type { SearchMode } from '../src/search/search.js';

const [index, ...goldens] = process.argv.slice(2);
if (!index || goldens.length === 0) throw new Error('usage: search-ids.ts <index.db> <golden.jsonl>...');
const app = await App.open(loadConfig({ overrides: { index } }));
const runs: [SearchMode, number, number][] = [['graph', 10, 0], ['graph', 100, 0], ['graph', 10, 10], ['lexical', 100, 0], ['vector', 100, 0]];
for (const golden of goldens) {
  for (const q of readGolden(golden)) {
    for (const [mode, limit, offset] of runs) {
      const r = await app.search(q.query, { mode, limit, offset });
      const hits = r.hits.map((h) => `${h.sectionId}:${h.score}:${h.confidence}:${JSON.stringify(h.parts)}:${JSON.stringify(h.via ?? [])}:${h.snippet}`).join(' ');
      console.log(`${mode}@${limit}+${offset}\t${q.query}\t${r.weak}\t${hits}`);
    }
  }
}
await app.close();
