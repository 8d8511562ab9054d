/**
 * A private redis-server for tests that must stop and restart it (Debian's
 * `redis-server` binary, on a free loopback port, no persistence). Tests that
 * only need a server use the machine's at DOCGRAPH_TEST_REDIS (default
 * redis://127.0.0.1:6379, the one the session starts), with keys of their own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './net.js';

export { freePort };

export const TEST_REDIS_URL = process.env.DOCGRAPH_TEST_REDIS ?? 'redis://127.0.0.1:6379';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kills the server (SIGKILL, as a crash would). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

export async function startRedis(port?: number): Promise<PrivateRedis> {
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const c = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    for (let i = 0; !/Ready to accept connections/.test(out); i++) {
      if (c.exitCode !== null || i > 200) throw new Error(`redis-server on port ${p} did not start:\n${out}`);
      await Promise.race([sleep(25), exited]);
    }
    child = c;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    kill: async () => {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await gone;
    },
    restart: launch,
  };
}
