// Webhooks (issue 15, step 4): a push to a repository a git source tracks refreshes it. Real HMAC
// signatures, a local bare repository (file://), `docgraph serve` as a child process.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are read field by field and checked by expect */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

const SECRET = 'a-webhook-secret-of-some-length';
const ws = workspace({}, 'dg-webhooks-');
const bare = join(ws.dir, 'repo.git');
const work = join(ws.dir, 'work');
const url = pathToFileURL(bare).href;
let served: Served;

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
const commit = (file: string, text: string): void => {
  mkdirSync(join(work, 'docs'), { recursive: true });
  writeFileSync(join(work, 'docs', file), text);
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', file);
  git(work, 'push', '--quiet', 'origin', 'main');
};
const jobCount = async (): Promise<number> => {
  const r = await run(ws.dir, ['jobs', 'list', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as unknown[]).length;
};
const github = (body: string, delivery: string, secret = SECRET, signature?: string) =>
  fetch(`${served.url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      ...(signature !== '' ? { 'x-hub-signature-256': signature ?? `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } : {}),
    },
    body,
  });
const push = (repoUrl: string, ref = 'refs/heads/main'): string => JSON.stringify({ ref, repository: { clone_url: repoUrl, default_branch: 'main' } });

beforeAll(async () => {
  git(ws.dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(ws.dir, 'clone', '--quiet', bare, work);
  git(work, 'checkout', '--quiet', '-b', 'main');
  commit('a.md', '# A\n\nThe first page.\n');
  const r = await run(ws.dir, ['add', url, '--ref', 'main', '--subdir', 'docs', '--name', 'lib']);
  expect(r.code, r.stderr).toBe(0);
  served = await serveIn(ws.dir, [], { DOCGRAPH_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await served?.stop();
  rmSync(ws.dir, { recursive: true, force: true });
});

describe('webhooks', () => {
  it('refuses a bad or missing signature with 401 and queues nothing', async () => {
    commit('b.md', '# B\n\nThe snorkelwhip page.\n');
    const before = await jobCount();
    expect((await github(push(url), 'd-bad', 'not-the-secret')).status).toBe(401);
    expect((await github(push(url), 'd-none', SECRET, '')).status).toBe(401);
    const gl = await fetch(`${served.url}/webhooks/gitlab`, { method: 'POST', headers: { 'x-gitlab-token': 'wrong' }, body: JSON.stringify({ ref: 'refs/heads/main', project: { git_http_url: url } }) });
    expect(gl.status).toBe(401);
    await sleep(1000); // a refresh would have planned by now; none may have started
    expect(await jobCount()).toBe(before);
  });

  it('refreshes the tracking source on a signed push, and ignores a replay and an unknown repository', async () => {
    const before = await jobCount();
    const ok = await github(push(url), 'd-1');
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ refreshing: [{ name: 'lib', version: null }] });
    let hit: any;
    for (let i = 0; i < 120 && !hit; i++) {
      hit = ((await getJson(`${served.url}/v1/search?q=snorkelwhip&source=lib`)).body.hits ?? []).find((h: any) => h.uri === 'b.md');
      if (!hit) await sleep(500);
    }
    expect(hit).toMatchObject({ source: 'lib', uri: 'b.md' });
    const afterFirst = await jobCount();
    expect(afterFirst).toBe(before + 1); // only the new file

    commit('c.md', '# C\n\nAnother page.\n');
    const replay = await github(push(url), 'd-1');
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ replayed: true });
    const unknown = await github(push('https://example.invalid/other/repo.git'), 'd-2');
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toMatchObject({ ignored: true });
    const otherBranch = await github(push(url, 'refs/heads/feature'), 'd-3');
    expect(await otherBranch.json()).toMatchObject({ ignored: true });
    await sleep(1000);
    expect(await jobCount()).toBe(afterFirst);

    const gl = await fetch(`${served.url}/webhooks/gitlab`, { method: 'POST', headers: { 'x-gitlab-token': SECRET, 'x-gitlab-event-uuid': 'g-1' }, body: JSON.stringify({ ref: 'refs/heads/main', project: { git_http_url: url } }) });
    expect(gl.status).toBe(202);
  });
});
