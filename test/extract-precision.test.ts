import { beforeAll, describe, expect, it } from 'vitest';
import type { EntityType } from '../src/domain/types.js';
import { extractCorpus, labelKey, loadCorpus, nodeCorpusDir, precision, readLabels, type Extracted, type Label } from './fixtures/extract/node-corpus.js';

/**
 * Precision of the rule-based extractor on real documentation: the Node.js API
 * docs (fetched by ../shared/eval/get-corpus.sh, or DOCGRAPH_NODE_CORPUS),
 * against the hand labels in fixtures/extract/node-labels.jsonl. Regenerate
 * candidates for new labels with `node --import tsx bench/extract.ts --sample`.
 */

const TYPES: readonly EntityType[] = ['Command', 'ConfigParameter', 'ErrorCode', 'ErrorMessage', 'APISymbol', 'Procedure', 'Step', 'Concept', 'Component'];

let labels: Label[];
let entities: Extracted[];

beforeAll(() => {
  labels = readLabels();
  entities = extractCorpus(loadCorpus(nodeCorpusDir())).entities;
}, 300_000);

describe('extraction precision on the Node.js API docs', () => {
  it('has a well-formed label set of at least 150 entities over every extracted type', () => {
    expect(labels.length).toBeGreaterThanOrEqual(150);
    for (const l of labels) {
      expect(TYPES, JSON.stringify(l)).toContain(l.type);
      expect(typeof l.name === 'string' && typeof l.uri === 'string' && typeof l.correct === 'boolean', JSON.stringify(l)).toBe(true);
    }
    expect(new Set(labels.map(labelKey)).size).toBe(labels.length);
    const extractedTypes = new Set(entities.map((e) => e.type));
    expect(new Set(labels.map((l) => l.type))).toEqual(extractedTypes);
  });

  it('still produces at least 90% of the labelled entities (the label set cannot rot silently)', () => {
    const produced = new Set(entities.map(labelKey));
    const missing = labels.filter((l) => !produced.has(labelKey(l)));
    const coverage = 1 - missing.length / labels.length;
    expect(
      coverage,
      `${missing.length} labelled entities are no longer extracted; relabel with bench/extract.ts --sample:\n` +
        missing.slice(0, 20).map((m) => `  ${m.type} ${m.name} (${m.uri})`).join('\n'),
    ).toBeGreaterThanOrEqual(0.9);
  });

  it('is at least 90% precise over the labelled entities it still produces', () => {
    const table = precision(labels, entities);
    const all = table.find((r) => r.type === 'all')!;
    const report = table.map((r) => `  ${r.type}: ${r.correct}/${r.produced} = ${(r.precision * 100).toFixed(1)}%`).join('\n');
    expect(all.precision, `precision per type:\n${report}`).toBeGreaterThanOrEqual(0.9);
  });
});
