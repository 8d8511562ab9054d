/**
 * The contract every Embedder implementation must meet. Each provider's test
 * file calls `embedderContract` with a factory; the factory may start
 * whatever the provider needs (a local server, a model) beforehand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.js';

const TEXTS = [
  'Rotate the TLS certificate before it expires.',
  'Set worker_connections in the events block.',
  'ERR_REQUIRE_ESM: require() of ES Module not supported',
  'git rebase --onto main feature',
];

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b) || 1);
}

/** Vectors equal up to float noise (batching may pad inputs, which can move the last bits). */
function expectSameVector(actual: Float32Array | undefined, expected: Float32Array | undefined): void {
  expect(actual).toBeDefined();
  expect(expected).toBeDefined();
  expect(actual!.length).toBe(expected!.length);
  expect(cosine(actual!, expected!)).toBeGreaterThan(0.9999);
}

export function embedderContract(name: string, makeEmbedder: () => Embedder | Promise<Embedder>): void {
  describe(`Embedder contract: ${name}`, () => {
    let embedder: Embedder;
    const extra: Embedder[] = [];

    beforeEach(async () => {
      embedder = await makeEmbedder();
    });

    afterEach(async () => {
      await embedder.close();
      for (const e of extra.splice(0)) await e.close();
    });

    it('info() names provider, model and a vector-space id, and does not change while in use', async () => {
      const before = embedder.info();
      expect(before.provider).toMatch(/\S/);
      expect(before.model).toMatch(/\S/);
      expect(before.id).toMatch(/\S/);
      expect(embedder.info()).toEqual(before);
      await embedder.embed(TEXTS, 'document');
      const after = embedder.info();
      expect(after.id).toBe(before.id);
      expect(after.provider).toBe(before.provider);
      expect(after.model).toBe(before.model);
      // Dimensions may be unknown (0) before the first call, never wrong.
      if (before.dimensions > 0) expect(after.dimensions).toBe(before.dimensions);
      expect(after.dimensions).toBeGreaterThan(0);
    });

    it('returns one vector of info().dimensions floats per text', async () => {
      const vectors = await embedder.embed(TEXTS, 'document');
      expect(vectors).toHaveLength(TEXTS.length);
      for (const v of vectors) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(embedder.info().dimensions);
        expect(v.every(Number.isFinite)).toBe(true);
      }
      const [query] = await embedder.embed(['how do I rotate certificates'], 'query');
      expect(query?.length).toBe(embedder.info().dimensions);
    });

    it('returns unit-length vectors', async () => {
      const vectors = await embedder.embed(TEXTS, 'document');
      for (const v of vectors) expect(norm(v)).toBeCloseTo(1, 4);
    });

    it('keeps input order, across batch boundaries too', async () => {
      const n = Math.min(embedder.batchSize + 3, 300);
      const texts = Array.from({ length: n }, (_, i) => `section ${i}: ${TEXTS[i % TEXTS.length]}`);
      const together = await embedder.embed(texts, 'document');
      expect(together).toHaveLength(n);
      for (const i of [0, 1, embedder.batchSize - 1, embedder.batchSize, n - 1]) {
        const [alone] = await embedder.embed([texts[i]!], 'document');
        expectSameVector(together[i], alone);
      }
    });

    it('is deterministic for the same input, across calls and instances', async () => {
      const first = await embedder.embed(TEXTS, 'document');
      const second = await embedder.embed(TEXTS, 'document');
      const other = await makeEmbedder();
      extra.push(other);
      const third = await other.embed(TEXTS, 'document');
      expect(other.info().id).toBe(embedder.info().id);
      for (let i = 0; i < TEXTS.length; i++) {
        expectSameVector(second[i], first[i]);
        expectSameVector(third[i], first[i]);
      }
    });

    it('gives different texts different vectors', async () => {
      const [a, b] = await embedder.embed([TEXTS[0]!, TEXTS[1]!], 'document');
      expect(cosine(a!, b!)).toBeLessThan(0.999);
    });

    it('returns [] for an empty batch', async () => {
      expect(await embedder.embed([], 'document')).toEqual([]);
      expect(await embedder.embed([], 'query')).toEqual([]);
    });

    it('close() is idempotent', async () => {
      await embedder.close();
      await embedder.close();
    });
  });
}
