import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The HNSW graph of a vector index kept on disk between processes, so a
 * process that opens a large index (every `docgraph mcp` an assistant starts)
 * loads the graph instead of building it again (minutes of a core at 1M rows).
 *
 * Two files beside the index, for a base path B (`index.db.hnsw`):
 *  - `B.<nonce>.usearch`: the graph as usearch saves it;
 *  - `B`: the manifest — which graph file is current, its size and SHA-256,
 *    the graph's parameters, and every row it holds with a hash of the row's
 *    vector, so the loader can tell which rows changed since (rows removed,
 *    added or re-embedded) and bring the graph up to date instead of trusting it.
 *
 * A save writes the graph under a new name, then the manifest to a temporary
 * name renamed over B (atomic), then removes graph files B no longer names:
 * a reader sees an old graph and its manifest, or the new pair, never a mix.
 * A graph file is checked against the manifest's size and SHA-256 before
 * usearch reads it, because usearch does not check what it loads (a damaged
 * file crashes the process). Anything that does not check out is ignored,
 * and the graph is built as if there were no file.
 */
export interface GraphManifest {
  /** The graph's shape: dimensions, connectivity, expansion on insert, quantization. */
  signature: string;
  /** The usearch file, beside the manifest. */
  graphPath: string;
  graphBytes: number;
  graphSha256: string;
  /** Rows the graph holds, and the hash of each one's vector (rowHash), at the same positions. */
  rowids: Float64Array;
  hashes: Uint32Array;
}

const MAGIC = 'docgraph-hnsw-manifest';
const VERSION = 1;

/**
 * A 64-bit hash (two 32-bit lanes) of a row's float32 bits, written to
 * `out` at `slot` (two entries a row): whether a row's
 * vector is still the one the saved graph was given. Not cryptographic; a
 * changed vector keeping both lanes is a 1-in-2^64 event, and costs only
 * recall (the graph proposes candidates, exact scores order them).
 */
export function rowHash(vec: Float32Array, out: Uint32Array, slot: number): void {
  const bits = new Uint32Array(vec.buffer, vec.byteOffset, vec.length);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bits.length;
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i]!;
    a = Math.imul(a ^ x, 0x01000193);
    b = Math.imul(b ^ ((x >>> 16) | (x << 16)), 0x5bd1e995);
    b ^= b >>> 13;
  }
  out[slot * 2] = a >>> 0;
  out[slot * 2 + 1] = b >>> 0;
}

/** The manifest at `base` and the graph file it names, if both are there and agree; undefined otherwise (never throws). */
export function readGraphManifest(base: string): GraphManifest | undefined {
  try {
    const raw = readFileSync(base);
    const headerEnd = raw.indexOf(0x0a);
    if (headerEnd < 0) return undefined;
    const header = JSON.parse(raw.subarray(0, headerEnd).toString('utf8')) as Record<string, unknown>;
    if (header.magic !== MAGIC || header.version !== VERSION) return undefined;
    const count = header.rows;
    const { signature, graph, graphBytes, graphSha256 } = header;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return undefined;
    if (typeof signature !== 'string' || typeof graph !== 'string' || typeof graphBytes !== 'number' || typeof graphSha256 !== 'string') return undefined;
    if (graph !== basename(graph) || !graph.startsWith(basename(base) + '.')) return undefined; // only a file beside the manifest, of its own
    const body = raw.subarray(headerEnd + 1);
    if (body.length !== count * 16) return undefined;
    // copied out: the file's buffer is not aligned for typed views
    const rowids = new Float64Array(count);
    const hashes = new Uint32Array(count * 2);
    Buffer.from(rowids.buffer).set(body.subarray(0, count * 8));
    Buffer.from(hashes.buffer).set(body.subarray(count * 8));
    const graphPath = join(dirname(base), graph);
    if (statSync(graphPath).size !== graphBytes) return undefined;
    return { signature, graphPath, graphBytes, graphSha256, rowids, hashes };
  } catch {
    return undefined;
  }
}

/** Whether the graph file still has the bytes the manifest recorded (read as a stream: the event loop is not held). */
export async function graphFileIntact(m: GraphManifest): Promise<boolean> {
  try {
    return statSync(m.graphPath).size === m.graphBytes && (await sha256Of(m.graphPath)) === m.graphSha256;
  } catch {
    return false;
  }
}

/**
 * Saves a graph: `save` writes the usearch file to the path it is given (at
 * once, with `rowids` and `hashes` taken at the same moment); its checksum is
 * then read as a stream, and the manifest renamed into place names it.
 * Rejects on a write error (the caller keeps its graph in memory and carries
 * on); leaves no temporary file behind.
 */
export async function writeGraphFiles(base: string, signature: string, save: (path: string) => void, rowids: Float64Array, hashes: Uint32Array): Promise<void> {
  const nonce = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const graph = `${basename(base)}.${nonce}.usearch`;
  const graphPath = join(dirname(base), graph);
  const temp = `${base}.${nonce}.tmp`;
  try {
    save(graphPath);
    const graphBytes = statSync(graphPath).size;
    const graphSha256 = await sha256Of(graphPath);
    const header = JSON.stringify({ magic: MAGIC, version: VERSION, signature, graph, graphBytes, graphSha256, rows: rowids.length });
    writeFileSync(temp, Buffer.concat([Buffer.from(header + '\n'), Buffer.from(rowids.buffer, rowids.byteOffset, rowids.byteLength), Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength)]));
    renameSync(temp, base);
  } catch (e) {
    rmSync(temp, { force: true });
    rmSync(graphPath, { force: true });
    throw e;
  }
  removeStaleGraphs(base);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Removes graph files the manifest does not name and that are older than it
 * (an earlier save's, or one that lost the race to another process's save).
 * A newer one is another process's save in progress, whose manifest is yet
 * to come.
 */
function removeStaleGraphs(base: string): void {
  try {
    const current = readGraphManifest(base)?.graphPath;
    const since = statSync(base).mtimeMs;
    const prefix = `${basename(base)}.`;
    for (const name of readdirSync(dirname(base))) {
      if (!name.startsWith(prefix) || !name.endsWith('.usearch')) continue;
      const path = join(dirname(base), name);
      if (path !== current && statSync(path).mtimeMs < since) rmSync(path, { force: true });
    }
  } catch {
    // another process removed a file first, or the folder is not ours to list: nothing to clean
  }
}
