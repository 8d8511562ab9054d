// A file whose content changes on every read (rewritten in a tight loop by
// another process) must not supersede itself forever: after a few jobs in a
// row find it changed, it is skipped as `unstable`, the rest is indexed and
// `docgraph ingest` ends. A real writer child process, the real CLI.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestReport } from '../../src/ingest/ingest.js';
import { run, start, workspace, writeDocs } from '../helpers/docgraph.js';

const ws = workspace({}, 'dg-unstable-');
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

/** A process that rewrites docs/hot.md in a loop (whole files, renamed into place) until killed, for 2 minutes at most. */
function rewriter(): { stop: () => Promise<void> } {
  const script = `
    const { writeFileSync, renameSync } = require('node:fs');
    const [target, tmp] = process.argv.slice(1);
    const end = Date.now() + 120000;
    for (let i = 0; Date.now() < end; i++) {
      writeFileSync(tmp, '# Hot page\\n\\nThis page changes all the time: revision ' + i + ' of ' + Date.now() + '.\\n');
      renameSync(tmp, target);
    }`;
  const child = spawn(process.execPath, ['-e', script, join(ws.docs, 'hot.md'), join(ws.dir, 'hot.tmp')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('a file rewritten continuously during ingest', () => {
  it('is skipped as unstable after a few supersedes, and ingest ends', async () => {
    writeDocs(ws.docs, 10);
    writeFileSync(join(ws.docs, 'hot.md'), '# Hot page\n\nStarting.\n');
    const writer = rewriter();
    try {
      const ingest = start(ws.dir, ['ingest', 'docs', '--json']);
      // a bound, not a timing assertion: before the fix this ingest never ended
      const code = await Promise.race([ingest.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
      if (code === 'hung') {
        ingest.signal('SIGKILL');
        await ingest.exited;
      }
      expect(code, ingest.stderr()).toBe(0);
      const report = JSON.parse(ingest.stdout()) as IngestReport;
      // The writer may pause (a busy machine) so that two reads agree and the
      // file is indexed after all; what must hold is the bound on its jobs.
      const jobs = await run(ws.dir, ['jobs', 'list', '--json', '--limit', '10000']);
      const hotJobs = (JSON.parse(jobs.stdout) as { uri: string; type: string }[]).filter((j) => j.uri === 'hot.md');
      expect(hotJobs.length).toBeGreaterThan(0);
      expect(hotJobs.length).toBeLessThanOrEqual(4); // the planned job and at most 3 supersedes
      const hot = report.skipped.find((s) => s.uri === 'hot.md');
      if (hotJobs.length === 4 && hot) {
        expect(hot.reason).toBe('unstable');
        expect(hot.message).toMatch(/changed every time it was read \(4 reads in a row/);
        expect(report.indexed).toBe(10);
      } else {
        expect(report.indexed).toBe(11);
      }
    } finally {
      await writer.stop();
    }
  }, 90_000);
});
