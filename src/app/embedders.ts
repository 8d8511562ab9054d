import type { Config } from '../config/config.js';
import { ConfigError, EmbedderMismatchError, isDocgraphError } from '../domain/errors.js';
import { BuiltinEmbedder } from '../embed/builtin/builtin.js';
import { deserializeModel, fitModel, serializeModel } from '../embed/builtin/model.js';
import type { Embedder } from '../embed/embedder.js';
import { GuardedEmbedder, type EmbedderCall } from '../embed/guarded.js';
import type { EmbedderResolver } from '../ingest/ingest.js';
import { embedTextOf } from '../ingest/records.js';
import type { Store } from '../store/store.js';

const MODEL_BLOB = 'builtin-model';
/** Refit the builtin model when the corpus has grown past this multiple of what it was fitted on. */
const REFIT_GROWTH = 2;
/** ...and only once the corpus is at least this big (tiny corpora refit on every growth otherwise). */
const REFIT_MIN_SECTIONS = 200;

/**
 * The embedder for searching: the configured provider, or for `builtin` the
 * model stored in the index. Undefined when there is nothing to search with
 * vectors yet (empty index).
 */
export async function queryEmbedder(config: Config, store: Store, onCall?: (call: EmbedderCall) => void): Promise<Embedder | undefined> {
  if (config.embedder.provider === 'builtin') {
    const blob = await store.getBlob(MODEL_BLOB);
    return blob ? new BuiltinEmbedder(deserializeModel(blob)) : undefined;
  }
  const embedder = await externalEmbedder(config, { query: true, ...(onCall ? { onCall } : {}) });
  const stored = await store.getEmbedder();
  if (stored && stored.id !== embedder.info().id) {
    await embedder.close();
    throw new EmbedderMismatchError(`the index's vectors were built by ${stored.id}, but ${embedder.info().id} is configured`, {
      hint: 'run `docgraph ingest <folder>` to re-embed with the configured embedder, or switch the configuration back',
    });
  }
  return embedder;
}

/**
 * The resolver ingest uses: for `builtin`, fits the model on the corpus the
 * first time (and refits when the corpus has grown a lot), re-embedding what
 * is stored; for other providers, re-embeds when the stored vectors come from
 * a different embedder (never mixing vector spaces).
 */
export function ingestEmbedderResolver(config: Config, store: Store): EmbedderResolver {
  return async (newTexts, represents = newTexts.length) => {
    const stored = await store.getEmbedder();
    const stats = await store.stats();
    if (config.embedder.provider !== 'builtin') {
      const embedder = await externalEmbedder(config);
      await failIfUnusable(embedder);
      const info = embedder.info();
      const changed = stored?.id !== info.id;
      if (changed) await store.setEmbedder({ id: info.id, provider: info.provider, model: info.model, dimensions: info.dimensions });
      // whatever is stored now (another process may have written since `stats`) must be re-embedded
      return { embedder, reembedAll: changed };
    }
    const blob = await store.getBlob(MODEL_BLOB);
    const current = blob ? deserializeModel(blob) : undefined;
    const total = stats.sections + represents;
    const needFit = !current || stored?.id === undefined || !stored.id.startsWith('builtin:') ||
      (total >= REFIT_MIN_SECTIONS && total > current.fittedOn * REFIT_GROWTH);
    if (current && !needFit) return { embedder: new BuiltinEmbedder(current), reembedAll: false };
    const old = await storedTexts(store);
    const texts = [...old, ...newTexts];
    // the fit counts the terms of the texts (up to its sample size); embedding them next reuses the counts
    const termCounts = new Map<string, Map<string, number>>();
    const model = fitModel(texts, { termCounts, fittedOn: old.length + represents });
    const embedder = new BuiltinEmbedder(model, termCounts);
    const info = embedder.info();
    // the model and the id in one transaction: a job never loads one embedder's model under another's id
    await store.setEmbedder({ id: info.id, provider: info.provider, model: info.model, dimensions: info.dimensions }, { [MODEL_BLOB]: new Uint8Array(serializeModel(model)) });
    // Always re-embed what is stored at the switch, not what `stats` saw before fitting: another
    // process's jobs may have written since, and the switch just deleted their vectors.
    return { embedder, reembedAll: true };
  };
}

/**
 * Embeds one text so that a provider which cannot work at all (its package or
 * model files missing, a wrong key: a non-retryable error) fails the ingest
 * run once, before any job is queued or the index switches embedders, rather
 * than every job of it. A passing outage (retryable) is left to the jobs'
 * retries.
 */
async function failIfUnusable(embedder: Embedder): Promise<void> {
  try {
    await embedder.embed(['docgraph'], 'query');
  } catch (e) {
    if (isDocgraphError(e) && e.retryable) return;
    await embedder.close();
    throw e;
  }
}

async function storedTexts(store: Store): Promise<string[]> {
  const out: string[] = [];
  const titles = new Map((await store.listDocuments()).map((d) => [d.id, d.title]));
  for await (const s of store.allSections()) out.push(embedTextOf(s.headingPath, titles.get(s.docId) ?? '', s.text));
  return out;
}

/** Drops undefined fields so provider schemas apply their own defaults. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * Builds the configured non-builtin embedder (loaded lazily, so embedded users
 * never load HTTP or ONNX code) and makes sure its dimensions are known. With
 * `query`, the OpenAI-compatible one is for the queries of searches: behind
 * the query timeout, retry and circuit breaker (embed/guarded.ts), its calls
 * told to `onCall`, and not probed (a search must not wait on a down embedder
 * to learn a size it does not need).
 */
async function externalEmbedder(config: Config, query?: { query: true; onCall?: (call: EmbedderCall) => void }): Promise<Embedder> {
  const e = config.embedder;
  let embedder: Embedder;
  if (e.provider === 'openai') {
    if (!e.model) throw new ConfigError('embedder.model is required for the openai provider', { hint: 'e.g. text-embedding-3-small (OpenAI) or nomic-embed-text (Ollama)' });
    const { OpenAIEmbedder } = await import('../embed/openai.js');
    // for queries the guard retries and times out: the provider makes one attempt
    const openai = new OpenAIEmbedder(defined({ baseUrl: e.baseUrl, model: e.model, apiKey: e.apiKey, dimensions: e.dimensions, batchSize: e.batchSize, timeoutMs: e.timeoutMs, ...(query ? { maxRetries: 0 } : {}) }) as { model: string });
    if (query) return new GuardedEmbedder(openai, { timeoutMs: e.queryTimeoutMs, retries: e.queryRetries, breakerFailures: e.breakerFailures, halfOpenMs: e.breakerHalfOpenMs }, query.onCall);
    embedder = openai;
  } else {
    const { TransformersEmbedder } = await import('../embed/transformers.js');
    embedder = new TransformersEmbedder(defined({ model: e.model, cacheDir: e.cacheDir, allowDownload: e.allowDownload, batchSize: e.batchSize }));
  }
  if (embedder.info().dimensions === 0) await embedder.embed(['docgraph'], 'query'); // learn the model's native size
  return embedder;
}
