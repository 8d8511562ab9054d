/**
 * A fixed search workload for timing whole processes side by side: opens an
 * index and runs every query of a golden set `--rounds` times (graph mode,
 * ten hits), printing nothing. Compare two builds or two indexes with
 *   farm-bench -n 6 --vs 'node --import tsx bench/search-latency.ts OLD.db GOLDEN' -- node --import tsx bench/search-latency.ts NEW.db GOLDEN
 * (run each from its own checkout), and read the paired CPU ratio.
 */
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import { readGolden } from '../src/eval/golden.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '3' } } });
const [index, golden] = positionals;
if (!index || !golden) throw new Error('usage: search-latency.ts <index.db> <golden.jsonl> [--rounds 3]');
const app = await App.open(loadConfig({ overrides: { index } }));
const queries = readGolden(golden);
for (let round = 0; round < Number(values.rounds); round++) for (const q of queries) await app.search(q.query, { limit: 10 });
await app.close();
