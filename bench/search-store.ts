/**
 * Warm search latency of one index, SQLite file or PostgreSQL URL, over a
 * golden set's queries (bench/tasks/search.ts: every mode, rounds
 * interleaved), printed as one table: p50 / p95 wall and CPU ms per mode.
 *
 *   node --import tsx bench/search-store.ts <index.db | postgres://...> <golden.jsonl> [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { SEARCH_MODES, type SearchMode } from '../src/search/search.js';
import { searchTask } from './tasks/search.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '5' } } });
const [index, golden] = positionals;
if (!index || !golden) throw new Error('usage: search-store.ts <index.db | postgres://...> <golden.jsonl> [--rounds 5]');
const r = await searchTask({ index, golden, rounds: Number(values.rounds), limit: 10, modes: [...SEARCH_MODES] as SearchMode[] });
console.log(`${r.queries} queries × ${r.rounds} rounds, limit ${r.limit}`);
console.log('| mode | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |');
console.log('|---|---:|---:|---:|---:|');
for (const mode of SEARCH_MODES) {
  const l = r.latency[mode];
  const c = r.cpu[mode];
  if (l && c) console.log(`| ${mode} | ${l.p50.toFixed(2)} | ${l.p95.toFixed(2)} | ${c.p50.toFixed(2)} | ${c.p95.toFixed(2)} |`);
}
