/**
 * The parse pool: files parsed on worker threads give exactly the records
 * the calling thread gives, errors come back as the same error classes, a
 * file that exhausts a parse thread's heap fails alone, threads that cannot
 * even load the parsers leave the files to the calling thread (piscina's
 * unhandled 'error' event crashed the process), and the calling thread keeps
 * running while a file parses.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ParseError, UnsupportedFileError } from '../src/domain/errors.js';
import { parserOnThisThread, ThreadParser } from '../src/ingest/parse-pool.js';
import type { ParseTask } from '../src/ingest/parse-task.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const task = (uri: string, bytes: Uint8Array): ParseTask => ({ uri, bytes, sourceId: 'src_test', checksum: 'c', indexedAt: '2026-12-02T00:00:00.000Z', maxSectionTokens: 400 });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(md|html?)$/.test(name) ? [path] : [];
  });
}

const pool = new ThreadParser(2);
afterAll(() => pool.close());

describe('ThreadParser', () => {
  it('parses the generator zoo and the sample docs into the same records as the calling thread', async () => {
    const paths = [...files(join(fixtures, 'zoo')), ...files(join(import.meta.dirname, '..', 'examples', 'sample-docs'))];
    expect(paths.length).toBeGreaterThan(15);
    const tasks = paths.map((p) => task(relative(fixtures, p), readFileSync(p)));
    const threaded = await Promise.all(tasks.map((t) => pool.parse(t)));
    for (const [i, t] of tasks.entries()) {
      const here = await parserOnThisThread.parse(t);
      expect(threaded[i]).toEqual(here);
      expect(threaded[i]!.sections.length).toBeGreaterThan(0);
    }
  });

  it('gives back the error classes the calling thread throws', async () => {
    const bad = join(fixtures, 'bad-files');
    await expect(pool.parse(task('binary.md', readFileSync(join(bad, 'binary.md'))))).rejects.toMatchObject({ constructor: UnsupportedFileError, reason: 'binary' });
    await expect(pool.parse(task('latin1.md', readFileSync(join(bad, 'latin1.md'))))).rejects.toBeInstanceOf(UnsupportedFileError);
    await expect(pool.parse(task('notes.txt', Buffer.from('plain text')))).rejects.toMatchObject({ reason: 'unsupported-type' });
  });

  it('a file that needs more than a parse thread may hold fails alone, as a parse error; the pool goes on', async () => {
    const small = new ThreadParser(1, { heapMb: 24 });
    try {
      const huge = Buffer.from('<html><body>' + '<div><p>word '.repeat(300_000) + '</body></html>');
      const failed = await small.parse(task('huge.html', huge)).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(ParseError);
      expect((failed as Error).message).toMatch(/more than 24 MB of memory/);
      const ok = await small.parse(task('small.md', Buffer.from('# Title\n\nSome text.\n')));
      expect(ok.sections.map((s) => s.heading)).toEqual(['Title']);
    } finally {
      await small.close();
    }
  });

  it('parses on the calling thread, with one warning, when its threads cannot load the parsers (a heap limit too small to hold them)', async () => {
    const causes: Error[] = [];
    const starved = new ThreadParser(2, { heapMb: 4, onUnavailable: (cause) => causes.push(cause) });
    try {
      const paths = files(join(import.meta.dirname, '..', 'examples', 'sample-docs'));
      const tasks = paths.map((p) => task(relative(fixtures, p), readFileSync(p)));
      const parsed = await Promise.all(tasks.map((t) => starved.parse(t))); // the first ones queued while the threads failed
      for (const [i, t] of tasks.entries()) expect(parsed[i]).toEqual(await parserOnThisThread.parse(t));
      expect(await starved.parse(tasks[0]!)).toEqual(parsed[0]);
      await expect(starved.parse(task('binary.md', readFileSync(join(fixtures, 'bad-files', 'binary.md'))))).rejects.toMatchObject({ constructor: UnsupportedFileError, reason: 'binary' });
      expect(causes.map((c) => (c as NodeJS.ErrnoException).code)).toEqual(['ERR_WORKER_OUT_OF_MEMORY']);
    } finally {
      await starved.close();
    }
  });

  it('keeps the calling thread turning while a large file parses (the calling thread does not)', async () => {
    const big = Buffer.from(Array.from({ length: 4000 }, (_, i) => `## Section ${i}\n\nText of section ${i} with \`code${i}\` and a [link](other.md#s${i}).\n`).join('\n'));
    const turnsWhile = async (parse: Promise<unknown>): Promise<number> => {
      let done = false;
      let turns = 0;
      void parse.finally(() => (done = true));
      while (!done) {
        await turn();
        turns++;
      }
      return turns;
    };
    await pool.parse(task('warm.md', Buffer.from('# Warm\n'))); // threads started
    expect(await turnsWhile(pool.parse(task('big.md', big)))).toBeGreaterThan(20);
    expect(await turnsWhile(parserOnThisThread.parse(task('big.md', big)))).toBeLessThanOrEqual(2);
  });
});
