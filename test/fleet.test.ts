// The fleet (issue 13, step 5): one PostgreSQL index and one Redis (the shared result cache and
// change notifications) shared by three `docgraph serve --no-worker` replicas and by `docgraph worker` processes that are killed with SIGKILL at random moments while
// they ingest. Afterwards every document is indexed exactly once, verify reports 0% drift, every
// replica answers the same queries with the same hits, and a changed file is searchable on every
// replica (so the shared cache never answers from before a write). All real processes and real HTTP;
// a fresh database on the test server and the machine's Redis (.ci/run starts both).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doc, integrityOf, jobCounts, queueDocs, run, start, token, until, withQueue, withStore, workspace, writeDocs, type Child } from './helpers/docgraph.js';
import { freshDatabase } from './helpers/postgres.js';
import { TEST_REDIS_URL } from './helpers/redis.js';

const DOCS = 100;
const SECTIONS = 6;
const KILLS = 10;
const LANES = 2;
const REPLICAS = 3;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let ws: ReturnType<typeof workspace>;
const replicas: { proc: Child; url: string; client: Client; changes: number }[] = [];

beforeAll(async () => {
  db = await freshDatabase('dgfleet');
  // short leases so the killed workers' jobs come back quickly; attempts enough for any number of kills
  ws = workspace(
    {
      store: db.url,
      redis: TEST_REDIS_URL,
      queue: { leaseMs: 1000, heartbeatMs: 300, reaperIntervalMs: 200, maxAttempts: 100, backoffBaseMs: 20, backoffMaxMs: 200 },
      worker: { pollMs: 20, graceMs: 500 },
    },
    'dg-fleet-',
  );
});
afterAll(async () => {
  for (const r of replicas) {
    await r.client.close().catch(() => undefined);
    r.proc.signal('SIGTERM');
    await r.proc.exited;
  }
  await db?.drop();
  rmSync(ws.dir, { recursive: true, force: true });
});

/** A random whole number in [lo, hi]. */
const between = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'docgraph-fleet-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url + '/mcp')));
  return client;
}

interface Hit {
  uri: string;
  anchor: string;
  score: number;
}
async function search(client: Client, query: string): Promise<Hit[]> {
  const r = (await client.callTool({ name: 'search_docs', arguments: { query, limit: 5 } })) as CallToolResult;
  expect(r.isError ?? false, JSON.stringify(r.content)).toBe(false);
  return ((r.structuredContent as { hits: Hit[] }).hits ?? []).map((h) => ({ uri: h.uri, anchor: h.anchor, score: h.score }));
}

describe('fleet: PostgreSQL and Redis, three serve replicas, workers killed mid-ingest', () => {
  it(`indexes ${DOCS} documents exactly once through ${KILLS} worker kills; replicas agree and see a change`, { timeout: 420_000 }, async () => {
    const uris = writeDocs(ws.docs, DOCS, SECTIONS);
    const queued = await queueDocs(ws.dir);
    expect(queued.jobs!.ids).toHaveLength(DOCS);

    // three replicas that only serve (no worker), all on the one database
    for (let i = 0; i < REPLICAS; i++) {
      const proc = start(ws.dir, ['serve', '--port', '0', '--no-worker']);
      await proc.waitFor(/listening on http:\/\/\S+ /);
      const url = /listening on (http:\/\/\S+) /.exec(proc.stderr())![1]!;
      const replica = { proc, url, client: await connect(url), changes: 0 };
      // a write anywhere in the fleet reaches every replica's MCP clients (through Redis)
      replica.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void replica.changes++);
      replicas.push(replica);
    }

    // while workers are started and killed, the replicas keep answering
    let searching = true;
    let answered = 0;
    const readers = replicas.map(async (r, i) => {
      while (searching) {
        await search(r.client, `${token(i)} widget server`);
        answered++;
        await sleep(200);
      }
    });

    let killedMidWork = 0;
    let kills = 0;
    const lane = async (): Promise<void> => {
      for (let k = 0; k < KILLS / LANES; k++) {
        const w = start(ws.dir, ['worker'], { DOCGRAPH_LOG_LEVEL: 'info' });
        // a bound, not a timing assertion: a worker's start on a loaded machine can take a while
        await w.waitFor(/job claimed|worker stopped/, 90_000);
        await sleep(between(0, 200));
        if ((await jobCounts(db.url)).running > 0) killedMidWork++;
        w.signal('SIGKILL');
        expect(await w.exited).toBe(-1);
        kills++;
      }
    };
    try {
      await Promise.all(Array.from({ length: LANES }, lane));
    } finally {
      if (kills < KILLS) searching = false; // a failed lane: let the readers stop before the clients close
    }
    expect(kills).toBe(KILLS);
    expect(killedMidWork).toBeGreaterThanOrEqual(KILLS / 2);

    // two workers drain what is left, including the killed workers' jobs
    const drains = await Promise.all([run(ws.dir, ['worker', '--exit-when-idle']), run(ws.dir, ['worker', '--exit-when-idle'])]);
    for (const d of drains) expect(d.code, d.stderr).toBe(0);
    searching = false;
    await Promise.all(readers);
    expect(answered).toBeGreaterThan(0);

    // exactly once: one completed job per document, each document and section once, 0% drift
    const dead = await withQueue(db.url, async (q) => Promise.all((await q.list({ states: ['dead'], limit: 10 })).map(async (j) => ({ uri: j.uri, history: (await q.get(j.id))?.history }))));
    expect(dead, JSON.stringify(dead, null, 1)).toEqual([]);
    expect(await jobCounts(db.url)).toMatchObject({ pending: 0, running: 0, dead: 0, completed: DOCS });
    const completed = await withQueue(db.url, (q) => q.list({ states: ['completed'], limit: 10_000 }));
    expect(completed.map((j) => j.uri).sort()).toEqual([...uris].sort());
    expect(await withStore(db.url, (s) => s.stats())).toMatchObject({ documents: DOCS, sections: DOCS * SECTIONS, vectors: DOCS * SECTIONS });
    expect(await integrityOf(db.url)).toMatchObject({ documents: DOCS, sections: DOCS * SECTIONS, problems: [] });
    const verify = await run(ws.dir, ['verify', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ drift_percent: 0, documents: DOCS, queued: 0 });

    // every replica gives the same answer, and the right one, to the same questions
    const queries = [0, 1, 17, 42, 77, 99].map((i) => ({ i, q: `${token(i)} request number` }));
    queries.push({ i: -1, q: 'widget server port' });
    for (const { i, q } of queries) {
      const answers = await Promise.all(replicas.map((r) => search(r.client, q)));
      expect(answers[0]!.length).toBeGreaterThan(0);
      if (i >= 0) expect(answers[0]![0]!.uri).toBe(uris[i]);
      for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
    }

    // a changed file: queued, done by a worker, then found on every replica by its new word
    const changed = uris[7]!;
    const word = 'zqchangedwordx';
    writeFileSync(join(ws.docs, changed), doc(7, SECTIONS, 1).replace('revision 1', `revision 1 ${word}`));
    const requeued = await queueDocs(ws.dir);
    expect(requeued.jobs!.ids).toHaveLength(1);
    for (const r of replicas) r.changes = 0;
    const w = await run(ws.dir, ['worker', '--exit-when-idle']);
    expect(w.code, w.stderr).toBe(0);
    for (const r of replicas) {
      await until(async () => (await search(r.client, word))[0]?.uri === changed, `replica ${r.url} to find the changed file`, 10_000);
    }
    expect(await withStore(db.url, (s) => s.stats())).toMatchObject({ documents: DOCS, sections: DOCS * SECTIONS });
    // the worker that wrote it announced the change: every replica told its MCP client
    for (const r of replicas) await until(() => r.changes > 0, `replica ${r.url} to announce the change to its MCP client`, 10_000);
  });
});
