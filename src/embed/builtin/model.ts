import { createHash } from 'node:crypto';
import { terms } from '../../domain/text.js';
import { gaussian, orthonormalizeColumns, prng, symmetricEigen } from './linalg.js';

/**
 * The builtin embedder's model, learned from the indexed corpus itself:
 *  - IDF weights for the corpus vocabulary (lexical precision), and
 *  - a latent semantic projection (truncated SVD of the TF-IDF matrix, found
 *    with a seeded randomized range finder) that maps terms that co-occur
 *    across sections to nearby directions (semantic recall).
 * Fitting is deterministic: same texts in the same order → byte-identical model.
 */
export interface BuiltinModel {
  version: 1;
  /** Dimensions of the signed feature-hashing part. */
  hashDims: number;
  /** Dimensions of the latent semantic part. */
  lsaDims: number;
  /** Share of cosine similarity given to the hashed lexical part (0–1). */
  lexicalWeight: number;
  /** Sections the model was fitted on. */
  fittedOn: number;
  /** Vocabulary, most frequent first; `idf[i]` belongs to `vocab[i]`. */
  vocab: string[];
  idf: Float32Array;
  /** IDF for terms outside the vocabulary (they are rarer than any in it). */
  unknownIdf: number;
  /** Rows for the first `projectionRows` vocabulary terms: projectionRows × lsaDims. */
  projectionRows: number;
  projection: Float32Array;
}

export interface FitOptions {
  hashDims?: number;
  lsaDims?: number;
  lexicalWeight?: number;
  /** Texts used for the fit at most (an even sample of the input). Default 20,000. */
  maxSample?: number;
  /** Vocabulary size cap. Default 60,000. */
  maxVocab?: number;
  /** Terms that get a semantic row. Default 20,000. */
  maxProjectionTerms?: number;
  seed?: number;
  /**
   * Filled with each sampled text's term counts (`countTerms(terms(text))`),
   * for a BuiltinEmbedder that embeds the same texts next: it then counts
   * none of them again (the count is a pure function of the text).
   */
  termCounts?: Map<string, Map<string, number>>;
  /**
   * The sections the fit stands for (`BuiltinModel.fittedOn`), when `texts`
   * are a sample of a larger corpus (an ingest fits on every other file of a
   * large run: `ingest/plan.ts`). Default `texts.length`.
   */
  fittedOn?: number;
}

const OVERSAMPLE = 16;
const POWER_ITERATIONS = 2;

/** Fits a model on section texts. Cost is linear in the sample; ~1 s for the Node.js docs. */
export function fitModel(texts: readonly string[], options: FitOptions = {}): BuiltinModel {
  const hashDims = options.hashDims ?? 320;
  const lsaDims = options.lsaDims ?? 64;
  const maxSample = options.maxSample ?? 20_000;
  const step = Math.max(1, texts.length / maxSample);
  const sample: string[] = [];
  for (let i = 0; i < texts.length && sample.length < maxSample; i += step) sample.push(texts[Math.floor(i)]!);

  // document frequencies
  const docTerms = sample.map((t) => countTerms(terms(t)));
  if (options.termCounts) sample.forEach((t, i) => options.termCounts!.set(t, docTerms[i]!));
  const df = new Map<string, number>();
  for (const counts of docTerms) for (const term of counts.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const n = Math.max(1, sample.length);
  const vocab = [...df.entries()]
    .filter(([, d]) => d >= 2 || n < 50)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, options.maxVocab ?? 60_000)
    .map(([t]) => t);
  const index = new Map(vocab.map((t, i) => [t, i]));
  const idf = new Float32Array(vocab.length);
  vocab.forEach((t, i) => (idf[i] = idfOf(n, df.get(t)!)));
  const unknownIdf = idfOf(n, 1);

  // TF-IDF rows over the projection vocabulary (CSR)
  const rows = Math.min(vocab.length, options.maxProjectionTerms ?? 20_000);
  const indptr = new Int32Array(docTerms.length + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  docTerms.forEach((counts, d) => {
    const start = cols.length;
    let norm = 0;
    for (const [term, tf] of counts) {
      const i = index.get(term);
      if (i === undefined || i >= rows) continue;
      const w = (1 + Math.log(tf)) * idf[i]!;
      cols.push(i);
      vals.push(w);
      norm += w * w;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = start; j < vals.length; j++) vals[j]! *= inv;
    indptr[d + 1] = cols.length;
  });
  const k = Math.min(lsaDims, Math.max(1, Math.min(rows, docTerms.length) - 1));
  const projection = rows > 1 && docTerms.length > 1 ? lsaProjection({ indptr, cols, vals, n: docTerms.length, v: rows }, k, lsaDims, options.seed ?? 1) : new Float32Array(0);

  return {
    version: 1,
    hashDims,
    lsaDims,
    lexicalWeight: options.lexicalWeight ?? 0.5,
    fittedOn: options.fittedOn ?? texts.length,
    vocab,
    idf,
    unknownIdf,
    projectionRows: projection.length > 0 ? rows : 0,
    projection,
  };
}

function idfOf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

export function countTerms(list: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

interface Csr {
  indptr: Int32Array;
  cols: number[];
  vals: number[];
  n: number;
  v: number;
}

/** Right singular vectors (v × outDims, zero-padded beyond k) of the CSR matrix by randomized SVD. */
function lsaProjection(x: Csr, k: number, outDims: number, seed: number): Float32Array {
  const l = Math.min(k + OVERSAMPLE, x.v, x.n);
  const g = gaussian(prng(seed));
  let z: Float64Array = new Float64Array(x.v * l);
  for (let i = 0; i < z.length; i++) z[i] = g();
  let y = mulX(x, z, l); // n × l
  orthonormalizeColumns(y, x.n, l);
  // subspace iteration on X·Xᵀ: the document side is orthonormalized after each step; the term side
  // (v × l, four times the rows on the Node docs) need not be, as a change of basis of z leaves the span
  // of X·z alone (same model quality on both dev sets, ~0.1 s less fit on the Node docs: docs/benchmarks.md)
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    z = mulXt(x, y, l);
    y = mulX(x, z, l);
    orthonormalizeColumns(y, x.n, l);
  }
  const bt = mulXt(x, y, l); // v × l  (= Bᵀ with B = Yᵀ X)
  const c = new Float64Array(l * l);
  for (let r = 0; r < x.v; r++) {
    for (let i = 0; i < l; i++) {
      const a = bt[r * l + i]!;
      if (a === 0) continue;
      for (let j = i; j < l; j++) c[i * l + j]! += a * bt[r * l + j]!;
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) c[i * l + j] = c[j * l + i]!;
  const { values, vectors } = symmetricEigen(c, l);
  const out = new Float32Array(x.v * outDims);
  for (let comp = 0; comp < k; comp++) {
    const sigma = Math.sqrt(Math.max(values[comp]!, 0));
    if (sigma < 1e-9) continue;
    // sign convention: make the largest-magnitude entry positive, for determinism across platforms
    let sign = 1;
    let best = 0;
    for (let r = 0; r < x.v; r++) {
      let s = 0;
      for (let i = 0; i < l; i++) s += bt[r * l + i]! * vectors[i * l + comp]!;
      if (Math.abs(s) > best) {
        best = Math.abs(s);
        sign = s < 0 ? -1 : 1;
      }
      out[r * outDims + comp] = s / sigma;
    }
    if (sign < 0) for (let r = 0; r < x.v; r++) out[r * outDims + comp]! *= -1;
  }
  return out;
}

/** X (n×v, CSR) times Z (v×l) → n×l. */
function mulX(x: Csr, z: Float64Array, l: number): Float64Array {
  const out = new Float64Array(x.n * l);
  for (let d = 0; d < x.n; d++) {
    for (let j = x.indptr[d]!; j < x.indptr[d + 1]!; j++) {
      const c = x.cols[j]!;
      const w = x.vals[j]!;
      for (let i = 0; i < l; i++) out[d * l + i]! += w * z[c * l + i]!;
    }
  }
  return out;
}

/** Xᵀ (v×n) times Y (n×l) → v×l. */
function mulXt(x: Csr, y: Float64Array, l: number): Float64Array {
  const out = new Float64Array(x.v * l);
  for (let d = 0; d < x.n; d++) {
    for (let j = x.indptr[d]!; j < x.indptr[d + 1]!; j++) {
      const c = x.cols[j]!;
      const w = x.vals[j]!;
      for (let i = 0; i < l; i++) out[c * l + i]! += w * y[d * l + i]!;
    }
  }
  return out;
}

/** Stable fingerprint of a model's parameters; part of the embedder id. */
export function fingerprint(model: BuiltinModel): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([model.version, model.hashDims, model.lsaDims, model.lexicalWeight, model.unknownIdf, model.projectionRows]));
  h.update(model.vocab.join('\n'));
  h.update(new Uint8Array(model.idf.buffer, model.idf.byteOffset, model.idf.byteLength));
  h.update(new Uint8Array(model.projection.buffer, model.projection.byteOffset, model.projection.byteLength));
  return h.digest('hex').slice(0, 12);
}

/** Serialises a model to bytes: 4-byte header length, JSON header, then the float arrays. */
export function serializeModel(model: BuiltinModel): Buffer {
  const header = Buffer.from(
    JSON.stringify({ ...model, idf: model.idf.length, projection: model.projection.length }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  return Buffer.concat([
    len,
    header,
    Buffer.from(model.idf.buffer, model.idf.byteOffset, model.idf.byteLength),
    Buffer.from(model.projection.buffer, model.projection.byteOffset, model.projection.byteLength),
  ]);
}

export function deserializeModel(bytes: Uint8Array): BuiltinModel {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as Omit<BuiltinModel, 'idf' | 'projection'> & {
    idf: number;
    projection: number;
  };
  let offset = 4 + headerLen;
  const take = (count: number): Float32Array => {
    const out = new Float32Array(count);
    Buffer.from(out.buffer).set(buf.subarray(offset, offset + count * 4));
    offset += count * 4;
    return out;
  };
  const idf = take(header.idf);
  const projection = take(header.projection);
  return { ...header, idf, projection };
}
