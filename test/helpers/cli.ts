/**
 * How the tests start the docgraph CLI as a child process: `node` on src/
 * transpiled once per test run (test/global-setup.ts) into .test-cli/, the
 * same esbuild transform tsx applies file by file. A child then pays for Node
 * and docgraph's modules only, not for tsx's loader (about 1.5 s of CPU a
 * start), and its worker threads load plain .js too. .test-cli/ sits beside
 * src/ so the paths the CLI finds from its own file (package.json, docs/,
 * bin/, dist/console/client) are the same.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const repo = join(import.meta.dirname, '..', '..');
const src = join(repo, 'src');
const out = join(repo, '.test-cli');

/** The folder src/ is transpiled into (.test-cli/). */
export const TRANSPILED = out;

/** The CLI entry the tests run with `node` (src/cli/run.ts, transpiled). */
export const CLI_JS = join(out, 'cli', 'run.js');

/** The argv for `node` that runs `docgraph ...args`. */
export const cliArgs = (...args: string[]): string[] => [CLI_JS, ...args];

/** Test helpers that tests run as child processes of their own (not the CLI): transpiled with src/, see `helperJs`. */
const CHILD_HELPERS = ['open-index.ts', 'pg-vector-replica.ts'];

/** The transpiled .js of a test/helpers/ file in CHILD_HELPERS, for `node` (its src/ imports point into .test-cli/). */
export const helperJs = (name: string): string => join(out, 'test-helpers', name.replace(/\.ts$/, '.js'));

/** The product's TypeScript files: src/ without tests, contract suites and the browser client (which dist/ builds). */
function sources(dir = src, files: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== join(src, 'console', 'client')) sources(p, files);
    } else if (/\.tsx?$/.test(e.name) && !/\.(test|contract)\.ts$/.test(e.name)) files.push(p);
  }
  return files;
}

/**
 * Transpiles src/ into .test-cli/. A file is written only when its content
 * changed, through a rename, so a second test run started meanwhile never
 * loads a half-written module.
 */
export async function transpileCli(): Promise<void> {
  const options = {
    bundle: false,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfigRaw: readFileSync(join(repo, 'tsconfig.json'), 'utf8'),
    logLevel: 'error',
  } as const;
  const result = await build({ ...options, entryPoints: sources(), outdir: out, outbase: src });
  const helpers = await build({ ...options, entryPoints: CHILD_HELPERS.map((h) => join(import.meta.dirname, h)), outdir: join(out, 'test-helpers') });
  const files = [
    ...result.outputFiles,
    // .test-cli/test-helpers/x.js imports .test-cli/app/backend.js where test/helpers/x.ts imports src/app/backend.ts
    ...helpers.outputFiles.map((f) => ({ path: f.path, text: f.text.replaceAll('from "../../src/', 'from "../'), contents: undefined as Uint8Array | undefined })),
  ];
  for (const f of files) {
    let old: string | undefined;
    try {
      old = readFileSync(f.path, 'utf8');
    } catch {
      // not there yet
    }
    if (old === f.text) continue;
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents ?? f.text);
    renameSync(tmp, f.path);
  }
}
