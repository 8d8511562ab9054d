/**
 * Embedder that runs a sentence-transformers ONNX model in-process with
 * transformers.js (`@huggingface/transformers`, an optional peer dependency
 * that users install themselves: see TRANSFORMERS_INSTALL). The library, and
 * the ONNX Runtime native binding it pulls in, load only on first use, so
 * users of other providers never install or load them.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, EmbedderError } from '../domain/errors.js';
import { docsPath } from '../domain/docs-path.js';
import { normalize, type EmbedPurpose, type Embedder, type EmbedderInfo } from './embedder.js';

const PROVIDER = 'transformers';
const PACKAGE = '@huggingface/transformers';
/** The version the tests run against (package.json devDependencies; a test keeps the two equal). */
export const TRANSFORMERS_VERSION = '4.3.1';
/**
 * The command that installs the library beside docgraph. On Linux x64,
 * onnxruntime-node's post-install fetches CUDA libraries from outside the npm
 * registry (it fails on a machine that reaches only the registry); CPU
 * inference does not need them, and the variable skips that step.
 */
export const TRANSFORMERS_INSTALL =
  (process.platform === 'linux' && process.arch === 'x64' ? 'ONNXRUNTIME_NODE_INSTALL=skip ' : '') +
  `npm install ${PACKAGE}@${TRANSFORMERS_VERSION}`;
export const DEFAULT_TRANSFORMERS_MODEL = 'Xenova/all-MiniLM-L6-v2';
/** Output sizes of models we know, so `info()` is right before the model loads. */
const KNOWN_DIMENSIONS: Readonly<Record<string, number>> = { [DEFAULT_TRANSFORMERS_MODEL]: 384 };
/** File-name suffix transformers.js uses for each weight precision (`onnx/model<suffix>.onnx`). */
const DTYPE_SUFFIX = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4' } as const;
/** transformers.js LogLevel.ERROR: its warnings would otherwise go straight to the console. */
const LOG_LEVEL_ERROR = 40;

export const transformersEmbedderOptionsSchema = z
  .object({
    /**
     * A Hugging Face model id (looked up under `cacheDir/<id>/`) or a local
     * model directory, given as an absolute path or one starting with `.`.
     */
    model: z.string().trim().min(1, 'must not be empty').default(DEFAULT_TRANSFORMERS_MODEL),
    /** Where model files are looked for and downloads are kept. Default `./.docgraph/models`. */
    cacheDir: z.string().min(1, 'must not be empty').default(path.join('.docgraph', 'models')),
    /** Allow fetching missing model files from the Hugging Face Hub. Off by default: no surprise downloads. */
    allowDownload: z.boolean().default(false),
    batchSize: z.int().positive().max(1024).default(32),
    /** Weight precision; selects `onnx/model<suffix>.onnx`. */
    dtype: z.enum(Object.keys(DTYPE_SUFFIX) as [keyof typeof DTYPE_SUFFIX]).default('fp32'),
  })
  .strict();

export type TransformersEmbedderOptions = z.input<typeof transformersEmbedderOptionsSchema>;
export type ResolvedTransformersEmbedderOptions = z.output<typeof transformersEmbedderOptionsSchema>;

/** Seams for tests and bundlers. */
export interface TransformersEmbedderDeps {
  /** Loads the transformers.js module; defaults to `import('@huggingface/transformers')`. */
  importModule?: () => Promise<unknown>;
}

/**
 * Validates raw configuration and applies defaults; a `provider` key is
 * ignored. Throws ConfigError naming each bad key ("embedder.batchSize must be
 * an integer").
 */
export function parseTransformersEmbedderOptions(
  input: unknown,
  opts: { path?: string } = {},
): ResolvedTransformersEmbedderOptions {
  const key = opts.path ?? 'embedder';
  let raw: unknown = input ?? {};
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const { provider: _provider, ...rest } = raw as Record<string, unknown>;
    raw = rest;
  }
  const parsed = transformersEmbedderOptionsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const at = [key, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') return `${at} has unknown key(s): ${issue.keys.join(', ')}`;
    return `${at}: ${issue.message}`;
  });
  throw new ConfigError(`invalid transformers embedder configuration: ${problems.join('; ')}`, {
    hint: `see the embedder section of ${docsPath('configuration.md')}`,
  });
}

/** The slice of the transformers.js API we use, typed here so type-checking never needs the package. */
interface TransformersModule {
  env: {
    allowRemoteModels: boolean;
    allowLocalModels: boolean;
    localModelPath: string;
    cacheDir: string | null;
    logLevel?: number;
  };
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: { cache_dir: string; local_files_only: boolean; dtype: string; device: 'cpu' },
  ): Promise<Extractor>;
}

interface Extractor {
  (texts: string[], options: { pooling: 'mean'; normalize: boolean }): Promise<{ data: ArrayLike<number>; dims: number[] }>;
  dispose(): Promise<void>;
}

/**
 * Local embeddings with transformers.js: mean pooling, then L2 normalisation.
 *
 * Model files are looked for under `cacheDir/<model id>/` (or in the model
 * directory itself). With `allowDownload: false`, the default, nothing is
 * fetched: a missing file is an EmbedderError whose hint lists the files to
 * place and how to get them. A missing transformers.js package or ONNX
 * Runtime native library is an EmbedderError too, never a crash. None of these
 * is retryable.
 *
 * transformers.js keeps its settings in one process-wide `env`; this class
 * sets `allowRemoteModels`, `localModelPath` and `cacheDir` there on load, so
 * two instances with different cacheDir or allowDownload in one process
 * should not load at the same time.
 */
export class TransformersEmbedder implements Embedder {
  readonly batchSize: number;
  private readonly opts: ResolvedTransformersEmbedderOptions;
  private readonly cacheDir: string;
  private readonly importModule: () => Promise<unknown>;
  private loading: Promise<Extractor> | undefined;
  private learnedDimensions: number | undefined;
  private closed = false;

  constructor(options: TransformersEmbedderOptions = {}, deps: TransformersEmbedderDeps = {}) {
    this.opts = parseTransformersEmbedderOptions(options);
    this.batchSize = this.opts.batchSize;
    this.cacheDir = path.resolve(this.opts.cacheDir);
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const specifier = PACKAGE;
    this.importModule = deps.importModule ?? (() => import(specifier));
  }

  /**
   * `id` is `transformers:<model>:<dtype>`. `dimensions` is known up front for
   * the default model; for others it is 0 until `probe()` or `embed()` loaded it.
   */
  info(): EmbedderInfo {
    const { model, dtype } = this.opts;
    return {
      provider: PROVIDER,
      model,
      dimensions: this.learnedDimensions ?? KNOWN_DIMENSIONS[model] ?? 0,
      id: `${PROVIDER}:${model}:${dtype}`,
    };
  }

  /** Loads the model (see embed for errors) so `info().dimensions` is known. */
  async probe(): Promise<EmbedderInfo> {
    await this.embed(['docgraph'], 'query');
    return this.info();
  }

  async embed(texts: readonly string[], _purpose: EmbedPurpose): Promise<Float32Array[]> {
    this.assertOpen();
    if (texts.length === 0) return [];
    const extractor = await this.extractor();
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      out.push(...(await this.run(extractor, batch)));
    }
    return out;
  }

  /** Frees the ONNX session. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const loading = this.loading;
    this.loading = undefined;
    if (loading === undefined) return;
    try {
      await (await loading).dispose();
    } catch {
      // A load that failed has nothing to release.
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EmbedderError(PROVIDER, 'the embedder has been closed');
  }

  private extractor(): Promise<Extractor> {
    if (this.loading === undefined) {
      this.loading = this.load();
      // Let a later call try again, e.g. once the model files are in place.
      this.loading.catch(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  private async run(extractor: Extractor, batch: readonly string[]): Promise<Float32Array[]> {
    let output: { data: ArrayLike<number>; dims: number[] };
    try {
      output = await extractor([...batch], { pooling: 'mean', normalize: true });
    } catch (err) {
      throw new EmbedderError(PROVIDER, `running model ${this.opts.model} failed: ${messageOf(err)}`, {
        hint: 'lower embedder.batchSize if memory ran out',
        cause: err,
      });
    }
    const [rows, width] = output.dims;
    if (output.dims.length !== 2 || rows !== batch.length || width === undefined || width === 0) {
      throw new EmbedderError(
        PROVIDER,
        `model ${this.opts.model} produced output of shape [${output.dims.join(', ')}] for ${batch.length} texts`,
        { hint: 'use a sentence-embedding (feature-extraction) model' },
      );
    }
    this.learnedDimensions ??= width;
    const data = output.data instanceof Float32Array ? output.data : Float32Array.from(output.data);
    const vectors: Float32Array[] = [];
    // The library already normalised; doing it again in float32 keeps the port's promise exact.
    for (let r = 0; r < rows; r++) vectors.push(normalize(data.slice(r * width, (r + 1) * width)));
    return vectors;
  }

  private async load(): Promise<Extractor> {
    const { model, dtype, allowDownload } = this.opts;
    const isPath = path.isAbsolute(model) || model.startsWith('.');
    const modelRef = isPath ? path.resolve(model) : model;
    const modelDir = isPath ? modelRef : path.join(this.cacheDir, model);
    const files = requiredFiles(dtype);

    // The package first: it is the first thing a user sets up, so its absence is the first thing to hear about.
    const lib = await this.loadLibrary();
    if (!allowDownload || isPath) {
      const missing = await missingFiles(modelDir, files);
      if (missing.length > 0) throw this.modelMissing(modelDir, files, missing, isPath);
    }

    lib.env.allowLocalModels = true;
    lib.env.localModelPath = this.cacheDir;
    lib.env.cacheDir = this.cacheDir;
    lib.env.allowRemoteModels = allowDownload && !isPath;
    lib.env.logLevel = LOG_LEVEL_ERROR;
    try {
      return await lib.pipeline('feature-extraction', modelRef, {
        cache_dir: this.cacheDir,
        local_files_only: !lib.env.allowRemoteModels,
        dtype,
        device: 'cpu',
      });
    } catch (err) {
      if (isNativeRuntimeFailure(err)) throw nativeRuntimeMissing(err);
      const verb = allowDownload ? 'load or download' : 'load';
      throw new EmbedderError(PROVIDER, `could not ${verb} model ${model}: ${messageOf(err)}`, {
        hint: allowDownload
          ? `check the network and that "${model}" is a feature-extraction model with ONNX weights (onnx/model${DTYPE_SUFFIX[dtype]}.onnx)`
          : `check the files under ${modelDir}: ${files.join(', ')}`,
        cause: err,
      });
    }
  }

  private async loadLibrary(): Promise<TransformersModule> {
    let mod: unknown;
    try {
      mod = await this.importModule();
    } catch (err) {
      if (isNativeRuntimeFailure(err)) throw nativeRuntimeMissing(err);
      if (isModuleNotFound(err)) {
        throw new EmbedderError(PROVIDER, `the transformers embedder needs ${PACKAGE}, which is not installed (docgraph does not install it by default)`, {
          hint: `install it beside docgraph: ${TRANSFORMERS_INSTALL}; or use embedder.provider "builtin" or "openai"`,
          cause: err,
        });
      }
      throw new EmbedderError(PROVIDER, `loading ${PACKAGE} failed: ${messageOf(err)}`, { cause: err });
    }
    if (!isTransformersModule(mod)) {
      throw new EmbedderError(PROVIDER, `${PACKAGE} did not export pipeline() and env as expected`, {
        hint: `install the version docgraph is tested with: ${TRANSFORMERS_INSTALL}`,
      });
    }
    return mod;
  }

  private modelMissing(modelDir: string, files: string[], missing: string[], isPath: boolean): EmbedderError {
    const { model } = this.opts;
    const where = isPath ? `the model directory ${modelDir}` : `${modelDir}`;
    const place = `place the ONNX model files under ${modelDir}${path.sep}: ${files.join(', ')}`;
    return new EmbedderError(
      PROVIDER,
      `model ${model} is not available offline: ${missing.join(', ')} missing in ${where}` +
        (isPath ? '' : ' and downloads are off'),
      {
        hint: isPath
          ? place
          : `run once with --allow-download (embedder.allowDownload: true) on a machine with internet access ` +
            `and copy ${this.cacheDir} here, or ${place} (from the Hugging Face repository "${model}")`,
      },
    );
  }
}

function requiredFiles(dtype: keyof typeof DTYPE_SUFFIX): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`];
}

async function missingFiles(dir: string, files: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const f of files) {
    try {
      await access(path.join(dir, f));
    } catch {
      missing.push(f);
    }
  }
  return missing;
}

function nativeRuntimeMissing(err: unknown): EmbedderError {
  return new EmbedderError(PROVIDER, `the ONNX Runtime native library could not be loaded: ${messageOf(err)}`, {
    hint:
      `reinstall onnxruntime-node (its prebuilt binaries for ${process.platform}-${process.arch} ship in the npm package), ` +
      'or use embedder.provider "builtin" or "openai"',
    cause: err,
  });
}

function isTransformersModule(mod: unknown): mod is TransformersModule {
  if (mod === null || typeof mod !== 'object') return false;
  const m = mod as Partial<Record<keyof TransformersModule, unknown>>;
  return typeof m.pipeline === 'function' && m.env !== null && typeof m.env === 'object';
}

function codeOf(err: unknown): unknown {
  return err !== null && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
}

function isModuleNotFound(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Node gives no structured field naming the module that failed, so for a
 * missing module we must look at the message: only one that names the ONNX
 * Runtime binding counts as a native-runtime failure.
 */
function isNativeRuntimeFailure(err: unknown): boolean {
  if (codeOf(err) === 'ERR_DLOPEN_FAILED') return true;
  return isModuleNotFound(err) && /onnxruntime|\.node\b/.test(messageOf(err));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
