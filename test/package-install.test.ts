// Issue 12 #12: `npm pack`, install the tarball into an empty folder, and `docgraph --version`, the
// README's package quick start, its hints and its MCP server must work from there.
//
// The install takes the dependencies from npm's cache (`npm ci` filled it; --prefer-offline goes to the
// registry only for what is missing) with install scripts off. The one dependency that has an install
// script is better-sqlite3 (the first test checks that): its native binding, built by `npm ci` in this
// clone, is copied in rather than compiled again, which takes minutes.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSFORMERS_INSTALL } from '../src/embed/transformers.js';

const repo = join(import.meta.dirname, '..');
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'dg-package-'));
const app = join(tmp, 'app');
const installed = join(app, 'node_modules', 'docgraph');
let tarball = '';

/** A user's shell: none of the npm_* variables npm sets for the script running this test, no DOCGRAPH_*. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|DOCGRAPH_)/i.test(k)) env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', ...extra };
}

function sh(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: userEnv(extra), encoding: 'utf8', timeout: 170_000, maxBuffer: 16 * 1024 * 1024 });
}

/** `npx docgraph …`, as the README has it. */
const npxDocgraph = (args: string[]) => sh('npx', ['--no-install', 'docgraph', ...args], app);
/** The installed bin that npx runs, without npx's second of start-up. */
const docgraph = (args: string[], cwd = app, extra: Record<string, string> = {}) => sh(join(app, 'node_modules', '.bin', 'docgraph'), args, cwd, extra);

/** The README's "As a package" block. */
function readmeBlock(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  return (/### As a package[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '').split('\n').filter((l) => l.trim() !== '');
}

/** Splits a README command line as a shell would (double quotes only). */
const words = (line: string): string[] => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

beforeAll(() => {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  // --ignore-scripts: pack the dist/ there is, without rebuilding it under the other tests' feet.
  const pack = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], repo);
  expect(pack.status, pack.stderr).toBe(0);
  tarball = join(tmp, (JSON.parse(pack.stdout) as [{ filename: string }])[0].filename);

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'docgraph-install-check', private: true }));
  const install = sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);
  expect(install.status, install.stderr).toBe(0);

  const built = join(repo, 'node_modules', 'better-sqlite3');
  const target = join(app, 'node_modules', 'better-sqlite3');
  const versionOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  expect(versionOf(target)).toBe(versionOf(built));
  mkdirSync(join(target, 'build', 'Release'), { recursive: true });
  copyFileSync(join(built, 'build', 'Release', 'better_sqlite3.node'), join(target, 'build', 'Release', 'better_sqlite3.node'));
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('docgraph installed from its tarball into an empty folder', () => {
  it("brings no transformers.js or ONNX Runtime, and no install script but the native modules' (better-sqlite3; usearch, which picks its shipped build)", () => {
    expect(tarball.endsWith(`docgraph-${version}.tgz`)).toBe(true);
    expect(existsSync(join(app, 'node_modules', '@huggingface', 'transformers'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'onnxruntime-node'))).toBe(false);
    const lock = JSON.parse(readFileSync(join(app, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    expect(Object.keys(lock.packages).filter((p) => lock.packages[p]!.hasInstallScript)).toEqual(['node_modules/better-sqlite3', 'node_modules/usearch']);
  });

  it("runs the README's package quick start as written", () => {
    const lines = readmeBlock();
    expect(lines[0]).toBe(`npm install /path/to/docgraph-${version}.tgz`);
    const commands = lines.filter((l) => l.startsWith('npx docgraph ')).map((l) => words(l).slice(2));
    expect(commands.map((c) => c[0])).toEqual(['--version', 'ingest', 'search']);
    const out: string[] = [];
    for (const args of commands) {
      const r = npxDocgraph(args);
      expect(r.status, `docgraph ${args.join(' ')}\n${r.stderr}`).toBe(0);
      out.push(r.stdout);
    }
    expect(out[0]!.trim()).toBe(version);
    expect(out[1]).toMatch(/^13 files: 13 indexed/m);
    expect(out[2]).toMatch(/^1\. guides\/rotate-tls-certificate\.md#rotate-the-tls-certificate\b/);
  });

  it('a configuration error names a docs page that the install holds', () => {
    const r = docgraph(['status'], app, { DOCGRAPH_EMBEDDER: 'bogus' });
    expect(r.status, r.stderr).toBe(2);
    const page = /hint: see (\S+) for every key/.exec(r.stderr)?.[1];
    expect(page, r.stderr).toBe(join(installed, 'docs', 'configuration.md'));
    expect(existsSync(page!)).toBe(true);
  });

  it('the transformers embedder without its package: one error with the command that installs it', () => {
    // Node looks for the package in every node_modules above the install too: one left in /tmp by other
    // work would be found and make this test about something else, so say so instead.
    for (let d = dirname(app); ; d = dirname(d)) {
      const stray = join(d, 'node_modules', '@huggingface', 'transformers');
      expect(existsSync(stray), `${stray} exists above the test install; remove it (it is not part of this checkout)`).toBe(false);
      if (dirname(d) === d) break;
    }
    const dir = join(app, 'with-transformers'); // its own index
    mkdirSync(dir);
    const r = docgraph(['ingest', join(installed, 'examples', 'sample-docs')], dir, { DOCGRAPH_EMBEDDER: 'transformers' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^docgraph: the transformers embedder needs @huggingface\/transformers, which is not installed/m);
    expect(r.stderr).toContain(TRANSFORMERS_INSTALL);
    expect(r.stderr).not.toMatch(/"level":|^\s+at /m);
  });

  it('an assistant started with the mcp-config snippet gets the tools and answers', async () => {
    const r = docgraph(['mcp-config', '--client', 'claude-desktop']);
    expect(r.status, r.stderr).toBe(0);
    const server = (JSON.parse(r.stdout) as { mcpServers: { docgraph: { command: string; args: string[] } } }).mcpServers.docgraph;
    expect(server.args[0]).toBe(join(installed, 'bin', 'docgraph.js'));
    const client = new Client({ name: 'install-check', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: server.command, args: server.args, cwd: app, env: userEnv() as Record<string, string>, stderr: 'ignore' }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('search_docs');
      const answer = await client.callTool({ name: 'search_docs', arguments: { query: 'rotate the TLS certificate', limit: 1 } });
      expect(answer.isError).not.toBe(true);
      expect(JSON.stringify(answer.structuredContent)).toContain('guides/rotate-tls-certificate.md');
    } finally {
      await client.close();
    }
  });
});
