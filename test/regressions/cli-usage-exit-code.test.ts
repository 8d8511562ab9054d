// Guards exit code 2 for bad arguments to a subcommand: commander's exit
// override was set on the root command only, so `search --limit 0`, a missing
// argument or an unknown option of a subcommand exited 1 (via process.exit).
// test/cli.test.ts covers `--limit 0` and `--help` on a subcommand.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_JS } from '../helpers/cli.js';


function run(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI_JS, '--index', join(import.meta.dirname, 'no-index-needed.db'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('regression: usage errors in subcommands exit 2', () => {
  it.concurrent.each([
    [['search'], /missing required argument 'query'/],
    [['status', '--bogus'], /unknown option '--bogus'/],
  ])('docgraph %j', async (args, message) => {
    const r = await run(...args);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
  });
});
