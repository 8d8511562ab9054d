// The README's "Operate" block must work as written (as readme-commands.test.ts holds the
// Usage block to): it runs in bash on a copy of the sample docs, with `npx docgraph` as this checkout's
// CLI, port 7700 swapped for a free one, a wait for the server after `serve &`, and curl made to fail on
// an HTTP error status.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_JS } from './helpers/cli.js';
import { freePort } from './helpers/net.js';

const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'dg-readme-rest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function block(): string[] {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const body = /## Operate \(REST API[^\n]*\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return body.split('\n').filter((l) => l.trim() !== '');
}

describe('the README REST block, as written', () => {
  it('runs: ingest, a key, serve --require-key, search, a section, readiness, metrics, keys list', async () => {
    const lines = block();
    expect(lines.length).toBeGreaterThanOrEqual(6);
    cpSync(join(repo, 'examples', 'sample-docs'), join(dir, 'docs'), { recursive: true });
    const port = await freePort();
    const script = [
      'set -euo pipefail',
      `export DOCGRAPH_PORT=${port}`,
      'trap \'kill $(jobs -p) 2>/dev/null || true; wait\' EXIT',
      ...lines.flatMap((l) => {
        const line = l.replace(/npx docgraph/g, 'docgraph').replace(/127\.0\.0\.1:7700/g, `127.0.0.1:${port}`).replace(/curl -s /g, 'curl -sSf ');
        if (!/\sserve\b.*&/.test(line)) return [line, 'echo'];
        return [line.replace(/&(\s+#.*)?$/, '2>serve.err &'), `for i in $(seq 1 600); do grep -q 'listening on' serve.err 2>/dev/null && break; sleep 0.1; done`];
      }),
    ].join('\n');
    writeFileSync(join(dir, 'run.sh'), script);
    // a program, not a shell function: `docgraph serve &` is then the server's own pid, which the trap stops
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'docgraph'), `#!/bin/sh\nexec node '${CLI_JS}' "$@"\n`, { mode: 0o755 });
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('DOCGRAPH_')) delete env[k];
    env.PATH = `${join(dir, 'bin')}:${env.PATH ?? ''}`;
    const r = spawnSync('bash', ['run.sh'], { cwd: dir, env, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('"hits":[{');
    expect(r.stdout).toContain('"anchor":"rotate-the-tls-certificate"');
    expect(r.stdout).toContain('"status":"ready"');
    expect(r.stdout).toContain('docgraph_http_requests_total{method="GET",route="/v1/search",status="200"} 1');
    expect(r.stdout).toMatch(/^[0-9a-f]{16} {2}read/m);
  }, 300_000);
});
