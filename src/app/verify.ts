/**
 * `docgraph verify`: does the index match the files, and is it whole? Drift
 * is the share of checked items (indexed documents, indexable files missing
 * from the index, entities) that are wrong; `repair` re-queues what a job can
 * fix and drops what nothing owns. It starts with the storage engine's own
 * check (IndexIntegrity.storageProblems) and throws IndexCorruptError when
 * that fails.
 */
import { IndexCorruptError, UnsupportedFileError } from '../domain/errors.js';
import { documentChecksum, parsedByOtherRevision } from '../ingest/revision.js';
import { skipOf, type SkippedFile } from '../ingest/ingest.js';
import { relinkDocument, settleRelinks } from '../ingest/links.js';
import { optedOutside, scanFolder } from '../sources/filesystem.js';
import { readSourceFile } from '../sources/source-file.js';
import { globMatcher } from '../sources/globs.js';
import type { Config } from '../config/config.js';
import type { IndexIntegrity } from '../store/integrity.js';
import type { Store } from '../store/store.js';

export interface DocumentDrift {
  uri: string;
  /**
   * What is wrong: missing-lexical, missing-vectors, orphan-edges, checksum (the file changed), parser (the file
   * is as indexed, but an earlier docgraph parsed it: see ingest/revision.ts), file-missing,
   * not-indexed, stale-links (its links do not point where the pages they name are now).
   */
  problems: string[];
}

export interface VerifyReport {
  /** Documents in the index, indexable files not in it, and entities. */
  checked: number;
  /** How many of them are wrong. */
  wrong: number;
  /** `wrong / checked` in percent (0 when nothing was checked). */
  driftPercent: number;
  documents: number;
  sections: number;
  entities: number;
  /** Per source folder, the documents (or files) that drifted. */
  drift: (DocumentDrift & { root: string })[];
  orphanEntities: number;
  orphanLexicalRows: number;
  docklessEdges: number;
  /** Files that cannot be indexed (not drift: they are in the DLQ with why). */
  unindexable: SkippedFile[];
  /** Source folders that no longer exist (their documents count as drift). */
  missingRoots: string[];
  /** Jobs pending or running: drift may be work in progress. */
  queued: number;
  repair?: { jobs: string[]; removedEntities: number; removedLexicalRows: number; removedEdges: number; relinked: number };
}

/** The last verify's figures, kept in the index (so `docgraph serve` can show them at /metrics whichever process ran it). */
export interface LastVerify {
  /** `wrong / checked`, 0 to 1. */
  driftRatio: number;
  wrong: number;
  checked: number;
  /** When it finished, ms since the epoch. */
  at: number;
}

const LAST_VERIFY_KEY = 'verify.last';

/** Keeps the report's figures in the index; a read-only index keeps none (verify still reports). */
export async function recordVerify(store: Store, report: VerifyReport, now = Date.now()): Promise<void> {
  const last: LastVerify = { driftRatio: report.checked === 0 ? 0 : report.wrong / report.checked, wrong: report.wrong, checked: report.checked, at: now };
  try {
    await store.putBlob(LAST_VERIFY_KEY, new TextEncoder().encode(JSON.stringify(last)));
  } catch {
    // the figures are for monitoring: a verify of an index this process cannot write still reports its drift
  }
}

/** The figures of the last verify of this index, if one ran. */
export async function lastVerify(store: Store): Promise<LastVerify | undefined> {
  const raw = await store.getBlob(LAST_VERIFY_KEY);
  return raw ? (JSON.parse(new TextDecoder().decode(raw)) as LastVerify) : undefined;
}

/** What verify needs of the ingestion service. */
export interface VerifyDeps {
  config: Config;
  store: Store;
  integrity: IndexIntegrity;
  /** Jobs pending or running. */
  depth(): Promise<number>;
  /** Re-queues these uris of a source folder (forced: even when the index holds their content). */
  requeue(root: string, uris: string[]): Promise<string[]>;
}

export async function verifyIndex(ingestion: VerifyDeps, o: { repair?: boolean } = {}): Promise<VerifyReport> {
  const { store } = ingestion;
  // The storage itself first: on damaged pages every other check is meaningless (or throws half-way).
  const damage = await ingestion.integrity.storageProblems();
  if (damage.length > 0) {
    const more = damage.length > 3 ? ` (and ${damage.length - 3} more)` : '';
    throw new IndexCorruptError(`${ingestion.integrity.storageCheck} found ${damage.length} problem(s): ${damage.slice(0, 3).join('; ')}${more}`, { path: ingestion.integrity.location });
  }
  const embedder = await store.getEmbedder();
  const integrity = await ingestion.integrity.check(embedder?.dimensions);
  const ignore = globMatcher(ingestion.config.ingest.ignore);
  const problems = new Map<string, string[]>(); // key root \u001f uri
  const note = (root: string, uri: string, what: string): void => {
    const k = `${root}\u001f${uri}`;
    const list = problems.get(k) ?? [];
    if (!list.includes(what)) list.push(what);
    problems.set(k, list);
  };
  const sources = new Map((await store.listSources()).map((s) => [s.id, s]));
  for (const p of integrity.problems) {
    const root = sources.get(p.sourceId)?.location ?? p.sourceId;
    if (p.missingLexical > 0) note(root, p.uri, 'missing-lexical');
    if (p.missingVectors > 0) note(root, p.uri, 'missing-vectors');
    if (p.orphanEdges > 0) note(root, p.uri, 'orphan-edges');
  }
  // links left pointing at an old version of their target (a crash between a write and the relinking after it)
  const stale: { root: string; uri: string; docId: string }[] = [];
  const targets = new Map<string, Map<string, string> | null>();
  for (const d of await store.listDocuments()) {
    if ((await relinkDocument(store, d.id, { check: true, targets })) !== 'stale') continue;
    const root = sources.get(d.sourceId)?.location ?? d.sourceId;
    stale.push({ root, uri: d.uri, docId: d.id });
    note(root, d.uri, 'stale-links');
  }
  const unindexable: SkippedFile[] = [];
  const missingRoots: string[] = [];
  let notIndexed = 0;
  for (const src of sources.values()) {
    if (src.kind !== 'fs') continue;
    const docs = new Map((await store.listDocuments(src.id)).map((d) => [d.uri, d.checksum]));
    let files;
    const rules = { followOutside: false, maxBytes: ingestion.config.ingest.maxFileBytes };
    try {
      rules.followOutside = optedOutside(ingestion.config.ingest.followSymlinksOutside, src.location);
      const scan = scanFolder(src.location, { ignore, ...rules });
      files = scan.files;
      unindexable.push(...scan.skipped);
    } catch {
      missingRoots.push(src.location);
      for (const uri of docs.keys()) note(src.location, uri, 'file-missing');
      continue;
    }
    const present = new Set<string>();
    for (const f of files) {
      present.add(f.uri);
      let bytes: Buffer;
      try {
        bytes = await readSourceFile(src.location, f.uri, rules);
      } catch (e) {
        if (e instanceof UnsupportedFileError) {
          present.delete(f.uri);
          unindexable.push({ uri: f.uri, reason: e.reason, message: e.message });
        }
        continue; // unreadable now: nothing to compare
      }
      const stored = docs.get(f.uri);
      if (stored !== undefined) {
        if (parsedByOtherRevision(stored, bytes)) note(src.location, f.uri, 'parser');
        else if (stored !== documentChecksum(bytes)) note(src.location, f.uri, 'checksum');
        continue;
      }
      try {
        // the parsers load only when a file is parsed (most commands never parse)
        const { parseDocument } = await import('../parse/parse.js');
        await parseDocument(f.uri, bytes, { maxFileBytes: ingestion.config.ingest.maxFileBytes, maxSectionTokens: ingestion.config.ingest.maxSectionTokens });
      } catch (e) {
        const skip = skipOf(f.uri, e);
        if (!skip) throw e;
        unindexable.push(skip);
        continue;
      }
      note(src.location, f.uri, 'not-indexed');
      notIndexed++;
    }
    for (const uri of docs.keys()) if (!present.has(uri)) note(src.location, uri, 'file-missing');
  }

  const drift = [...problems].map(([k, list]) => {
    const [root, uri] = k.split('\u001f') as [string, string];
    return { root, uri, problems: list };
  });
  drift.sort((a, b) => (a.root + a.uri < b.root + b.uri ? -1 : 1));
  const checked = integrity.documents + notIndexed + integrity.entities;
  const wrong = Math.min(checked, drift.length + integrity.orphanEntities + (integrity.orphanLexicalRows > 0 || integrity.docklessEdges > 0 ? 1 : 0));
  const depth = await ingestion.depth();
  const report: VerifyReport = {
    checked,
    wrong,
    driftPercent: checked === 0 ? 0 : (100 * wrong) / checked,
    documents: integrity.documents,
    sections: integrity.sections,
    entities: integrity.entities,
    drift,
    orphanEntities: integrity.orphanEntities,
    orphanLexicalRows: integrity.orphanLexicalRows,
    docklessEdges: integrity.docklessEdges,
    unindexable,
    missingRoots,
    queued: depth,
  };
  if (o.repair) {
    const jobs: string[] = [];
    const byRoot = new Map<string, string[]>();
    // stale links alone are fixed here; anything else is a job's work
    let relinked = await settleRelinks(store);
    for (const d of stale) if ((await relinkDocument(store, d.docId)) === 'replaced') relinked++;
    for (const d of drift) {
      if (missingRoots.includes(d.root) || d.problems.every((p) => p === 'stale-links')) continue;
      byRoot.set(d.root, [...(byRoot.get(d.root) ?? []), d.uri]);
    }
    for (const [root, uris] of byRoot) {
      jobs.push(...(await ingestion.requeue(root, uris)));
    }
    const removed = await ingestion.integrity.removeUnowned();
    report.repair = { jobs, removedEntities: removed.entities, removedLexicalRows: removed.lexicalRows, removedEdges: removed.edges, relinked };
  }
  return report;
}
