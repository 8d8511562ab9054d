// Issue 12 #1: every `npx docgraph …` printed `npm warn Unknown project config "onnxruntime-node-install"`
// (a key in .npmrc that npm does not know). The install must stay offline-safe without it: the
// transformers.js provider is an optional peer (not installed with docgraph), and in this repository,
// where it is a devDependency, package.json's allowScripts denies onnxruntime-node's post-install
// (a download from outside the npm registry).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  allowScripts?: Record<string, boolean>;
};
const scratch = mkdtempSync(join(tmpdir(), 'dg-npmrc-'));
// Two files: npm refuses to load one file as both the user and the global config.
const [userRc, globalRc] = [join(scratch, 'user-npmrc'), join(scratch, 'global-npmrc')];
writeFileSync(userRc, '');
writeFileSync(globalRc, '');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The environment of a user's shell: none of the npm_* variables npm sets for the script running this
 * test, and empty user and global configs, so what npm says comes from the project's own files.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, npm_config_userconfig: userRc, npm_config_globalconfig: globalRc, npm_config_update_notifier: 'false' };
}

function npm(bin: 'npm' | 'npx', args: string[], cwd: string) {
  return spawnSync(bin, args, { cwd, env: userEnv(), encoding: 'utf8', timeout: 60_000 });
}

describe('npm configuration', () => {
  it('.npmrc holds only keys npm knows', () => {
    // `npm config ls -l` outside any project lists every key this npm defines, with its default.
    const listed = npm('npm', ['config', 'ls', '-l', '--json'], scratch);
    expect(listed.status, listed.stderr).toBe(0);
    const known = new Set(Object.keys(JSON.parse(listed.stdout) as object));
    expect(known.has('fund')).toBe(true);
    const keys = readFileSync(join(repo, '.npmrc'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'))
      .map((l) => l.split('=')[0]!.trim());
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
  });

  it('npm in this project (as `npx docgraph` runs it) loads the project config without a warning', () => {
    // Every npm command run here loads the project's .npmrc as `npx docgraph …` does, and warned the same way
    // ("npm warn Unknown project config"). `npm pkg get version` is that load without npx's own work: npm 11
    // installs a project's own bin into its npx cache first (~30 s of CPU on this tree), and a run cut off
    // midway leaves a cache entry that fails every later run, which made this test flaky, not stricter.
    const r = npm('npm', ['pkg', 'get', 'version'], repo);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toBe(pkg.version);
    expect(r.stderr).not.toMatch(/npm warn/i);
  });

  it('the transformers.js provider is an optional peer, not installed with docgraph', () => {
    const name = '@huggingface/transformers';
    expect(pkg.dependencies?.[name]).toBeUndefined();
    expect(pkg.optionalDependencies?.[name]).toBeUndefined();
    expect(pkg.peerDependenciesMeta?.[name]?.optional).toBe(true);
    expect(pkg.peerDependencies?.[name]).toBe(`^${pkg.devDependencies?.[name]}`);
  });

  it('every dependency with an install script is reviewed in allowScripts, and onnxruntime-node is denied', () => {
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.hasInstallScript === true)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('onnxruntime-node');
    expect(withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean')).toEqual([]);
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });
});
