// The CLI end to end, as a user runs it: real child processes (not a TTY) on
// a temp copy of examples/sample-docs, the folder the README's quick start uses.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResult } from '../src/domain/types.js';
import type { IngestReport } from '../src/ingest/ingest.js';
import { CLI_JS } from './helpers/cli.js';

const repo = join(import.meta.dirname, '..');
const root = mkdtempSync(join(tmpdir(), 'dg-cli-'));
const docs = join(root, 'sample-docs');
const index = join(root, 'index.db');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `docgraph ...args` with pipes for stdio (so it is not a TTY). */
function docgraph(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [CLI_JS, ...args], { cwd: root, env: { ...process.env, DOCGRAPH_INDEX: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const noStackTrace = (s: string): void => expect(s).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

/** Indexable files of the sample docs. */
const sampleFiles = (readdirSync(join(repo, 'examples', 'sample-docs'), { recursive: true }) as string[]).filter((f) => ['.md', '.html'].includes(extname(f)));

let ingest: Run;

beforeAll(async () => {
  cpSync(join(repo, 'examples', 'sample-docs'), docs, { recursive: true });
  ingest = await docgraph('--index', index, 'ingest', docs);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('docgraph ingest', () => {
  it('prints a one-line summary (no progress bar) when stdout is not a terminal', () => {
    const n = sampleFiles.length;
    expect(n).toBeGreaterThanOrEqual(10);
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toMatch(new RegExp(`^${n} files: ${n} indexed, 0 unchanged, 0 deleted, 0 skipped; \\d+ sections \\(\\d+ embedded\\) in \\d+\\.\\d s\\n$`));
    expect(ingest.stderr).toBe('');
  });

  it.concurrent('--json prints the whole report', async () => {
    const r = await docgraph('--index', join(root, 'json.db'), 'ingest', docs, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as IngestReport;
    expect(report).toMatchObject({ files: sampleFiles.length, indexed: sampleFiles.length, unchanged: 0, deleted: 0, skipped: [], ignored: 0 });
    expect(report.sections).toBeGreaterThan(50);
    expect(report.embedded).toBe(report.sections);
    expect(report.embedder).toMatch(/^builtin:/);
    expect(report.root).toBe(docs);
  });

  it.concurrent('a folder of only bad files exits non-zero and says why each was skipped', async () => {
    const bad = join(root, 'bad');
    cpSync(join(repo, 'test', 'fixtures', 'bad-files'), bad, { recursive: true });
    const r = await docgraph('--index', join(root, 'bad.db'), 'ingest', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^4 files: 0 indexed, 0 unchanged, 0 deleted, 4 skipped \(/);
    expect(r.stderr).toMatch(/skipped binary\.md: .*binary/);
    expect(r.stderr).toMatch(/skipped latin1\.md: .*not valid UTF-8/);
    expect(r.stderr).toMatch(/skipped whitespace-only\.md: .*empty/);
    expect(r.stderr).toMatch(/skipped too-deep\.md: .*too deeply/);
    expect(r.stderr).toMatch(/nothing could be indexed/);
    noStackTrace(r.stderr);
  });
});

describe('docgraph search', () => {
  it.concurrent('--json hits carry uri, anchor, heading path, marked snippet, score and parts', async () => {
    const r = await docgraph('--index', index, 'search', 'ACME_E1042 health check timed out', '--json', '--limit', '5');
    expect(r.code).toBe(0);
    // the CLI's JSON speaks the MCP vocabulary: snake_case fields
    const result = JSON.parse(r.stdout) as { query: string; degraded: string[]; weak: boolean; took_ms: number; hits: { uri: string; anchor: string; heading_path: string[]; title: string; snippet: string; score: number; confidence: number; section_id: string; parts: SearchResult['hits'][number]['parts'] }[] };
    expect(result.query).toBe('ACME_E1042 health check timed out');
    expect(result.degraded).toEqual([]);
    expect(result.hits).toHaveLength(5);
    const top = result.hits[0]!;
    expect(top).toMatchObject({
      uri: 'reference/errors.md',
      anchor: 'acme_e1042-health-check-timed-out',
      heading_path: ['Errors and troubleshooting', 'ACME_E1042: Health check timed out'],
      title: 'Errors and troubleshooting',
    });
    expect(top.snippet).toMatch(/\*\*ACME_E1042\*\*/);
    expect(top.section_id).toMatch(/^s_/);
    expect(result.took_ms).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(/"[a-z]+[A-Z][a-zA-Z]*":/); // no camelCase field anywhere
    expect(top.score).toBeGreaterThan(0);
    expect(top.parts.lexical).toMatchObject({ rank: expect.any(Number), score: expect.any(Number) });
    expect(top.parts.vector).toMatchObject({ rank: expect.any(Number), score: expect.any(Number) });
    for (let i = 1; i < result.hits.length; i++) expect(result.hits[i - 1]!.score).toBeGreaterThanOrEqual(result.hits[i]!.score);
  });

  it.concurrent('prints uri#anchor, heading path and snippet, without colour codes when not a terminal', async () => {
    const r = await docgraph('--index', index, 'search', 'rotate the TLS certificate', '--limit', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1\. guides\/rotate-tls-certificate\.md#[\w-]+ {2}confidence \d\.\d{2}\n {3}Rotate the TLS certificate.*\n {3}.*\*\*/);
    expect(r.stdout.match(/^\d\. /gm)).toHaveLength(3);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it.concurrent('--limit 0 is a usage error: exit 2, a clear message, no stack trace', async () => {
    const r = await docgraph('--index', index, 'search', 'tls', '--limit', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--limit must be a whole number from 1 to 100/);
    expect(r.stdout).toBe('');
    noStackTrace(r.stderr);
  });

  it.concurrent('an empty query is a usage error: exit 2, says the query is empty', async () => {
    const r = await docgraph('--index', index, 'search', '   ');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^docgraph: the query is empty\n/);
    expect(r.stderr).toMatch(/allowed: /);
    noStackTrace(r.stderr);
  });

  it.concurrent('a missing index exits 3 with a hint to ingest first', async () => {
    const missing = join(root, 'nowhere', 'index.db');
    const r = await docgraph('--index', missing, 'search', 'tls');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`no index at ${missing}`);
    expect(r.stderr).toMatch(/hint: run `docgraph ingest <folder>` first/);
    noStackTrace(r.stderr);
  });
});

describe('docgraph entity', () => {
  it.concurrent('looks up a name that starts with dashes, as written, without `--`', async () => {
    const r = await docgraph('--index', index, 'entity', '--group', '--json');
    expect(r.stderr).not.toMatch(/unknown option/);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { entity: { name: string } }).entity.name).toBe('--group');
  });
});

describe('docgraph status', () => {
  it.concurrent('--json reports counts, the embedder and the index size', async () => {
    const r = await docgraph('--index', index, 'status', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { index: string; documents: number; sections: number; vectors: number; bytes: number; embedder: { id: string; dimensions: number } | null; configured_provider: string; last_indexed_at: string | null };
    expect(s.index).toBe(index);
    expect(s.documents).toBe(sampleFiles.length);
    expect(s.sections).toBeGreaterThan(50);
    expect(s.vectors).toBe(s.sections);
    expect(s.bytes).toBeGreaterThan(0);
    expect(s.embedder).toMatchObject({ id: expect.stringMatching(/^builtin:/), dimensions: 384 });
    expect(s.configured_provider).toBe('builtin');
    expect(Date.parse(s.last_indexed_at ?? '')).not.toBeNaN();
    expect(r.stdout).not.toMatch(/"[a-z]+[A-Z][a-zA-Z]*":/);
  });
});

describe('docgraph --store', () => {
  it.concurrent('takes a file path like --index', async () => {
    const r = await docgraph('--store', index, 'status', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { index: string; documents: number })).toMatchObject({ index, documents: sampleFiles.length });
  });

  it.concurrent('says a postgres:// server it cannot reach is unavailable, without the password or a stack trace', async () => {
    const r = await docgraph('--store', 'postgres://docgraph:hunter2@127.0.0.1:1/docs', 'ingest', docs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach PostgreSQL at postgres:\/\/docgraph:\*\*\*@127\.0\.0\.1:1\/docs/);
    expect(r.stderr).toMatch(/hint: check that PostgreSQL is running/);
    expect(r.stderr).not.toContain('hunter2');
    expect(r.stdout).toBe('');
    noStackTrace(r.stderr);
  });
});

describe('docgraph --help', () => {
  it.concurrent('the top-level help shows examples and exit codes', async () => {
    const r = await docgraph('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ docgraph ingest \.\/docs/);
    expect(r.stdout).toMatch(/\$ docgraph search "/);
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 failure, 2 bad arguments/);
    for (const cmd of ['ingest', 'search', 'status']) expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });

  it.concurrent('subcommand help exits 0 and shows options with an example query', async () => {
    const r = await docgraph('search', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: docgraph search \[options\] <query>/);
    expect(r.stdout).toMatch(/e\.g\. "/);
    for (const flag of ['--limit', '--json', '--uri-prefix', '--tag']) expect(r.stdout).toContain(flag);
  });
});
