/**
 * Query synonyms end to end (src/search/synonyms.ts): a query in
 * abbreviations or everyday words finds the section written in the docs'
 * own words, lexically and in the snippet; the user's groups come from the
 * config file; `builtinSynonyms: false` turns the builtin ones off.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';

const root = mkdtempSync(join(tmpdir(), 'dg-synonyms-'));
const docs = join(root, 'docs');
const apps: App[] = [];

async function open(name: string, search?: object): Promise<App> {
  const cwd = join(root, name);
  mkdirSync(cwd);
  if (search) writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ search }));
  const app = await App.open(loadConfig({ cwd, env: {}, overrides: { index: join(cwd, 'index.db') } }), { create: true });
  apps.push(app);
  await app.ingest(docs);
  return app;
}

beforeAll(() => {
  mkdirSync(docs);
  writeFileSync(join(docs, 'files.md'), '# Files\n\n## Creating directories\n\nmkdir makes a new directory, with its parents when asked.\n\n## Reading files\n\nOpen a file and read its bytes.\n');
  writeFileSync(join(docs, 'mail.md'), '# Mail\n\n## Moving messages\n\nMove a message to another folder on the mail server.\n\n## Listing directories\n\nThe server lists each directory it keeps messages in.\n\n## Quotas\n\nEach directory has a size limit.\n');
  writeFileSync(join(docs, 'cluster.md'), '# Cluster\n\n## Deploying to Kubernetes\n\nThe chart installs the server as a Kubernetes deployment.\n\n## Scaling\n\nAdd replicas behind the load balancer.\n');
});

afterAll(async () => {
  for (const app of apps) await app.close();
  rmSync(root, { recursive: true, force: true });
});

describe('query synonyms', () => {
  it('find the section in the docs’ words for an abbreviation, and mark that word in the snippet', async () => {
    const app = await open('default');
    const r = await app.search('new dir', { mode: 'lexical' });
    expect(r.hits[0]?.heading).toBe('Creating directories');
    expect(r.hits[0]?.snippet).toContain('**directory**');
    expect(r.expanded).toEqual(['directory']);
    expect((await app.search('mkdir', { mode: 'lexical' })).expanded).toBeUndefined();
    // an everyday word, in the default (graph) mode
    expect((await app.search('make a folder')).hits[0]?.heading).toBe('Creating directories');
  });

  it('count a word and the one it stands for as one term: the odd section using the rarer word does not rank first for it', async () => {
    const app = await open('grouped');
    // "folder" is in one section and "directory" in three: alone, the rarer word would weigh most
    const r = await app.search('folder', { mode: 'lexical' });
    const headings = r.hits.map((h) => h.heading);
    expect(headings[0]).toMatch(/directories/);
    // still found, after the sections in the docs' own word
    expect(headings.indexOf('Moving messages')).toBeGreaterThan(headings.indexOf('Listing directories'));
    expect(headings.indexOf('Moving messages')).toBeGreaterThan(headings.indexOf('Creating directories'));
  });

  it('are off with builtinSynonyms: false, and the user’s own groups apply', async () => {
    const app = await open('custom', { builtinSynonyms: false, synonyms: [['kubernetes', 'k8s']] });
    expect((await app.search('dir', { mode: 'lexical' })).hits).toEqual([]);
    const r = await app.search('k8s', { mode: 'lexical' });
    expect(r.hits[0]?.heading).toBe('Deploying to Kubernetes');
    const plain = await open('plain');
    expect((await plain.search('k8s', { mode: 'lexical' })).hits).toEqual([]);
  });
});
