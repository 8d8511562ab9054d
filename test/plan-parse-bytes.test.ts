/**
 * ingest.planParseBytes: past that many bytes of changed files an ingest no
 * longer parses ahead (holding every document's sections in memory, which
 * ran a million-section corpus out of heap); each remaining file's job
 * parses it. What is indexed must not depend on it: the same documents,
 * sections, entities and links, only the builtin embedder's fit (on the
 * files parsed ahead) differs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';

const root = mkdtempSync(join(tmpdir(), 'dg-plan-bytes-'));
const docs = join(root, 'docs');
afterAll(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(docs);
for (let i = 0; i < 8; i++) {
  writeFileSync(
    join(docs, `page-${i}.md`),
    `# Page ${i}\n\nSee [the next page](page-${(i + 1) % 8}.md#setup) and set \`retry.max_attempts\`.\n\n## Setup\n\nRun \`tool init --force\` to set up part ${i}.\n\n## Errors\n\nE${1000 + i}: the part ${i} is missing.\n`,
  );
}

/** Everything an ingest wrote except vectors: one line per row, sorted. */
async function indexed(planParseBytes: number): Promise<{ lines: string[]; report: { indexed: number; sections: number }; counts: object; parsedAhead: number }> {
  const cwd = join(root, `i-${planParseBytes}`);
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ ingest: { planParseBytes } }));
  const app = await App.open(loadConfig({ cwd, env: {}, overrides: { index: join(cwd, 'index.db') } }), { create: true });
  try {
    let parsedAhead = -1;
    const report = await app.ingest(docs, (p) => {
      if (p.phase === 'parse' && p.sections !== undefined) parsedAhead = p.sections;
    });
    const status = await app.status();
    const counts = { documents: status.documents, sections: status.sections, vectors: status.vectors, entities: status.entities, edges: status.edges };
    const lines: string[] = [];
    for await (const line of app.export()) {
      const row = JSON.parse(line) as Record<string, unknown>;
      lines.push(JSON.stringify(row));
    }
    return { lines: lines.sort(), report: { indexed: report.indexed, sections: report.sections }, counts, parsedAhead };
  } finally {
    await app.close();
  }
}

describe('ingest.planParseBytes', () => {
  it('indexes the same documents, sections, entities and links whether files are parsed ahead or by their jobs', async () => {
    const ahead = await indexed(64 * 1024 * 1024);
    const byJobs = await indexed(0); // only the first file is parsed ahead
    expect(ahead.report).toEqual({ indexed: 8, sections: 24 });
    expect(byJobs.report).toEqual(ahead.report);
    // the plan parsed every file, or only the first (3 sections) and left the rest to the jobs
    expect(ahead.parsedAhead).toBe(24);
    expect(byJobs.parsedAhead).toBe(3);
    expect(byJobs.counts).toEqual(ahead.counts);
    expect(ahead.counts).toMatchObject({ documents: 8, sections: 24, vectors: 24 });
    expect(byJobs.lines.length).toBeGreaterThan(24);
    expect(byJobs.lines).toEqual(ahead.lines);
  });
});
