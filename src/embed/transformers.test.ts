import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, EmbedderError } from '../domain/errors.js';
import { embedderContract } from './embedder.contract.js';
import { TRANSFORMERS_VERSION, TransformersEmbedder, parseTransformersEmbedderOptions, type TransformersEmbedderOptions } from './transformers.js';

const MODEL = 'Xenova/all-MiniLM-L6-v2';
const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

/*
 * A tiny sentence-embedding model, built here so the real load-and-run path
 * (tokenizer, ONNX Runtime, mean pooling) is tested without any download:
 * a BERT-style WordPiece tokenizer over single characters, and an ONNX graph
 * whose last_hidden_state is a plain embedding lookup (one Gather node).
 */
const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const VOCAB = [...SPECIALS, ...CHARS, ...CHARS.map((c) => `##${c}`), ...".,:;!?_-()[]{}'\"/\\`=+*<>@#$%^&|~"];
const TINY_DIMS = 8;

function tinyTable(): Float32Array {
  const table = new Float32Array(VOCAB.length * TINY_DIMS);
  VOCAB.forEach((_, i) => {
    const h = createHash('sha256').update(String(i)).digest();
    for (let j = 0; j < TINY_DIMS; j++) table[i * TINY_DIMS + j] = (h[j]! - 128) / 64;
  });
  return table;
}

/** Protobuf wire format, just enough for an ONNX ModelProto. */
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 127; n = Math.floor(n / 128)) out.push((n & 127) | 128);
  out.push(n);
  return out;
}
const pbBytes = (field: number, b: ArrayLike<number>): number[] => [...varint((field << 3) | 2), ...varint(b.length), ...Array.from(b)];
const pbString = (field: number, s: string): number[] => pbBytes(field, Buffer.from(s, 'utf8'));
const pbInt = (field: number, v: number): number[] => [...varint(field << 3), ...varint(v)];

function tinyOnnxModel(): Uint8Array {
  const [FLOAT, INT64] = [1, 7];
  const valueInfo = (name: string, elemType: number, dims: string[]): number[] => [
    ...pbString(1, name),
    ...pbBytes(2, pbBytes(1, [...pbInt(1, elemType), ...pbBytes(2, dims.flatMap((d) => pbBytes(1, pbString(2, d))))])),
  ];
  const table = tinyTable();
  const initializer = [
    ...pbInt(1, VOCAB.length),
    ...pbInt(1, TINY_DIMS),
    ...pbInt(2, FLOAT),
    ...pbString(8, 'table'),
    ...pbBytes(9, new Uint8Array(table.buffer)),
  ];
  const gather = [...pbString(1, 'table'), ...pbString(1, 'input_ids'), ...pbString(2, 'last_hidden_state'), ...pbString(4, 'Gather')];
  const graph = [
    ...pbBytes(1, gather),
    ...pbString(2, 'tiny'),
    ...pbBytes(5, initializer),
    ...pbBytes(11, valueInfo('input_ids', INT64, ['batch', 'sequence'])),
    ...pbBytes(11, valueInfo('attention_mask', INT64, ['batch', 'sequence'])),
    ...pbBytes(12, valueInfo('last_hidden_state', FLOAT, ['batch', 'sequence', String(TINY_DIMS)])),
  ];
  return new Uint8Array([...pbInt(1, 8), ...pbBytes(7, graph), ...pbBytes(8, [...pbString(1, ''), ...pbInt(2, 13)])]);
}

function writeTinyModel(dir: string): void {
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  writeFileSync(path.join(dir, 'onnx', 'model.onnx'), tinyOnnxModel());
  const special = (id: string) => ({ id, ids: [VOCAB.indexOf(id)], tokens: [id] });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((t, i) => [t, i])),
    },
  };
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 64, pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]' }),
  );
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: TINY_DIMS }));
}

/** What the tiny model must return for a lowercase word: the mean of its token rows, normalised. */
function expectedTinyVector(word: string): number[] {
  const table = tinyTable();
  const ids = ['[CLS]', word[0]!, ...[...word.slice(1)].map((c) => `##${c}`), '[SEP]'].map((t) => VOCAB.indexOf(t));
  const mean = Array.from({ length: TINY_DIMS }, (_, j) => ids.reduce((s, id) => s + table[id * TINY_DIMS + j]!, 0) / ids.length);
  const n = Math.hypot(...mean);
  return mean.map((x) => x / n);
}

/** Stands in for the Hugging Face Hub: counts every request and has no files. */
let hub: Server;
let hubUrl: string;
const hubRequests: string[] = [];
let transformersEnv: { remoteHost: string };
let originalRemoteHost: string;

let cacheDir: string;
/** Holds the tiny model as `<tinyCache>/docgraph-test/tiny-bert/` for the whole file. */
let tinyCache: string;
const TINY_MODEL = 'docgraph-test/tiny-bert';
const open: TransformersEmbedder[] = [];

beforeAll(async () => {
  hub = createServer((req, res) => {
    hubRequests.push(req.url ?? '');
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Entry not found');
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
  // Point the library at the local stand-in so any download attempt is seen here, never on the internet.
  const specifier = '@huggingface/transformers';
  transformersEnv = ((await import(specifier)) as { env: { remoteHost: string } }).env;
  originalRemoteHost = transformersEnv.remoteHost;
  transformersEnv.remoteHost = hubUrl;
  tinyCache = mkdtempSync(path.join(tmpdir(), 'docgraph-tiny-model-'));
  writeTinyModel(path.join(tinyCache, TINY_MODEL));
});

afterAll(async () => {
  transformersEnv.remoteHost = originalRemoteHost;
  hub.closeAllConnections();
  await new Promise<void>((resolve) => hub.close(() => resolve()));
  rmSync(tinyCache, { recursive: true, force: true });
});

beforeEach(() => {
  cacheDir = mkdtempSync(path.join(tmpdir(), 'docgraph-transformers-'));
  hubRequests.length = 0;
});

afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

function make(options: TransformersEmbedderOptions = {}, importModule?: () => Promise<unknown>): TransformersEmbedder {
  const e = new TransformersEmbedder({ cacheDir, ...options }, importModule === undefined ? {} : { importModule });
  open.push(e);
  return e;
}

/** Files with the right names and useless content: enough to get past the file check into the library. */
function placeJunkModel(dir: string): void {
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  for (const f of FILES) writeFileSync(path.join(dir, f), f.endsWith('.json') ? '{"model_type":"bert"}' : 'not onnx');
}

async function failure(p: Promise<unknown>): Promise<EmbedderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EmbedderError);
  return err as EmbedderError;
}

describe('TransformersEmbedder offline', () => {
  it('describes the default model before loading anything', () => {
    expect(make().info()).toEqual({
      provider: 'transformers',
      model: MODEL,
      dimensions: 384,
      id: `transformers:${MODEL}:fp32`,
    });
    expect(make({ dtype: 'q8' }).info().id).toBe(`transformers:${MODEL}:q8`);
  });

  it('says how to get a missing model, without touching the network', async () => {
    const err = await failure(make().embed(['hello'], 'document'));
    const modelDir = path.join(cacheDir, MODEL);
    expect(err.code).toBe('EMBEDDER_UNAVAILABLE');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      `model ${MODEL} is not available offline: ${FILES.join(', ')} missing in ${modelDir} and downloads are off`,
    );
    expect(err.hint).toContain('--allow-download (embedder.allowDownload: true) on a machine with internet access');
    expect(err.hint).toContain(`place the ONNX model files under ${modelDir}${path.sep}: ${FILES.join(', ')}`);
    expect(hubRequests).toEqual([]);
  });

  it('names only the files that are missing, and the one the dtype selects', async () => {
    const modelDir = path.join(cacheDir, MODEL);
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(path.join(modelDir, 'config.json'), '{}');
    const err = await failure(make({ dtype: 'q8' }).embed(['hello'], 'document'));
    expect(err.message).toContain('tokenizer.json, tokenizer_config.json, onnx/model_quantized.onnx missing');
  });

  it('lets the library read local files but never download when allowDownload is false', async () => {
    placeJunkModel(path.join(cacheDir, MODEL));
    const err = await failure(make().embed(['hello'], 'document'));
    expect(err.message).toMatch(new RegExp(`^could not load model ${MODEL}: `));
    expect(err.hint).toContain(path.join(cacheDir, MODEL));
    expect(hubRequests).toEqual([]);
  });

  it('does go to the hub when allowDownload is true (so the check above can see a download)', async () => {
    const err = await failure(make({ allowDownload: true }).embed(['hello'], 'document'));
    expect(err.message).toMatch(new RegExp(`^could not load or download model ${MODEL}: `));
    expect(hubRequests.length).toBeGreaterThan(0);
    expect(hubRequests[0]).toContain(MODEL);
  });

  it('reports a missing local model directory with the files it needs', async () => {
    const dir = path.join(cacheDir, 'my-model');
    const err = await failure(make({ model: dir }).embed(['hello'], 'document'));
    expect(err.message).toContain(`missing in the model directory ${dir}`);
    expect(err.hint).toBe(`place the ONNX model files under ${dir}${path.sep}: ${FILES.join(', ')}`);
  });

  it('turns a missing ONNX Runtime binding into an EmbedderError', async () => {
    placeJunkModel(path.join(cacheDir, MODEL));
    const binding = path.join(cacheDir, 'onnxruntime-node', 'bin', 'onnxruntime_binding.node');
    const require = createRequire(import.meta.url);
    const err = await failure(make({}, async () => require(binding)).embed(['hello'], 'document'));
    expect(err.message).toMatch(/^the ONNX Runtime native library could not be loaded: /);
    expect(err.hint).toContain('onnxruntime-node');
    expect(err.retryable).toBe(false);
  });

  it('turns a broken ONNX Runtime binary into an EmbedderError', async () => {
    placeJunkModel(path.join(cacheDir, MODEL));
    const binding = path.join(cacheDir, 'onnxruntime_binding.node');
    writeFileSync(binding, 'not a shared object');
    const require = createRequire(import.meta.url);
    const err = await failure(make({}, async () => require(binding)).embed(['hello'], 'document'));
    expect(err.message).toMatch(/^the ONNX Runtime native library could not be loaded: /);
  });

  it('says so when the optional package is not installed, naming the command that installs the tested version', async () => {
    // No model files either: the package is what a user sets up first, so it is what they hear about first.
    const absent = '@huggingface/transformers-not-installed';
    const err = await failure(make({}, () => import(absent)).embed(['hello'], 'document'));
    expect(err.message).toBe('the transformers embedder needs @huggingface/transformers, which is not installed (docgraph does not install it by default)');
    const tested = (JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@huggingface/transformers'];
    expect(tested).toBe(TRANSFORMERS_VERSION);
    expect(err.hint).toContain(`npm install @huggingface/transformers@${tested}`);
    expect(err.retryable).toBe(false);
  });

  it('returns [] for no texts without loading anything', async () => {
    expect(await make().embed([], 'document')).toEqual([]);
  });

  it('close() is idempotent and later calls fail clearly', async () => {
    const e = make();
    await e.close();
    await e.close();
    expect((await failure(e.embed(['a'], 'query'))).message).toContain('closed');
  });
});

embedderContract('TransformersEmbedder (tiny test model)', () =>
  new TransformersEmbedder({ model: TINY_MODEL, cacheDir: tinyCache, batchSize: 4 }),
);

describe('TransformersEmbedder with a tiny local model', () => {
  it('loads from cacheDir without the network and mean-pools token vectors', async () => {
    const e = make({ model: TINY_MODEL, cacheDir: tinyCache, batchSize: 2 });
    expect(e.info()).toMatchObject({ model: TINY_MODEL, dimensions: 0, id: `transformers:${TINY_MODEL}:fp32` });
    const [hello, shorter, world] = await e.embed(['hello', 'Hi', 'world'], 'document');
    expect(e.info().dimensions).toBe(TINY_DIMS);
    for (const [v, word] of [[hello, 'hello'], [shorter, 'hi'], [world, 'world']] as const) {
      Array.from(v!).forEach((x, j) => expect(x).toBeCloseTo(expectedTinyVector(word)[j]!, 5));
    }
    expect(hubRequests).toEqual([]);
  });

  it('loads a model directory given as a path', async () => {
    const e = make({ model: path.join(tinyCache, TINY_MODEL) });
    expect((await e.probe()).dimensions).toBe(TINY_DIMS);
    expect(hubRequests).toEqual([]);
  });
});

describe('parseTransformersEmbedderOptions', () => {
  it('applies defaults and ignores `provider`', () => {
    expect(parseTransformersEmbedderOptions({ provider: 'transformers' })).toEqual({
      model: MODEL,
      cacheDir: path.join('.docgraph', 'models'),
      allowDownload: false,
      batchSize: 32,
      dtype: 'fp32',
    });
    expect(parseTransformersEmbedderOptions(undefined).model).toBe(MODEL);
  });

  it('names bad keys in a ConfigError', () => {
    expect(() => parseTransformersEmbedderOptions({ batchSize: 0, allowDownload: 'yes' })).toThrow(ConfigError);
    expect(() => parseTransformersEmbedderOptions({ batchSize: 0 })).toThrow(/embedder\.batchSize: /);
    expect(() => parseTransformersEmbedderOptions({ dtype: 'fp64' })).toThrow(/embedder\.dtype: /);
    expect(() => parseTransformersEmbedderOptions({ modle: 'x' })).toThrow('embedder has unknown key(s): modle');
  });
});
