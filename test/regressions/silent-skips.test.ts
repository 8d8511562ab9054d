// Nothing a scan leaves out is left out silently: non-UTF-8 file names,
// dangling and looping symlinks, FIFOs, sockets, symlinked and unreadable
// folders each come with a reason in the ingest report, as text and --json.
// Real files, a real FIFO and socket, and the CLI as a child process (run as
// an unprivileged user when the tests run as root, so a chmod 000 folder is
// really unreadable).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestReport } from '../../src/ingest/ingest.js';
import { doc, workspace } from '../helpers/docgraph.js';
import { CLI_JS } from '../helpers/cli.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const ws = workspace({}, 'dg-skips-');
let socket: Server;

/** `docgraph ...args` in the workspace; as nobody when this process is root. */
function docgraph(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DOCGRAPH_')) env[k] = v;
  const child = spawn('node', [CLI_JS, ...args], {
    cwd: ws.dir,
    env: { ...env, HOME: ws.dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  const d = ws.docs;
  writeFileSync(join(d, 'good.md'), doc(1));
  writeFileSync(Buffer.from(join(d, 'caf\xe9.md'), 'latin1'), doc(2));
  symlinkSync('missing.md', join(d, 'dangling.md'));
  symlinkSync('loop.md', join(d, 'loop.md'));
  execFileSync('mkfifo', [join(d, 'pipe.md')]);
  socket = createServer();
  await new Promise<void>((resolve) => socket.listen(join(d, 'sock.md'), resolve));
  mkdirSync(join(d, 'v2'));
  writeFileSync(join(d, 'v2', 'intro.md'), doc(3));
  symlinkSync('v2', join(d, 'latest'));
  mkdirSync(join(d, 'locked'));
  writeFileSync(join(d, 'locked', 'secret.md'), doc(4));
  chmodSync(join(d, 'locked'), 0o000);
  // an unprivileged child must be able to write the index
  for (const p of [ws.dir, d]) chmodSync(p, 0o777);
});
afterAll(async () => {
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  chmodSync(join(ws.docs, 'locked'), 0o755);
  rmSync(ws.dir, { recursive: true, force: true });
});

const EXPECTED = {
  'caf\\xe9.md': 'non-utf8-name',
  'dangling.md': 'dangling-link',
  'latest/': 'linked-folder',
  'locked/': 'unreadable',
  'loop.md': 'link-loop',
  'pipe.md': 'special-file',
  'sock.md': 'special-file',
};

describe('every skip has a reason', () => {
  it('ingest --json lists each with its reason and a message, and indexes the rest', async () => {
    const r = await docgraph(['ingest', 'docs', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as IngestReport;
    expect(report.indexed).toBe(2); // good.md, v2/intro.md
    expect(Object.fromEntries(report.skipped.map((s) => [s.uri, s.reason]))).toEqual(EXPECTED);
    for (const s of report.skipped) expect(s.message.length).toBeGreaterThan(20);
    expect(report.skipped.find((s) => s.uri === 'locked/')!.message).toMatch(/EACCES/);
    expect(report.skipped.find((s) => s.uri === 'pipe.md')!.message).toMatch(/FIFO/);
    expect(report.skipped.find((s) => s.uri === 'sock.md')!.message).toMatch(/socket/);
  });

  it('ingest prints each skip on stderr and counts them by reason', async () => {
    const r = await docgraph(['ingest', 'docs']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/0 indexed, 2 unchanged, 0 deleted, 7 skipped \(/);
    for (const [uri, reason] of Object.entries(EXPECTED)) {
      expect(r.stdout).toMatch(new RegExp(`\\d ${reason}`));
      expect(r.stderr).toContain(`skipped ${uri}: `);
    }
    expect(r.stderr).toMatch(/skipped caf\\xe9\.md: file name "caf\\xe9\.md" is not valid UTF-8/);
  });
});
