import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { helperJs } from '../helpers/cli.js';

// Two `docgraph ingest` processes that opened a new index at once failed with "table sources already exists":
// migrate read the schema version before taking the write lock (issue 13 "Why now", seen in the concurrent ingest test).
// test/helpers/open-index.ts, transpiled with src/ (test/helpers/cli.ts): a child pays for Node and docgraph, not tsx's loader
const opener = helperJs('open-index.ts');
const dir = mkdtempSync(join(tmpdir(), 'dg-first-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(index: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', [opener, index], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

it('six processes opening the same new index (store and queue) at once all succeed, five times over', async () => {
  for (let round = 0; round < 5; round++) {
    const index = join(dir, `round-${round}`, 'index.db');
    const results = await Promise.all(Array.from({ length: 6 }, () => open(index)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);
