// `docgraph watch` as a real process: file changes reach the index — create,
// change, rename, delete, editors' atomic saves (temp file renamed over the
// original; backup-then-write), a folder removed — and ignored paths do not.
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentChecksum } from '../src/ingest/revision.js';
import { doc, indexedUris, run, start, until, withStore, workspace, type Child } from './helpers/docgraph.js';

const ws = workspace({ ingest: { ignore: ['drafts/**'] }, watcher: { debounceMs: 50, stableMs: 100 }, worker: { pollMs: 20 } });
let watch: Child;

beforeAll(async () => {
  writeFileSync(join(ws.docs, 'existing.md'), doc(100));
  watch = start(ws.dir, ['watch', 'docs']);
  await watch.waitFor(/watching docs/);
});
afterAll(async () => {
  if (watch.child.exitCode === null) {
    watch.signal('SIGKILL');
    await watch.exited;
  }
  rmSync(ws.dir, { recursive: true, force: true });
});

const sha = (s: string): string => documentChecksum(Buffer.from(s));
/** The checksum the index holds for a uri, or undefined. */
const stored = (uri: string): Promise<string | undefined> => withStore(ws.index, async (s) => (await s.getDocumentByUri(uri))?.checksum);
const holds = (uri: string, text: string): Promise<void> => until(async () => (await stored(uri)) === sha(text), `${uri} to be indexed with its new content`);
const gone = (uri: string): Promise<void> => until(async () => (await stored(uri)) === undefined, `${uri} to leave the index`);

describe('docgraph watch', () => {
  it('indexes what was there when it started', async () => {
    await holds('existing.md', doc(100));
  });

  it('create, change, rename and delete reach the index', async () => {
    const a = doc(1);
    writeFileSync(join(ws.docs, 'a.md'), a);
    await holds('a.md', a);
    const a2 = doc(1, 4, 2);
    writeFileSync(join(ws.docs, 'a.md'), a2);
    await holds('a.md', a2);
    renameSync(join(ws.docs, 'a.md'), join(ws.docs, 'b.md'));
    await holds('b.md', a2);
    await gone('a.md');
    unlinkSync(join(ws.docs, 'b.md'));
    await gone('b.md');
  });

  it('atomic saves: a temp file renamed over the original, and backup-then-write', async () => {
    const c = doc(3);
    writeFileSync(join(ws.docs, 'c.md'), c);
    await holds('c.md', c);
    // write a temp file next to it, then rename it over the original (what most editors do)
    const c2 = doc(3, 4, 2);
    writeFileSync(join(ws.docs, '.c.md.tmp-1234'), c2);
    renameSync(join(ws.docs, '.c.md.tmp-1234'), join(ws.docs, 'c.md'));
    await holds('c.md', c2);
    // move the original to a backup, write the new file, drop the backup (vim's default)
    const c3 = doc(3, 4, 3);
    renameSync(join(ws.docs, 'c.md'), join(ws.docs, 'c.md~'));
    writeFileSync(join(ws.docs, 'c.md'), c3);
    unlinkSync(join(ws.docs, 'c.md~'));
    await holds('c.md', c3);
  });

  it('a removed folder takes its documents along; ignored paths never reach the index', async () => {
    mkdirSync(join(ws.docs, 'sub', 'deeper'), { recursive: true });
    for (const p of ['node_modules', '.git', 'drafts']) mkdirSync(join(ws.docs, p), { recursive: true });
    writeFileSync(join(ws.docs, 'node_modules', 'x.md'), doc(4));
    writeFileSync(join(ws.docs, '.git', 'y.md'), doc(5));
    writeFileSync(join(ws.docs, 'drafts', 'z.md'), doc(6));
    const d = doc(7);
    writeFileSync(join(ws.docs, 'sub', 'deeper', 'd.md'), d);
    await holds('sub/deeper/d.md', d);
    rmSync(join(ws.docs, 'sub'), { recursive: true });
    await gone('sub/deeper/d.md');
    const uris = await indexedUris(ws.index);
    expect(uris).toEqual(['c.md', 'existing.md']);
  });

  it('stops on SIGTERM with exit 0, and the index has no drift', async () => {
    watch.signal('SIGTERM');
    expect(await watch.exited).toBe(0);
    const v = await run(ws.dir, ['verify', '--json']);
    expect(JSON.parse(v.stdout)).toMatchObject({ drift_percent: 0, documents: 2 });
  });
});
