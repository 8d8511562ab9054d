/**
 * Downloads an npm package's tarball, checks it against the registry's
 * `dist.integrity` (Subresource Integrity, strongest hash) or `dist.shasum`,
 * and unpacks its documents safely into a folder: only regular files that
 * docgraph indexes (Markdown, HTML), never an entry whose path leaves the
 * folder (the whole package is refused), never symlinks, hard links or
 * devices (left out and listed), with caps on entries and bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { DocgraphError, InvalidInputError } from '../domain/errors.js';
import { DEFAULT_MAX_FILE_BYTES, formatOf } from '../parse/input.js';
import { authFor, type ResolvedPackage } from './npm-registry.js';
import { FetchError } from './web/fetch-error.js';
import type { SiteHttp } from './web/http.js';

/** Largest tarball downloaded, in bytes. */
export const MAX_TARBALL_BYTES = 200 * 1024 * 1024;
/** Most bytes unpacked from one package (its documents). */
const MAX_UNPACKED_BYTES = 500 * 1024 * 1024;
/** Most entries read from one tarball. */
const MAX_ENTRIES = 100_000;

/** The registry's answer did not match its own checksum: nothing is unpacked. */
export class IntegrityError extends DocgraphError {
  constructor(message: string) {
    super('INVALID_INPUT', message, { hint: 'the tarball differs from what the registry lists for it; try again later, or check the registry (a proxy or cache may have altered it)' });
  }
}

export interface UnpackReport {
  /** Paths (inside the package) of the documents written. */
  files: string[];
  /** Entries left out: links and special files, with why. */
  skipped: { path: string; reason: string }[];
}

/** Downloads `pkg.tarball`, checks it and unpacks its documents into `dir` (replaced). */
export async function fetchPackage(http: SiteHttp, pkg: ResolvedPackage, registry: string, config: ReadonlyMap<string, string>, dir: string): Promise<UnpackReport> {
  const sameHost = new URL(pkg.tarball).host === new URL(registry).host;
  const r = await http.get(pkg.tarball, { headers: { accept: 'application/octet-stream', ...(sameHost ? authFor(registry, config) : {}) } });
  if (r.status !== 200) throw new FetchError(pkg.tarball, `the tarball of ${pkg.name}@${pkg.version} answered HTTP ${r.status} (${pkg.tarball})`, { retryable: r.status >= 500 });
  verifyIntegrity(r.body, pkg);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    return await unpackDocs(r.body, dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Throws IntegrityError unless `data` matches `pkg.integrity` (its strongest hash) or, without one, `pkg.shasum`. */
export function verifyIntegrity(data: Buffer, pkg: Pick<ResolvedPackage, 'name' | 'version' | 'integrity' | 'shasum'>): void {
  const label = `${pkg.name}@${pkg.version}`;
  if (pkg.integrity) {
    const rank = ['sha1', 'sha256', 'sha384', 'sha512'];
    const hashes = pkg.integrity
      .trim()
      .split(/\s+/)
      .map((h) => /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)(\?.*)?$/.exec(h))
      .filter((m): m is RegExpExecArray => m !== null);
    if (hashes.length === 0) throw new IntegrityError(`the registry's integrity for ${label} ("${pkg.integrity.slice(0, 40)}") names no hash docgraph knows (sha512, sha384, sha256, sha1)`);
    const best = Math.max(...hashes.map((m) => rank.indexOf(m[1]!)));
    const algo = rank[best]!;
    const actual = createHash(algo).update(data).digest('base64');
    if (!hashes.some((m) => m[1] === algo && m[2] === actual)) {
      throw new IntegrityError(`the tarball of ${label} fails its integrity check: ${algo} is ${algo}-${actual}, the registry lists ${pkg.integrity}`);
    }
    return;
  }
  if (pkg.shasum) {
    const actual = createHash('sha1').update(data).digest('hex');
    if (actual !== pkg.shasum.toLowerCase()) throw new IntegrityError(`the tarball of ${label} fails its integrity check: sha1 is ${actual}, the registry lists ${pkg.shasum}`);
    return;
  }
  throw new IntegrityError(`the registry gives no integrity or shasum for ${label}; docgraph does not index a tarball it cannot check`);
}

/**
 * Unpacks the documents of a (gzipped) npm tarball into `dir`: the top
 * folder (`package/`) is dropped; `node_modules` inside is left out.
 */
export async function unpackDocs(tgz: Buffer, dir: string): Promise<UnpackReport> {
  const report: UnpackReport = { files: [], skipped: [] };
  let entries = 0;
  let bytes = 0;
  let failure: Error | undefined;
  const fail = (e: Error): void => {
    failure ??= e;
  };
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries++;
        if (failure || entries > MAX_ENTRIES) {
          if (entries > MAX_ENTRIES) fail(new InvalidInputError(`the package has more than ${MAX_ENTRIES} entries`, { field: 'location' }));
          entry.resume();
          return;
        }
        const raw = entry.path;
        const path = insidePath(raw);
        if (path === undefined) {
          fail(new InvalidInputError(`the tarball entry "${raw}" leaves the package folder; the package is refused`, { field: 'location' }));
          entry.resume();
          return;
        }
        const type = entry.type;
        if (type === 'Directory' || path === '') {
          entry.resume();
          return;
        }
        if (type !== 'File' && type !== 'OldFile' && type !== 'ContiguousFile') {
          report.skipped.push({ path, reason: `${type} entries are never unpacked` });
          entry.resume();
          return;
        }
        if (formatOf(path) === undefined || path.split('/').includes('node_modules')) {
          entry.resume();
          return;
        }
        if (entry.size > DEFAULT_MAX_FILE_BYTES) {
          report.skipped.push({ path, reason: `larger than ${DEFAULT_MAX_FILE_BYTES} bytes` });
          entry.resume();
          return;
        }
        bytes += entry.size;
        if (bytes > MAX_UNPACKED_BYTES) {
          fail(new InvalidInputError(`the package's documents unpack to more than ${MAX_UNPACKED_BYTES} bytes`, { field: 'location' }));
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          if (failure) return;
          const to = join(dir, path);
          mkdirSync(dirname(to), { recursive: true });
          writeFileSync(to, Buffer.concat(chunks), { mode: 0o644 });
          report.files.push(path);
        });
      },
    });
    parser.on('error', (e: Error) => reject(new InvalidInputError(`the package tarball is damaged: ${e.message}`, { field: 'location' })));
    parser.on('close', () => resolve());
    parser.on('end', () => resolve());
    parser.end(tgz);
  });
  if (failure) throw failure;
  report.files.sort();
  return report;
}

/** An entry's path without its top folder, checked to stay inside; undefined when it leaves (absolute, `..`, backslash, NUL). */
function insidePath(raw: string): string | undefined {
  if (raw.includes('\\') || raw.includes('\0') || raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return undefined;
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return undefined;
  const rest = parts.slice(1).join('/');
  return posix.normalize(rest === '' ? '.' : rest) === '.' ? '' : rest;
}
