import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_JS } from '../helpers/cli.js';

// `ingest /nonexistent` exited 2 but first created .docgraph/index.db, and later commands then searched an empty
// index silently; `worker --exit-when-idle` in the wrong folder created one too and exited 0 (issue 12 #8).
const dir = mkdtempSync(join(tmpdir(), 'dg-noindex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function docgraph(...args: string[]) {
  const env = { ...process.env };
  delete env.DOCGRAPH_INDEX;
  return spawnSync('node', [CLI_JS, ...args], { cwd: dir, env, encoding: 'utf8' });
}

describe('nothing is created until the input is valid', () => {
  it('ingest of a missing folder exits 2 and creates no index', () => {
    const r = docgraph('ingest', join(dir, 'nonexistent'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/folder not found/);
    expect(existsSync(join(dir, '.docgraph'))).toBe(false);
  });

  it('watch of a missing folder exits 2 and creates no index', () => {
    const r = docgraph('watch', join(dir, 'nonexistent'));
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, '.docgraph'))).toBe(false);
  });

  it('worker and search on a folder with no index say so (exit 3) and create none', () => {
    for (const args of [['worker', '--exit-when-idle'], ['search', 'anything'], ['status']]) {
      const r = docgraph(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toMatch(/no index at/);
      expect(existsSync(join(dir, '.docgraph'))).toBe(false);
    }
  });
});
