// Git sources (issue 15, step 3): a bare repository the test makes (file://), added with --ref and
// --subdir, refreshed after a commit that changes, adds and deletes files (jobs only for those),
// after a force-push, and removed. The real git binary, the CLI as child processes.
/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI's JSON is read field by field and checked by expect */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/docgraph.js';

const ws = workspace({}, 'dg-git-');
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

const bare = join(ws.dir, 'repo.git');
const work = join(ws.dir, 'work');
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
const put = (path: string, text: string): void => {
  mkdirSync(join(work, path, '..'), { recursive: true });
  writeFileSync(join(work, path), text);
};
const json = async (args: string[]): Promise<any> => {
  const r = await run(ws.dir, [...args, '--json']);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};
const uris = async (q: string): Promise<string[]> => (await json(['search', q, '--source', 'lib', '--mode', 'lexical'])).hits.map((h: any) => h.uri).sort();

describe('git sources', () => {
  it('clones a ref and a subdir, refreshes by fetch + diff, follows a force-push, and removes', async () => {
    git(ws.dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    git(ws.dir, 'clone', '--quiet', bare, work);
    git(work, 'checkout', '--quiet', '-b', 'main');
    put('docs/install.md', '# Install\n\nRun the gizmoctl installer.\n');
    put('docs/usage.md', '# Usage\n\nCall gizmoctl run.\n');
    put('docs/old.md', '# Old\n\nThe gizmoctl legacy mode.\n');
    put('README.md', '# Repo readme\n\ngizmoctl outside the docs folder.\n');
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', 'one');
    git(work, 'push', '--quiet', 'origin', 'main');
    const url = pathToFileURL(bare).href;

    const added = await json(['add', url, '--ref', 'main', '--subdir', 'docs', '--name', 'lib', '--version', '1']);
    expect(added).toMatchObject({ name: 'lib', version: '1', kind: 'git', revision: git(work, 'rev-parse', 'HEAD').trim(), report: { indexed: 3 } });
    expect(await uris('gizmoctl')).toEqual(['install.md', 'old.md', 'usage.md']);

    // one changed, one added, one deleted, one untouched, one outside the subdir
    put('docs/install.md', '# Install\n\nRun the gizmoctl installer with --fast.\n');
    put('docs/new.md', '# New\n\nThe gizmoctl turbo feature.\n');
    unlinkSync(join(work, 'docs/old.md'));
    put('README.md', '# Repo readme\n\ngizmoctl changed outside.\n');
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', 'two');
    git(work, 'push', '--quiet', 'origin', 'main');
    const refreshed = await json(['refresh', 'lib@1']);
    expect(refreshed.report).toMatchObject({ indexed: 2, deleted: 1, jobs: { queued: 3 } });
    expect(refreshed.revision).toBe(git(work, 'rev-parse', 'HEAD').trim());
    expect(await uris('gizmoctl')).toEqual(['install.md', 'new.md', 'usage.md']);
    // nothing changed: no jobs
    expect((await json(['refresh', 'lib@1'])).report).toMatchObject({ indexed: 0, jobs: { queued: 0 } });

    // history rewritten: the diff is between the two trees
    git(work, 'reset', '--quiet', '--hard', 'HEAD~1');
    put('docs/usage.md', '# Usage\n\nCall gizmoctl run --rewritten.\n');
    git(work, 'commit', '--quiet', '-am', 'rewritten');
    git(work, 'push', '--quiet', '--force', 'origin', 'main');
    const forced = await json(['refresh', 'lib@1']);
    // against commit two: install.md back, old.md back, usage.md changed; new.md gone
    expect(forced.report).toMatchObject({ indexed: 3, deleted: 1, jobs: { queued: 4 } });
    expect(await uris('gizmoctl')).toEqual(['install.md', 'old.md', 'usage.md']);

    const removed = await json(['remove', 'lib@1']);
    expect(removed).toEqual({ name: 'lib', version: '1', removed_documents: 3 });
    expect((await json(['sources'])).sources).toEqual([]);
    expect(await uris('gizmoctl').catch(() => [])).toEqual([]);
  });

  it('refuses a URL with a password and a subdir leaving the repository, registering nothing', async () => {
    const other = workspace({}, 'dg-git-bad-');
    const json2 = async (args: string[]): Promise<any> => JSON.parse((await run(other.dir, [...args, '--json'])).stdout);
    for (const [args, message] of [
      [['add', 'https://user:secret@example.invalid/r.git'], 'carries a password'],
      [['add', 'file:///nowhere/r.git', '--subdir', '../x'], 'leaves the repository'],
      [['add', 'file:///nowhere/r.git', '--name', 'gone'], 'git fetch failed'],
    ] as const) {
      const r = await run(other.dir, [...args]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('secret');
    }
    expect((await json2(['sources'])).sources).toEqual([]);
    rmSync(other.dir, { recursive: true, force: true });
  });
});
