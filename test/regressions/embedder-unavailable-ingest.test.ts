// Guards one clear error for an embedder that cannot work at all (issue 12 #1: the transformers provider
// selected without its package or model files). Ingest used to queue every file, fail each job with the
// same error (a JSON log line with a stack trace per file) and fill the DLQ; now it checks the embedder
// once before queuing anything and exits 1 with the error and its hint.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doc, run, workspace } from '../helpers/docgraph.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('regression: ingest with an embedder that cannot work', () => {
  it('fails once, before queuing, with the reason and what to do', async () => {
    // An empty model cache: the transformers provider has no model files and downloads are off.
    const ws = workspace({ embedder: { provider: 'transformers', cacheDir: 'no-models-here' } }, 'dg-embedder-unavailable-');
    dirs.push(ws.dir);
    for (let i = 0; i < 3; i++) writeFileSync(join(ws.docs, `page-${i}.md`), doc(i));

    const r = await run(ws.dir, ['ingest', 'docs']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.match(/is not available offline/g), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^docgraph: model Xenova\/all-MiniLM-L6-v2 is not available offline/m);
    expect(r.stderr).toMatch(/^ {2}hint: run once with --allow-download/m);
    expect(r.stderr).not.toMatch(/"level":|^\s+at /m);

    const dlq = await run(ws.dir, ['dlq', 'list', '--json']);
    expect(dlq.code, dlq.stderr).toBe(0);
    expect(JSON.parse(dlq.stdout)).toEqual([]);
  });
});
