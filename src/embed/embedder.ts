/**
 * The Embedder port: turns texts into fixed-size vectors. Every provider
 * (builtin, openai, transformers) implements it; the store records `info()`
 * so vectors from different spaces are never mixed.
 */
export interface EmbedderInfo {
  /** Provider name: `builtin`, `openai`, `transformers`. */
  provider: string;
  /** Model name or path as configured. */
  model: string;
  dimensions: number;
  /**
   * Stable identity of the vector space. Two embedders with the same id must
   * produce interchangeable vectors; anything else triggers a re-embed.
   */
  id: string;
}

export type EmbedPurpose = 'document' | 'query';

export interface Embedder {
  info(): EmbedderInfo;
  /** Preferred number of texts per `embed` call. */
  readonly batchSize: number;
  /**
   * Embeds texts, returning one L2-normalised vector of `dimensions` floats
   * per text, in order. Throws EmbedderError (retryable for 429/5xx/timeouts).
   * `signal` abandons the call (a provider that calls out stops waiting; a
   * local one may finish its work first).
   */
  embed(texts: readonly string[], purpose: EmbedPurpose, signal?: AbortSignal): Promise<Float32Array[]>;
  /** Releases sockets, sessions or workers; idempotent. */
  close(): Promise<void>;
}

/** Scales a vector to unit length in place (a zero vector stays zero) and returns it. */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
  return v;
}
