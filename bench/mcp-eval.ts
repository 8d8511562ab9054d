/**
 * Search quality as an outside user measures it: ingests a corpus with the
 * CLI, starts `docgraph mcp` (stdio), asks every golden query through
 * `search_docs`, writes the hits as RESULTS JSONL and scores them with
 * ../shared/eval/score.mjs — the scorer the published figures use.
 *   node --import tsx bench/mcp-eval.ts --set node|python|postgresql|git [--index FILE] [--keep] [--out FILE]
 * With --index pointing at an existing index the ingest is skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readGolden, scoreQuery } from '../src/eval/golden.js';
import { evalSet } from './lib/eval-sets.js';

const repo = resolve(import.meta.dirname, '..');
const shared = resolve(repo, '..', 'shared', 'eval');
const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'node' },
    index: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const set = values.set!;
const spec = evalSet(set);
const golden = spec.goldens[0]!.path;
const corpus = spec.corpus();
const dir = mkdtempSync(join(tmpdir(), 'dg-mcp-eval-'));
const index = values.index ?? join(dir, 'index.db');
const cli = join(repo, 'bin', 'docgraph.js');
try {
  if (!existsSync(index)) {
    const t0 = performance.now();
    execFileSync(process.execPath, [cli, '--index', index, 'ingest', corpus], { stdio: ['ignore', 'ignore', 'inherit'] });
    console.error(`ingested ${corpus} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, '--index', index, 'mcp'], stderr: 'inherit' });
  const client = new Client({ name: 'mcp-eval', version: '1' });
  await client.connect(transport);
  const lines: string[] = [];
  const ours: ReturnType<typeof scoreQuery>[] = [];
  for (const q of readGolden(golden)) {
    const t0 = performance.now();
    const r = await client.callTool({ name: 'search_docs', arguments: { query: q.query } });
    const ms = performance.now() - t0;
    const hits = ((r.structuredContent as { hits?: { uri: string; anchor: string; heading_path: string[] }[] })?.hits ?? []).map((h) => ({
      doc: h.uri,
      anchor: h.anchor,
      heading: h.heading_path.at(-1),
    }));
    lines.push(JSON.stringify({ id: q.id, hits, ms }));
    ours.push(scoreQuery(q, hits.map((h) => ({ uri: h.doc, anchor: h.anchor, heading: h.heading ?? '' }))));
  }
  await client.close();
  const out = values.out ?? join(dir, 'results.jsonl');
  writeFileSync(out, lines.join('\n') + '\n');
  execFileSync(process.execPath, [join(shared, 'score.mjs'), golden, out, '--name', `docgraph mcp ${set}`], { stdio: 'inherit' });
  // the same hits through docgraph's own scorer (docgraph eval): the two must agree
  const sections = ours.filter((m) => m.sectionHit5 !== null);
  const mean = (xs: number[]): string => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(3);
  console.log(`docgraph's scorer on the same hits: nDCG@10 ${mean(ours.map((m) => m.ndcg10))}  MRR@10 ${mean(ours.map((m) => m.mrr10))}  sHit@5 ${mean(sections.map((m) => m.sectionHit5!))} (${sections.length})`);
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);
}
