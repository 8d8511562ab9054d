// Every command in the README's Usage block must work as written on the sample docs (issue 12 #3):
// each is run from a folder holding a copy of examples/sample-docs as ./docs (and ./site), and must exit 0
// and print something.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_JS } from './helpers/cli.js';

const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'dg-readme-'));

/** The `npx docgraph …` lines of the README's Usage block, comments removed, split as a shell would. */
function usageCommands(): string[][] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = /## Usage\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .filter((l) => l.startsWith('npx docgraph '))
    .map((l) => l.replace(/\s+#.*$/, '').replace(/\s*>\s*\S+$/, ''))
    .map((l) => [...l.slice('npx docgraph '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!));
}

function docgraph(args: string[]) {
  const env = { ...process.env };
  delete env.DOCGRAPH_INDEX;
  return spawnSync('node', [CLI_JS, ...args], { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

beforeAll(() => {
  cpSync(join(repo, 'examples', 'sample-docs'), join(dir, 'docs'), { recursive: true });
  cpSync(join(repo, 'examples', 'sample-docs'), join(dir, 'site'), { recursive: true });
  cpSync(join(repo, 'examples'), join(dir, 'examples'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README Usage commands, as written, on the sample docs', () => {
  const commands = usageCommands();
  it('finds the commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(8);
    expect(commands[0]![0]).toBe('ingest');
  });
  it.each(commands.map((c) => [c.join(' '), c] as const))('docgraph %s', (_name, args) => {
    const r = docgraph(args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim(), r.stderr).not.toBe('');
    expect(r.stdout).not.toMatch(/^no results$/m);
  });
});
