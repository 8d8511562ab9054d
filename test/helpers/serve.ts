/** `docgraph serve` as a child process in a workspace (helpers/docgraph.ts), on a free loopback port. */
import { start, type Child } from './docgraph.js';

export interface Served {
  url: string;
  child: Child;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

export async function serveIn(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = start(dir, ['serve', '--port', '0', ...args], env);
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
