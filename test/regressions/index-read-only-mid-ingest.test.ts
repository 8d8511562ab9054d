// The index made unwritable while `docgraph ingest` runs (here: the
// immutable attribute on the index file and its WAL, which fails every
// write of the running process; a chmod does not reach a process that has
// the file open already) must not leave ingest retrying forever in silence:
// the worker logs its errors, gives up after a few in a row, and ingest
// exits non-zero saying what happened and what to do. Real CLI process,
// real index file, real chattr (root only; skipped otherwise).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { start, until, workspace, writeDocs, withStore } from '../helpers/docgraph.js';

const ws = workspace({}, 'dg-readonly-');
const files = [ws.index, ws.index + '-wal'];

function chattr(flag: '+i' | '-i'): void {
  execFileSync('chattr', [flag, ...files]);
}

const canChattr = ((): boolean => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('chattr', ['-i', ws.dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

afterAll(() => {
  try {
    chattr('-i');
  } catch {
    // never set
  }
  rmSync(ws.dir, { recursive: true, force: true });
});

describe.skipIf(!canChattr)('the index made read-only during ingest', () => {
  it('ingest logs the worker errors and fails fast with what to do', async () => {
    writeDocs(ws.docs, 800, 6);
    const ingest = start(ws.dir, ['ingest', 'docs']);
    // mid-ingest: some documents are written, most are not
    const written = async (): Promise<boolean> => {
      try {
        return (await withStore(ws.index, (s) => s.stats())).documents > 0;
      } catch {
        return false; // not created yet
      }
    };
    await until(written, 'the first documents', 60_000);
    chattr('+i');
    // a bound, not a timing assertion: before the fix ingest never ended
    const code = await Promise.race([ingest.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
    if (code === 'hung') {
      ingest.signal('SIGKILL');
      await ingest.exited;
    }
    chattr('-i');
    const stderr = ingest.stderr();
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/"msg":"worker error"/); // worker errors are logged
    expect(stderr).toMatch(/docgraph: the index at \S+index\.db cannot be written \(io-error\): /);
    expect(stderr).toMatch(/hint: .*immutable attributes.*queued jobs are kept/);
    expect(stderr).not.toMatch(/unexpected error/);
  }, 150_000);
});
