// The ingest progress bar: one frame rendered as a pure function, and the
// real CLI in a pseudo-terminal (util-linux `script`) and through pipes.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { overallFraction, renderFrame, type ProgressFrame } from '../src/cli/progress.js';
import { repo, run } from './helpers/docgraph.js';
import { CLI_JS } from './helpers/cli.js';

describe('renderFrame', () => {
  it('names the phase and its step, and counts files and sections', () => {
    const line = renderFrame({ phase: 'parse', done: 12, total: 40, sections: 340, phaseMs: 2000, width: 10 });
    expect(line).toMatch(/^2\/5 parsing \[[█░]{10}\] +\d+%/);
    expect(line).toContain('12/40 files');
    expect(line).toContain('340 sections');
  });

  it('shows the rate and the time left from the counts and the time spent in the phase', () => {
    const line = renderFrame({ phase: 'write', done: 10, total: 40, phaseMs: 2000 });
    expect(line).toContain('5.0 files/s');
    expect(line).toContain('ETA 0:06');
    expect(renderFrame({ phase: 'write', done: 0, total: 40, phaseMs: 0 })).toContain('ETA –');
  });

  it('says the embedder is being fitted, with no count to wait on', () => {
    const line = renderFrame({ phase: 'fit', done: 0, total: 900, sections: 900, phaseMs: 0 });
    expect(line).toMatch(/^3\/5 fitting the embedder /);
    expect(line).toContain('working…');
    expect(line).not.toContain('ETA');
  });

  it('shows the percentage of the whole run, which never goes back when a phase starts', () => {
    const run: Omit<ProgressFrame, 'phaseMs'>[] = [
      { phase: 'scan', done: 0, total: 0 },
      { phase: 'parse', done: 0, total: 40 },
      { phase: 'parse', done: 40, total: 40 },
      { phase: 'fit', done: 0, total: 300 },
      { phase: 'write', done: 0, total: 40 },
      { phase: 'write', done: 20, total: 40 },
      { phase: 'write', done: 40, total: 40 },
      { phase: 'link', done: 0, total: 12 },
      { phase: 'link', done: 12, total: 12 },
    ];
    const fractions = run.map(overallFraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    expect(renderFrame({ ...run[2]!, phaseMs: 1 })).toMatch(/ 40%/);
    expect(renderFrame({ ...run.at(-1)!, phaseMs: 1, width: 4 })).toMatch(/\[████\] 100%/);
  });
});

const root = mkdtempSync(join(tmpdir(), 'dg-progress-'));
const docs = join(root, 'docs');
cpSync(join(repo, 'examples', 'sample-docs'), docs, { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `docgraph ingest` under `script`, so stderr is a terminal; `stdoutTo` sends stdout to a file instead. */
function ingestInTerminal(index: string, stdoutTo?: string): Promise<{ code: number | null; terminal: string }> {
  const cmd = ['node', CLI_JS, '--index', index, 'ingest', docs].map(quote).join(' ') + (stdoutTo ? ` > ${quote(stdoutTo)}` : '');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DOCGRAPH_')) env[k] = v;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: root, env: { ...env, COLUMNS: '200' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let terminal = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (terminal += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, terminal })));
}

describe('docgraph ingest', () => {
  it('draws one bar through the named phases on a terminal', async () => {
    const r = await ingestInTerminal(join(root, 'tty.db'));
    expect(r.code).toBe(0);
    for (const phase of ['1/5 scanning', '2/5 parsing', '3/5 fitting the embedder', '4/5 indexing']) expect(r.terminal).toContain(phase);
    expect(r.terminal).toMatch(/\d+\/\d+ files · \d+ sections/);
    expect(r.terminal).toMatch(/files: \d+ indexed/);
  });

  it('draws no bar when stdout is not a terminal, even if stderr is', async () => {
    const out = join(root, 'summary.txt');
    const r = await ingestInTerminal(join(root, 'redirected.db'), out);
    expect(r.code).toBe(0);
    expect(r.terminal).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/^\d+ files: \d+ indexed, 0 unchanged, 0 deleted, 0 skipped; \d+ sections \(\d+ embedded\) in \d+\.\d s\n$/);
  });

  it('prints only the one-line summary through pipes', async () => {
    const r = await run(root, ['--index', join(root, 'piped.db'), 'ingest', docs]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toHaveLength(2);
    expect(r.stdout).not.toMatch(/[█░\r]|parsing|indexing/);
  });
});
