/** `docgraph serve` as a child process in a workspace (helpers/docgraph.ts), on a free loopback port. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, start, workspace, type Child } from './docgraph.js';

export interface Served {
  url: string;
  child: Child;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

export async function serveIn(dir: string, args: string[] = [], env: Record<string, string> = {}, cli?: string): Promise<Served> {
  const child = start(dir, ['serve', '--port', '0', ...args], env, cli);
  await child.waitFor(/listening on http:\/\/\S+ /, 60_000);
  const url = /listening on (http:\/\/\S+) /.exec(child.stderr())![1]!;
  return {
    url,
    child,
    stop: async () => {
      if (child.child.exitCode === null) child.signal('SIGTERM');
      return child.exited;
    },
  };
}

export type Workspace = ReturnType<typeof workspace>;

/** A workspace (helpers/docgraph.ts) with one small document, docs/a.md ("Certificates"), indexed by `docgraph ingest`. */
export async function indexedWorkspace(prefix?: string): Promise<Workspace> {
  const ws = workspace({}, prefix);
  writeFileSync(join(ws.docs, 'a.md'), '# Certificates\n\nRotate the certificate yearly.\n');
  const r = await run(ws.dir, ['ingest', 'docs']);
  if (r.code !== 0) throw new Error(`docgraph ingest docs exited ${r.code}: ${r.stderr}`);
  return ws;
}

/** indexedWorkspace, served by `docgraph serve` (serveIn); the caller stops it and removes `ws.dir`. */
export async function servedWorkspace(prefix?: string): Promise<{ ws: Workspace; served: Served }> {
  const ws = await indexedWorkspace(prefix);
  return { ws, served: await serveIn(ws.dir) };
}

/** fetch with a bearer key (when given) and JSON parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read field by field and checked by expect
export async function getJson(url: string, key?: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text
  }
  return { status: res.status, headers: res.headers, body };
}
