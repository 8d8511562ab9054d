// Issue 11: packages an unchanged re-ingest does not use are not loaded by it (their loading was
// most of the command's start-up: some 200 modules of yaml, semver, cockatiel, piscina, chokidar,
// tar, rate-limiter-flexible). The real CLI in a child process, with every module it loads written
// down (test/fixtures/loaded-packages, loaded with NODE_OPTIONS=--import).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './helpers/docgraph.js';

const register = join(import.meta.dirname, 'fixtures', 'loaded-packages', 'register.mjs');
const dir = mkdtempSync(join(tmpdir(), 'dg-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packages (node_modules folders) `docgraph ...args` loaded. */
async function packagesLoaded(args: string[]): Promise<Set<string>> {
  const file = join(dir, 'loaded.txt');
  const r = await run(dir, args, { LOADED_PACKAGES_FILE: file, NODE_OPTIONS: `--import ${register}` });
  expect(r.code, r.stderr).toBe(0);
  const names = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Loaded only by what needs them: a config file, parse threads, watch, a crawl or npm source, Redis, PostgreSQL, a span, a progress bar on a terminal. */
const LAZY = ['yaml', 'piscina', 'chokidar', 'cockatiel', 'tar', 'semver', 'undici', 'rate-limiter-flexible', 'ioredis', 'pg', '@opentelemetry/api', 'cli-progress'];

describe('an unchanged re-ingest', () => {
  it('loads none of the packages only other work needs', async () => {
    const docs = join(dir, 'docs');
    mkdirSync(docs);
    for (let i = 0; i < 5; i++) writeFileSync(join(docs, `page-${i}.md`), `# Page ${i}\n\nThe widget ${i} listens on port ${8000 + i}.\n`);
    const first = await run(dir, ['--index', 'index.db', 'ingest', 'docs']);
    expect(first.code, first.stderr).toBe(0);
    const loaded = await packagesLoaded(['--index', 'index.db', 'ingest', 'docs']);
    expect(loaded.has('better-sqlite3')).toBe(true); // the recorder sees what is loaded
    expect(LAZY.filter((p) => loaded.has(p))).toEqual([]);
  });
});
