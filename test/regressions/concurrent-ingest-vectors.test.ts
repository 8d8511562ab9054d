// Two `docgraph ingest` processes on two folders of the same index at once
// must never leave sections without vectors. Each planner may fit (or
// refit) the builtin embedder, which swaps the index's vector space under
// the other's jobs and re-embeds; whatever the interleaving, afterwards
// `docgraph verify` finds no drift and every section has a vector.
// Real CLI processes on one real index file, several rounds.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/app/verify.js';
import { run, start, workspace, writeDocs } from '../helpers/docgraph.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ROUNDS = 3;

describe('two ingests of different folders into one index at once', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`leave every section with a vector and 0 drift (round ${round})`, async () => {
      const ws = workspace({}, 'dg-concurrent-');
      dirs.push(ws.dir);
      // b is more than twice a: whichever plans second may refit the model
      mkdirSync(join(ws.dir, 'a'));
      mkdirSync(join(ws.dir, 'b'));
      writeDocs(join(ws.dir, 'a'), 40, 6);
      writeDocs(join(ws.dir, 'b'), 110, 6);
      const a = start(ws.dir, ['ingest', 'a', '--json']);
      const b = start(ws.dir, ['ingest', 'b', '--json']);
      const [ca, cb] = await Promise.all([a.exited, b.exited]);
      expect(ca, a.stderr()).toBe(0);
      expect(cb, b.stderr()).toBe(0);
      const v = await run(ws.dir, ['verify', '--json']);
      const report = JSON.parse(v.stdout) as VerifyReport;
      expect(report.drift).toEqual([]);
      expect(report.wrong).toBe(0);
      expect(v.code, v.stderr).toBe(0);
      expect(report.documents).toBe(150);
      const s = await run(ws.dir, ['status', '--json']);
      const status = JSON.parse(s.stdout) as { sections: number; vectors: number };
      expect(status.vectors).toBe(status.sections);
    }, 120_000);
  }
});
