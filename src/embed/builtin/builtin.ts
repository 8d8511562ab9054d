import { terms } from '../../domain/text.js';
import { normalize, type Embedder, type EmbedderInfo } from '../embedder.js';
import { countTerms, fingerprint, type BuiltinModel } from './model.js';

/**
 * The default embedder: offline, deterministic, no weights to download.
 * A vector is two unit parts joined with weights √a and √(1−a), so cosine
 * similarity is a·lexical + (1−a)·semantic:
 *  - lexical: code-aware terms, weighted (1 + ln tf)·idf, signed-hashed into
 *    `hashDims` buckets — exact-term precision, including identifiers;
 *  - semantic: the same weights projected onto the corpus's latent semantic
 *    axes — sections that use related vocabulary land close together even
 *    when they share no term with the query.
 */
export class BuiltinEmbedder implements Embedder {
  readonly batchSize = 256;
  private readonly index: Map<string, number>;
  private readonly infoValue: EmbedderInfo;

  /**
   * `counted`: term counts already made of the texts about to be embedded
   * (by `fitModel`'s `termCounts`, so an ingest counts each text once, not
   * at the fit and again at embedding). The vector is the same either way.
   * Each text's counts leave the map when it is embedded (a run embeds each
   * section text once), and the whole map is dropped at the first query, so
   * it does not outlive the run that made it. A text it does not hold (one
   * the fit did not sample) is counted as usual.
   */
  constructor(
    private readonly model: BuiltinModel,
    private counted?: Map<string, Map<string, number>>,
  ) {
    this.index = new Map(model.vocab.map((t, i) => [t, i]));
    this.infoValue = {
      provider: 'builtin',
      model: `lsa${model.lsaDims}+hash${model.hashDims}`,
      dimensions: model.hashDims + model.lsaDims,
      id: `builtin:v${model.version}:${fingerprint(model)}`,
    };
  }

  info(): EmbedderInfo {
    return this.infoValue;
  }

  /** Synchronous core, for callers that embed thousands of sections in a loop. */
  embedOne(text: string): Float32Array {
    const { hashDims, lsaDims, projection, projectionRows } = this.model;
    const out = new Float32Array(hashDims + lsaDims);
    const lexical = out.subarray(0, hashDims);
    const semantic = out.subarray(hashDims);
    let counts = this.counted?.get(text);
    if (counts) this.counted!.delete(text);
    else counts = countTerms(terms(text));
    for (const [term, tf] of counts) {
      const i = this.index.get(term);
      const w = (1 + Math.log(tf)) * (i === undefined ? this.model.unknownIdf : this.model.idf[i]!);
      const h = fnv1a(term);
      lexical[h % hashDims]! += h & 0x80000000 ? -w : w;
      if (i !== undefined && i < projectionRows) {
        const row = i * lsaDims;
        for (let d = 0; d < lsaDims; d++) semantic[d]! += w * projection[row + d]!;
      }
    }
    normalize(lexical);
    normalize(semantic);
    const a = Math.sqrt(this.model.lexicalWeight);
    const b = Math.sqrt(1 - this.model.lexicalWeight);
    for (let d = 0; d < hashDims; d++) lexical[d]! *= a;
    for (let d = 0; d < lsaDims; d++) semantic[d]! *= b;
    return normalize(out);
  }

  async embed(texts: readonly string[], kind?: 'query' | 'document'): Promise<Float32Array[]> {
    if (kind === 'query') this.counted = undefined;
    return texts.map((t) => this.embedOne(t));
  }

  async close(): Promise<void> {}
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across platforms. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
