// examples/sample-docs is what the README's quick start indexes: keep it
// consistent (front matter, links that resolve) and good enough to demo search.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import type { ParsedDocument } from '../src/parse/model.js';
import { parseFile } from '../src/parse/parse-file.js';

const dir = join(import.meta.dirname, '..', 'examples', 'sample-docs');
const files = (readdirSync(dir, { recursive: true }) as string[])
  .filter((f) => ['.md', '.html'].includes(extname(f)))
  .map((f) => f.split('\\').join('/'))
  .sort();
const markdown = files.filter((f) => f.endsWith('.md'));
const parse = (uri: string): ParsedDocument => parseFile(uri, readFileSync(join(dir, uri)));

describe('examples/sample-docs', () => {
  it('has Markdown and HTML pages', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files.filter((f) => f.endsWith('.html')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(markdown)('%s has front matter with title, tags and version', (uri) => {
    const doc = parse(uri);
    expect(doc.meta.frontMatterError).toBeUndefined();
    expect(doc.meta.title).toEqual(expect.any(String));
    expect(doc.meta.tags).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(doc.meta.version).toBe('3.2');
  });

  it.each(files.filter((f) => f.endsWith('.html')))('%s parses to titled sections without the site chrome', (uri) => {
    const doc = parse(uri);
    expect(doc.title).not.toMatch(/—|Acme Deploy$/); // the page heading, not the <title> with the site name
    expect(doc.sections.length).toBeGreaterThanOrEqual(4);
    expect(doc.sections.every((s) => s.anchor !== '' || s.level === 0)).toBe(true);
    const text = doc.sections.map((s) => s.text).join('\n');
    for (const chrome of ['Quick search', 'Powered by', 'Skip to content', 'Table of contents', 'Copyright', '©']) expect(text).not.toContain(chrome);
  });

  it('Markdown links point at pages and anchors that exist', () => {
    const anchors = new Map(files.map((uri) => [uri, new Set(parse(uri).sections.map((s) => s.anchor))]));
    const broken: string[] = [];
    let internal = 0;
    for (const uri of markdown) {
      for (const s of parse(uri).sections) {
        for (const link of s.links) {
          if (!link.targetUri) continue;
          internal++;
          if (!existsSync(join(dir, link.targetUri))) broken.push(`${uri}: ${link.href} (no such file)`);
          else if (link.targetAnchor && anchors.has(link.targetUri) && !anchors.get(link.targetUri)!.has(link.targetAnchor)) {
            broken.push(`${uri}: ${link.href} (no #${link.targetAnchor})`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
    expect(internal).toBeGreaterThan(20);
  });
});

describe('examples/sample-docs: demo searches', () => {
  const root = mkdtempSync(join(tmpdir(), 'dg-sample-'));
  let app: App;

  beforeAll(async () => {
    app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
    const report = await app.ingest(dir);
    expect(report).toMatchObject({ indexed: files.length, skipped: [] });
  });

  afterAll(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it.each([
    ['ACME_E1042', 'reference/errors.md#acme_e1042-health-check-timed-out'],
    ['EADDRINUSE', 'reference/errors.md#eaddrinuse-address-already-in-use'],
    ['rotate the TLS certificate', 'guides/rotate-tls-certificate.md#rotate-the-tls-certificate'],
    ['check when the certificate expires', 'guides/rotate-tls-certificate.md#check-when-the-certificate-expires'],
    ['how long does the agent wait for the health check', 'reference/configuration.md#deployhealth_timeout'],
    ['ACME_DEPLOY_MAX_PARALLEL', 'reference/configuration.md#deploymax_parallel'],
    ['acme rollback --to', 'reference/cli.md#acme-rollback'],
    ['what is a canary', 'concepts/glossary.md#canary'],
  ])('%s → %s in the top 3', async (query, expected) => {
    const { hits } = await app.search(query, { limit: 3 });
    expect(hits.map((h) => `${h.uri}#${h.anchor}`)).toContain(expected);
  });

  it('learns the docs\' own error codes from how they present them, and takes no dashboard id for one (issue 12 #20)', async () => {
    const e = await app.lookupEntity('ACME_E1042');
    expect(e.entity).toMatchObject({ type: 'ErrorCode', name: 'ACME_E1042' });
    expect(e.entity.attributes).toMatchObject({ title: 'Health check timed out' });
    expect(e.definedIn.map((c) => `${c.uri}#${c.anchor}`)).toEqual(['reference/errors.md#acme_e1042-health-check-timed-out']);
    for (const code of ['ACME_E1050', 'ACME_E2003', 'ACME_E3100', 'ACME_E4001']) expect((await app.lookupEntity(code)).entity.type).toBe('ErrorCode');
    await expect(app.lookupEntity('21042')).rejects.toThrow(/no entity named "21042"/);
  });
});
