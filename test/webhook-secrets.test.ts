// Webhooks with a secret per source (issue 15): source A's secret comes from the config file's `sources:`
// entry, B's from the environment variable `docgraph add --webhook-secret-env` named; a third source uses the
// server's secret. Real HMAC signatures, local bare repositories (file://), two `docgraph serve` children on
// one index: a delivery id taken by one is refused by the other (ids kept in the index).
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are read field by field and checked by expect */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { run, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

const SECRET_A = 'secret-of-repository-a-1234';
const SECRET_B = 'secret-of-repository-b-5678';
const GLOBAL = 'the-server-wide-secret-9012';
const ws = workspace({}, 'dg-hooksecrets-');
const env = { B_HOOK_SECRET: SECRET_B, DOCGRAPH_WEBHOOK_SECRET: GLOBAL };
let one: Served;
let two: Served;

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

/** A bare repository with a working clone; `commit` adds a file and pushes it. */
function repository(name: string): { url: string; commit: (file: string, text: string) => void } {
  const bare = join(ws.dir, `${name}.git`);
  const work = join(ws.dir, `${name}-work`);
  git(ws.dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(ws.dir, 'clone', '--quiet', bare, work);
  git(work, 'checkout', '--quiet', '-b', 'main');
  return {
    url: pathToFileURL(bare).href,
    commit: (file, text) => {
      mkdirSync(join(work, 'docs'), { recursive: true });
      writeFileSync(join(work, 'docs', file), text);
      git(work, 'add', '-A');
      git(work, 'commit', '--quiet', '-m', file);
      git(work, 'push', '--quiet', 'origin', 'main');
    },
  };
}

const a = repository('a');
const b = repository('b');
const c = repository('c');

const push = (repoUrl: string): string => JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: repoUrl, default_branch: 'main' } });
const github = (server: Served, body: string, delivery: string, secret: string) =>
  fetch(`${server.url}/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    body,
  });
const jobCount = async (): Promise<number> => {
  const r = await run(ws.dir, ['jobs', 'list', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as unknown[]).length;
};
/** Waits until a search of `source` finds `uri` (its refresh was queued and done). */
async function indexed(server: Served, word: string, source: string, uri: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const hits = (await getJson(`${server.url}/v1/search?q=${word}&source=${source}`)).body.hits ?? [];
    if (hits.some((h: any) => h.uri === uri)) return;
    await sleep(500);
  }
  throw new Error(`${source}:${uri} was not indexed`);
}

beforeAll(async () => {
  a.commit('a.md', '# A\n\nThe first page of A.\n');
  b.commit('b.md', '# B\n\nThe first page of B.\n');
  c.commit('c.md', '# C\n\nThe first page of C.\n');
  writeFileSync(join(ws.dir, 'docgraph.config.yaml'), stringify({ index: 'index.db', sources: [{ location: a.url, ref: 'main', subdir: 'docs', name: 'a', webhookSecret: SECRET_A }] }));
  for (const args of [['refresh'], ['add', b.url, '--ref', 'main', '--subdir', 'docs', '--name', 'b', '--webhook-secret-env', 'B_HOOK_SECRET'], ['add', c.url, '--ref', 'main', '--subdir', 'docs', '--name', 'c']]) {
    const r = await run(ws.dir, args);
    expect(r.code, r.stderr).toBe(0);
  }
  // two servers on one index; the second has no worker of its own
  [one, two] = await Promise.all([serveIn(ws.dir, [], env), serveIn(ws.dir, ['--no-worker'], env)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
  rmSync(ws.dir, { recursive: true, force: true });
});

describe('webhook secrets per source', () => {
  it('never stores the secret: the source keeps the variable name only', async () => {
    const r = await run(ws.dir, ['sources', '--json']);
    expect(r.stdout).not.toContain(SECRET_B);
    const bad = await run(ws.dir, ['add', b.url, '--name', 'b2', '--webhook-secret-env', '1-not-a-name']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an environment variable name/);
  });

  it("refreshes A on a push signed with A's secret, and refuses A's push signed with B's or the server's secret", async () => {
    a.commit('a2.md', '# A2\n\nThe grumbleweed page.\n');
    const before = await jobCount();
    expect((await github(one, push(a.url), 'a-wrong-1', SECRET_B)).status).toBe(401);
    expect((await github(one, push(a.url), 'a-wrong-2', GLOBAL)).status).toBe(401);
    await sleep(1000);
    expect(await jobCount()).toBe(before);

    const ok = await github(one, push(a.url), 'a-1', SECRET_A);
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ refreshing: [{ name: 'a', version: null }] });
    await indexed(one, 'grumbleweed', 'a', 'a2.md');
  });

  it("refreshes B with the secret from its environment variable, and C with the server's", async () => {
    b.commit('b2.md', '# B2\n\nThe snollygoster page.\n');
    c.commit('c2.md', '# C2\n\nThe flibbertigibbet page.\n');
    expect((await github(one, push(b.url), 'b-wrong', SECRET_A)).status).toBe(401);
    const okB = await github(one, push(b.url), 'b-1', SECRET_B);
    expect(okB.status).toBe(202);
    expect(await okB.json()).toEqual({ refreshing: [{ name: 'b', version: null }] });
    const okC = await github(one, push(c.url), 'c-1', GLOBAL);
    expect(await okC.json()).toEqual({ refreshing: [{ name: 'c', version: null }] });
    await indexed(one, 'snollygoster', 'b', 'b2.md');
    await indexed(one, 'flibbertigibbet', 'c', 'c2.md');
  });

  it('refuses a replay sent to the other server process with 200 and queues nothing', async () => {
    a.commit('a3.md', '# A3\n\nThe kerfuffle page.\n');
    const first = await github(one, push(a.url), 'a-replayed', SECRET_A);
    expect(first.status).toBe(202);
    await indexed(one, 'kerfuffle', 'a', 'a3.md');
    a.commit('a4.md', '# A4\n\nThe brouhaha page.\n');
    const before = await jobCount();
    const replay = await github(two, push(a.url), 'a-replayed', SECRET_A);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ replayed: true, refreshing: [] });
    await sleep(1500);
    expect(await jobCount()).toBe(before);
    // a new delivery to the second server is taken (its jobs wait for the first server's worker)
    const fresh = await github(two, push(a.url), 'a-new', SECRET_A);
    expect(fresh.status).toBe(202);
    await indexed(one, 'brouhaha', 'a', 'a4.md');
  });
});
