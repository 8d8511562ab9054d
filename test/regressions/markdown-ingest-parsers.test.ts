// Guards start-up and parse cost of a Markdown ingest: parse.ts imported the HTML, PDF and DOCX
// parsers up front, so ingesting Markdown loaded parse5, the hast/mdast utilities and our html.ts
// (about 200 modules of the Node docs ingest's 490) without ever using them. The real CLI in a
// child process, with a load hook that writes down every module it loads
// (test/fixtures/loaded-packages, shared with test/lazy-modules.test.ts); an HTML file in a second run shows the hook sees the HTML parser.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, workspace } from '../helpers/docgraph.js';

const register = join(import.meta.dirname, '..', 'fixtures', 'loaded-packages', 'register.mjs');
const ws = workspace({}, 'dg-md-parsers-');
afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

/** The modules `docgraph ingest docs` loads, as paths under src/ (ours) or package names. */
async function modulesLoadedByIngest(log: string): Promise<Set<string>> {
  const r = await run(ws.dir, ['ingest', 'docs'], { LOADED_PACKAGES_FILE: log, NODE_OPTIONS: `--import ${register}` });
  expect(r.code, r.stderr).toBe(0);
  const names = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((url) => {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) return pkg[1]!;
    const ours = /\/\.test-cli\/(.*)$/.exec(url);
    return ours ? ours[1]! : url;
  });
  return new Set(names);
}

/** Parser modules that Markdown does not need. */
const NOT_FOR_MARKDOWN = ['parse/html.js', 'parse/pdf.js', 'parse/docx.js', 'parse/to-mdast.js', 'parse5', 'hast-util-to-mdast', 'mdast-util-to-markdown', 'pdfjs-dist', 'mammoth'];

describe('regression: a Markdown-only ingest does not load the HTML, PDF and DOCX parsers', () => {
  it('loads the Markdown parser only', async () => {
    writeFileSync(join(ws.docs, 'guide.md'), '# Widget server\n\nThe widget server listens on port 8123.\n\n## Options\n\nSet `--port` to change it.\n');
    const loaded = await modulesLoadedByIngest(join(ws.dir, 'markdown.log'));
    expect(loaded).toContain('parse/markdown.js');
    expect(loaded).toContain('marked');
    expect(NOT_FOR_MARKDOWN.filter((m) => loaded.has(m))).toEqual([]);
  });

  it('loads the HTML parser once there is an HTML file', async () => {
    writeFileSync(join(ws.docs, 'page.html'), '<!doctype html><html><body><main><h1>Gadget</h1><p>The gadget listens on port 9000.</p></main></body></html>');
    const loaded = await modulesLoadedByIngest(join(ws.dir, 'html.log'));
    expect(loaded).toContain('parse/html.js');
    expect(loaded).toContain('parse5');
    expect(['parse/pdf.js', 'parse/docx.js', 'pdfjs-dist', 'mammoth'].filter((m) => loaded.has(m))).toEqual([]);
  });
});
