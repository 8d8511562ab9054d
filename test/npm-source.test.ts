// npm package sources (issue 15): a registry on 127.0.0.1 the test starts, speaking the npm registry
// protocol (packument + tarball) for a fixture package packed with `npm pack` in the test's temp
// folder. Added by range through the CLI (the resolved version becomes the source version), searched,
// refreshed (same version: no jobs; a new version published: re-indexed under it); a tarball whose
// integrity does not match is refused with nothing indexed.
/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI's JSON is read field by field and checked by expect */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from './helpers/docgraph.js';

const ws = workspace({}, 'dg-npm-');
const tarballs = new Map<string, Buffer>(); // "name@version" → .tgz
const packuments = new Map<string, { name: string; 'dist-tags': Record<string, string>; versions: Record<string, unknown> }>();
const hits: string[] = [];
let server: Server;
let registry = '';

/** Packs a fixture package with `npm pack` and publishes it to the local registry (optionally with a wrong integrity). */
function publish(name: string, version: string, files: Record<string, string>, o: { badIntegrity?: boolean } = {}): void {
  const dir = join(ws.dir, 'pkgs', `${name}-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, description: 'fixture', license: 'MIT' }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } })) as { filename: string }[];
  const tgz = readFileSync(join(dir, packed[0]!.filename));
  tarballs.set(`${name}@${version}`, tgz);
  const integrity = `sha512-${createHash('sha512').update(o.badIntegrity ? Buffer.concat([tgz, Buffer.from('x')]) : tgz).digest('base64')}`;
  const doc = packuments.get(name) ?? { name, 'dist-tags': {}, versions: {} };
  doc.versions[version] = { name, version, dist: { tarball: `${registry}${name}/-/${name}-${version}.tgz`, integrity, shasum: createHash('sha1').update(tgz).digest('hex') } };
  doc['dist-tags'].latest = version;
  packuments.set(name, doc);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.push(path);
    const tgz = /^\/([^/]+)\/-\/\1-(.+)\.tgz$/.exec(path);
    if (tgz) {
      const body = tarballs.get(`${tgz[1]}@${tgz[2]}`);
      if (!body) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    }
    const doc = packuments.get(path.slice(1));
    if (!doc) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(ws.dir, { recursive: true, force: true });
});

const json = async (args: string[], env: Record<string, string> = {}): Promise<any> => {
  const r = await run(ws.dir, [...args, '--json'], env);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

/** Several CLI runs, each a Node + tsx start: minutes on a loaded machine. */
const SLOW = 240_000;

describe('npm package sources', () => {
  it('resolves a range, checks the tarball, indexes README and docs under the resolved version, and moves to a new version on refresh', async () => {
    const v1 = { 'README.md': '# Acme widgets\n\nThe wombatgear widget library.\n', 'docs/guide.md': '# Guide\n\n## Setup\n\nCall wombatgear.setup() first.\n', 'docs/api.html': '<html><body><h1 id="api">API</h1><p>The wombatgear.spin() call.</p></body></html>', 'index.js': 'module.exports = 1;\n' };
    publish('acme-widgets', '1.2.0', v1);
    publish('acme-widgets', '2.0.0', { 'README.md': '# Acme widgets 2\n\nNot in range.\n' });
    const doc = packuments.get('acme-widgets')!;
    doc['dist-tags'].latest = '2.0.0';

    const added = await json(['add', 'npm:acme-widgets@^1', '--registry', registry]);
    expect(added).toMatchObject({ name: 'acme-widgets', version: '1.2.0', kind: 'npm', revision: '1.2.0', package: { name: 'acme-widgets', version: '1.2.0', files: 3 }, report: { indexed: 3 } });
    const uris = (await json(['search', 'wombatgear', '--source', 'acme-widgets', '--mode', 'lexical'])).hits.map((h: any) => h.uri).sort();
    expect([...new Set(uris)]).toEqual(['README.md', 'docs/api.html', 'docs/guide.md']);

    // the same version: nothing downloaded, no job
    const before = hits.filter((h) => h.endsWith('.tgz')).length;
    const same = await json(['refresh', 'acme-widgets']);
    expect(same).toMatchObject({ version: '1.2.0', report: { jobs: { queued: 0 } } });
    expect(hits.filter((h) => h.endsWith('.tgz')).length).toBe(before);

    // 1.3.0 published: refresh moves the source to it; the changed file is re-indexed, the gone one removed
    const { 'docs/api.html': _gone, ...kept } = v1;
    void _gone;
    publish('acme-widgets', '1.3.0', { ...kept, 'README.md': '# Acme widgets\n\nThe wombatgear library, now with koalaspring.\n' });
    const moved = await json(['refresh', 'acme-widgets@1.2.0']);
    expect(moved).toMatchObject({ name: 'acme-widgets', version: '1.3.0', revision: '1.3.0', report: { indexed: 1, deleted: 1 } });
    expect((await json(['search', 'koalaspring', '--mode', 'lexical'])).hits[0]).toMatchObject({ uri: 'README.md', source: 'acme-widgets', version: '1.3.0' });
    expect((await json(['sources'])).sources).toEqual([expect.objectContaining({ name: 'acme-widgets', version: '1.3.0', kind: 'npm', documents: 2 })]);
  }, SLOW);

  it('refuses a tarball whose integrity does not match, indexing nothing; reads the registry from npm_config_registry', async () => {
    publish('bad-widgets', '1.0.0', { 'README.md': '# Bad\n\nThe echidnaflux widget.\n' }, { badIntegrity: true });
    const r = await run(ws.dir, ['add', 'npm:bad-widgets'], { npm_config_registry: registry });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('fails its integrity check');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(hits).toContain('/bad-widgets/-/bad-widgets-1.0.0.tgz'); // the env's registry was asked
    expect((await json(['sources'])).sources.map((s: any) => s.name)).not.toContain('bad-widgets');
    expect((await json(['search', 'echidnaflux', '--mode', 'lexical'])).hits).toEqual([]);

    const missing = await run(ws.dir, ['add', 'npm:acme-widgets@^9', '--registry', registry]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no version of acme-widgets matches ^9');
  }, SLOW);
});
