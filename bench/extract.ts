/**
 * Entity extraction on the Node.js API docs: time against parsing, what is
 * extracted, and precision over the hand-labelled sample
 * (test/fixtures/extract/node-labels.jsonl).
 *   node --import tsx bench/extract.ts [--runs 5] [--corpus <dir>] [--json]
 *   node --import tsx bench/extract.ts --sample   # sampled entities not labelled yet, as JSONL with context
 */
import { parseArgs } from 'node:util';
import type { EdgeType, EntityType } from '../src/domain/types.js';
import { extractDocument } from '../src/extract/extract.js';
import { machineInfo } from './lib/machine.js';
import { median } from './lib/stats.js';
import {
  extractCorpus,
  labelKey,
  loadCorpus,
  nodeCorpusDir,
  precision,
  readLabels,
  sample,
  type CorpusDoc,
  type Extracted,
} from '../test/fixtures/extract/node-corpus.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    corpus: { type: 'string' },
    json: { type: 'boolean', default: false },
    sample: { type: 'boolean', default: false },
  },
});
const runs = Math.max(1, Number.parseInt(values.runs, 10) || 5);
const dir = values.corpus ?? nodeCorpusDir();

function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

if (values.sample) {
  printSample(loadCorpus(dir));
} else {
  const parseMs: number[] = [];
  let docs: CorpusDoc[] = [];
  for (let i = 0; i < runs; i++) {
    const [d, ms] = timed(() => loadCorpus(dir));
    docs = d;
    parseMs.push(ms);
  }
  const sections = docs.reduce((n, d) => n + d.input.sections.length, 0);
  extractCorpus(docs); // warm-up: the first run also compiles the rules
  const extractMs: number[] = [];
  for (let i = 0; i < runs; i++) extractMs.push(timed(() => extractCorpus(docs))[1]);
  const { extractions, entities } = extractCorpus(docs);

  const perDoc = new Map<EntityType, number>();
  const unique = new Map<EntityType, Set<string>>();
  const edges = new Map<EdgeType, number>();
  for (const x of extractions.values()) {
    for (const e of x.entities) {
      perDoc.set(e.type, (perDoc.get(e.type) ?? 0) + 1);
      unique.set(e.type, (unique.get(e.type) ?? new Set()).add(e.id));
    }
    for (const e of x.edges) edges.set(e.type, (edges.get(e.type) ?? 0) + 1);
  }
  const labels = readLabels();
  const table = precision(labels, entities);
  // the sample is stratified by type; weight each type's precision by how many the corpus has to estimate the whole
  const population = [...perDoc.values()].reduce((a, b) => a + b, 0);
  const weighted = table.filter((r) => r.type !== 'all' && r.produced > 0).reduce((acc, r) => acc + r.precision * ((perDoc.get(r.type as EntityType) ?? 0) / population), 0);
  const result = {
    machine: machineInfo(),
    corpus: dir,
    files: docs.length,
    sections,
    parseMs: median(parseMs),
    extractMs: median(extractMs),
    extractMsMin: Math.min(...extractMs),
    ratio: median(extractMs) / median(parseMs),
    entitiesPerDocument: Object.fromEntries([...perDoc].sort()),
    entitiesUnique: Object.fromEntries([...unique].map(([t, s]) => [t, s.size]).sort()),
    edges: Object.fromEntries([...edges].sort()),
    precision: table,
    weightedPrecision: weighted,
  };
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else print(result);
}

function print(r: {
  machine: ReturnType<typeof machineInfo>;
  corpus: string;
  files: number;
  sections: number;
  parseMs: number;
  extractMs: number;
  extractMsMin: number;
  ratio: number;
  entitiesPerDocument: Record<string, number>;
  entitiesUnique: Record<string, number>;
  edges: Record<string, number>;
  precision: ReturnType<typeof precision>;
  weightedPrecision: number;
}): void {
  const m = r.machine;
  console.log(`# Entity extraction, Node.js API docs (${m.date})\n`);
  console.log(`${m.cpus} × ${m.cpuModel}, Node ${m.node}; corpus ${r.corpus}: ${r.files} files, ${r.sections} sections\n`);
  console.log(`| step | median of ${runs} runs | per section |`);
  console.log('|---|---|---|');
  console.log(`| parse + records (for scale) | ${r.parseMs.toFixed(0)} ms | ${((r.parseMs * 1000) / r.sections).toFixed(0)} µs |`);
  console.log(`| extract (all rules, edges) | ${r.extractMs.toFixed(0)} ms (min ${r.extractMsMin.toFixed(0)}) | ${((r.extractMs * 1000) / r.sections).toFixed(0)} µs |`);
  console.log(`\nextraction takes ${r.ratio.toFixed(2)}× the time of parsing\n`);
  console.log('| entity type | per document | distinct ids |');
  console.log('|---|---|---|');
  for (const [t, n] of Object.entries(r.entitiesPerDocument)) console.log(`| ${t} | ${n} | ${r.entitiesUnique[t]} |`);
  console.log(`\nedges: ${Object.entries(r.edges).map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
  console.log('| type | labelled | still extracted | correct | precision |');
  console.log('|---|---|---|---|---|');
  for (const p of r.precision) {
    console.log(`| ${p.type} | ${p.labelled} | ${p.produced} | ${p.correct} | ${(p.precision * 100).toFixed(1)}% |`);
  }
  console.log(`\nprecision weighted by each type's share of the corpus: ${(r.weightedPrecision * 100).toFixed(2)}%`);
}

/** The sampled entities that have no label yet, with the text a labeller needs. */
function printSample(docs: CorpusDoc[]): void {
  const labelled = new Set(readLabelsOrEmpty().map(labelKey));
  const byUri = new Map(docs.map((d) => [d.uri, d]));
  const all: Extracted[] = [];
  const details = new Map<string, { aliases: string[]; attributes: Record<string, unknown>; edges: string[] }>();
  for (const d of docs) {
    const x = extractDocument(d.input);
    const sections = new Map(d.input.sections.map((s) => [s.id, s]));
    for (const e of x.entities) {
      const item: Extracted = { type: e.type, name: e.name, uri: d.uri };
      all.push(item);
      const edges = x.edges
        .filter((g) => g.dst === e.id && (g.type === 'DEFINES' || g.type === 'MENTIONS'))
        .slice(0, 3)
        .map((g) => {
          const s = sections.get(g.src);
          const text = s?.text ?? '';
          const at = Math.max(0, text.indexOf(e.name.split(/[ :>]/)[0] ?? ''));
          return `${g.type} in "${s?.headingPath.join(' > ')}": …${text.slice(Math.max(0, at - 100), at + 150).replace(/\s+/g, ' ')}…`;
        });
      details.set(labelKey(item), { aliases: e.aliases, attributes: e.attributes, edges });
    }
  }
  for (const e of sample(all)) {
    if (labelled.has(labelKey(e)) || !byUri.has(e.uri)) continue;
    console.log(JSON.stringify({ ...e, ...details.get(labelKey(e)) }));
  }
}

function readLabelsOrEmpty(): ReturnType<typeof readLabels> {
  try {
    return readLabels();
  } catch {
    return [];
  }
}
