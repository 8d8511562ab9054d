/**
 * The planner's read-ahead: files are read several at a time within a bound
 * of files and bytes, and looked at in file order, so the plan is the same
 * as when they were read one by one; a file that cannot be read is the same
 * per-file skip it always was; a file whose parse thread stopped is left to
 * its job instead of failing the plan.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackend } from '../app/backend.js';
import { checksum } from '../domain/ids.js';
import { documentChecksum } from './revision.js';
import { BuiltinEmbedder } from '../embed/builtin/builtin.js';
import { fitModel } from '../embed/builtin/model.js';
import { readSourceFile } from '../sources/source-file.js';
import { pathToFileURL } from 'node:url';
import { ThreadPool } from '../threads/pool.js';
import { parserOnThisThread, type Parser } from './parse-pool.js';
import { planFolder, READ_AHEAD, readAhead, type ReadOutcome } from './plan.js';

const root = mkdtempSync(join(tmpdir(), 'dg-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder of `n` Markdown files of growing size (file i holds i+1 KiB and its own heading). */
function folder(name: string, n: number): { dir: string; files: { uri: string; size: number }[] } {
  const dir = join(root, name);
  mkdirSync(dir);
  const files: { uri: string; size: number }[] = [];
  for (let i = 0; i < n; i++) {
    const uri = `page-${String(i).padStart(2, '0')}.md`;
    writeFileSync(join(dir, uri), `# Page ${i}\n\n${'x'.repeat(1024 * (i + 1))}\n`);
    files.push({ uri, size: statSync(join(dir, uri)).size });
  }
  return { dir, files };
}

async function collect(gen: AsyncGenerator<ReadOutcome>): Promise<ReadOutcome[]> {
  const out: ReadOutcome[] = [];
  for await (const o of gen) out.push(o);
  return out;
}

describe('readAhead', () => {
  it('yields in file order when later reads finish first', async () => {
    const { dir, files } = folder('order', 12);
    // the first files take longest: with reads overlapping, they finish last
    const read = async (f: { uri: string }): Promise<Buffer> => {
      const i = files.findIndex((x) => x.uri === f.uri);
      await sleep((files.length - i) * 5);
      return readSourceFile(dir, f.uri);
    };
    const got = await collect(readAhead(files, read));
    expect(got.map((o) => ('bytes' in o ? o.bytes.toString('utf8').split('\n')[0] : 'error'))).toEqual(files.map((_, i) => `# Page ${i}`));
  });

  it('keeps within the bounds of files and bytes, and reads ahead inside them', async () => {
    const { dir, files } = folder('bounds', 20);
    const limits = { files: 4, bytes: 40 * 1024 };
    let started = 0;
    let yielded = 0;
    let bytesOut = 0;
    let most = { files: 0, bytes: 0 };
    const read = async (f: { uri: string; size: number }): Promise<Buffer> => {
      started++;
      bytesOut += f.size;
      most = { files: Math.max(most.files, started - yielded), bytes: Math.max(most.bytes, bytesOut) };
      await sleep(2);
      return readSourceFile(dir, f.uri);
    };
    for await (const o of readAhead(files, read, limits)) {
      expect('bytes' in o).toBe(true);
      yielded++;
      bytesOut -= files[yielded - 1]!.size;
      await sleep(1); // the consumer's own work: the reads ahead run meanwhile
    }
    expect(yielded).toBe(files.length);
    expect(most.files).toBeLessThanOrEqual(limits.files);
    expect(most.files).toBeGreaterThan(1);
    expect(most.bytes).toBeLessThanOrEqual(limits.bytes);
  });

  it('reads a file larger than the byte bound alone, and still yields it', async () => {
    const { dir, files } = folder('large', 6);
    const limits = { files: 8, bytes: 3.5 * 1024 }; // page-03 (4 KiB) and after are each past the bound
    let inFlight = 0;
    const alone: string[] = [];
    const read = async (f: { uri: string; size: number }): Promise<Buffer> => {
      if (f.size > limits.bytes && inFlight === 0) alone.push(f.uri);
      inFlight++;
      try {
        return await readSourceFile(dir, f.uri);
      } finally {
        inFlight--;
      }
    };
    const got = await collect(readAhead(files, read, limits));
    expect(got.map((o) => ('bytes' in o ? checksum(o.bytes) : 'error'))).toEqual(files.map((f) => checksum(readFileBytes(dir, f.uri))));
    expect(alone).toEqual(['page-03.md', 'page-04.md', 'page-05.md']);
  });

  it('turns a failed read into an outcome at its place', async () => {
    const { dir, files } = folder('failing', 5);
    const read = async (f: { uri: string }): Promise<Buffer> => (f.uri === 'page-02.md' ? Promise.reject(new Error('boom')) : readSourceFile(dir, f.uri));
    const got = await collect(readAhead(files, read));
    expect(got.map((o) => ('bytes' in o ? 'ok' : (o.error as Error).message))).toEqual(['ok', 'ok', 'boom', 'ok', 'ok']);
  });

  it('bounds the planner to READ_AHEAD by default', () => {
    expect(READ_AHEAD).toEqual({ files: 8, bytes: 16 * 1024 * 1024 });
  });
});

describe('planFolder', () => {
  it('lists changes in file order and a file that became unreadable as the same skip as before', async () => {
    const { dir, files } = folder('plan', 12);
    const backend = await openBackend({ store: ':memory:' }, { create: true });
    try {
      const plan = await planFolder(dir, {
        store: backend.store,
        resolveEmbedder: async (texts) => ({ embedder: new BuiltinEmbedder(fitModel([...texts])), reembedAll: false }),
        onProgress: (p) => {
          // before the first file is read: one file becomes a folder, one goes
          if (p.phase === 'parse' && p.done === 0 && p.uri === files[0]!.uri) {
            rmSync(join(dir, 'page-03.md'));
            mkdirSync(join(dir, 'page-03.md'));
            rmSync(join(dir, 'page-07.md'));
          }
        },
      });
      expect(plan.skipped).toEqual([
        { uri: 'page-03.md', reason: 'unreadable', message: 'page-03.md could not be read: EISDIR' },
        { uri: 'page-07.md', reason: 'unreadable', message: 'page-07.md could not be read: ENOENT' },
      ]);
      const readable = files.filter((f) => f.uri !== 'page-03.md' && f.uri !== 'page-07.md');
      expect(plan.changes.map((c) => [c.uri, c.checksum])).toEqual(readable.map((f) => [f.uri, documentChecksum(readFileBytes(dir, f.uri))]));
      expect(plan.changes.map((c) => c.records?.sections[0]?.heading)).toEqual(readable.map((f) => `Page ${Number(f.uri.slice(5, 7))}`));
    } finally {
      await backend.close();
    }
  });
});

describe('planFolder with parse threads', () => {
  it('leaves a file whose parse thread stopped to its job, and plans the rest', async () => {
    const { dir, files } = folder('stopped', 6);
    // a Parser on a real thread pool whose thread exits while it holds page-02.md (test/fixtures/threads/echo.mjs)
    const threads = new ThreadPool<unknown, unknown>({ filename: pathToFileURL(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'threads', 'echo.mjs')).href, maxThreads: 2, idleTimeout: 1000 });
    const parser: Parser = {
      threads: 2,
      parse: async (task) => {
        await threads.run(task.uri === 'page-02.md' ? 'exit' : task.uri);
        return parserOnThisThread.parse(task);
      },
      close: () => threads.close(),
    };
    const backend = await openBackend({ store: ':memory:' }, { create: true });
    try {
      const plan = await planFolder(dir, {
        store: backend.store,
        resolveEmbedder: async (texts) => ({ embedder: new BuiltinEmbedder(fitModel([...texts])), reembedAll: false }),
        parser,
        threadsFromBytes: 0,
      });
      expect(plan.skipped).toEqual([]);
      expect(plan.changes.map((c) => [c.uri, c.records?.sections[0]?.heading])).toEqual(files.map((f, i) => [f.uri, i === 2 ? undefined : `Page ${i}`]));
    } finally {
      await parser.close();
      await backend.close();
    }
  });
});

function readFileBytes(dir: string, uri: string): Buffer {
  return readFileSync(join(dir, uri));
}
