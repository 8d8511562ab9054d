// Issue 12 #12: docgraph must work as an installed package, not only from a clone. This checks the
// file list `npm pack` would publish (fast; test/package-install.test.ts installs a real tarball):
// what the bin runs, everything the shipped code imports or opens, the docs its hints and the README
// point at, and the sample docs the README's package quick start ingests. Needs `dist/` built
// (`npm ci` and `npm run build` do it).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  scripts: Record<string, string>;
};
let files: Set<string>;

beforeAll(() => {
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  // --ignore-scripts: list what is there without rebuilding dist/ under the other tests' feet.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const [report] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
  files = new Set(report.files.map((f) => f.path));
});

const shippedJs = (): string[] => [...files].filter((f) => f.endsWith('.js'));
const source = (file: string): string => readFileSync(join(repo, file), 'utf8');
const bareName = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/** String-literal module specifiers of static imports, re-exports and dynamic imports. */
function specifiers(code: string): string[] {
  return [...code.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)].map(
    (m) => (m[1] ?? m[2] ?? m[3])!,
  );
}

describe('the published package', () => {
  it('ships the bin, the compiled CLI it runs, the README and the docs', () => {
    for (const bin of Object.values(pkg.bin)) expect(files).toContain(normalize(bin));
    expect(source('bin/docgraph.js')).toContain("join(root, 'dist', 'cli', 'main.js')");
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('README.md');
    expect(files).toContain('package.json');
    expect(pkg.scripts.prepare).toBe('npm run build'); // `npm pack` and `npm publish` build dist/ first
  });

  it('ships no sources, tests, benchmarks or local state', () => {
    const stray = [...files].filter((f) => /^(src|test|bench|scripts|\.ci|\.docgraph|node_modules)\//.test(f) || /\.(test|contract)\.js$/.test(f));
    expect(stray).toEqual([]);
  });

  it('every relative import of the shipped code is shipped', () => {
    const missing: string[] = [];
    for (const file of shippedJs()) {
      for (const spec of specifiers(source(file))) {
        if (!spec.startsWith('.')) continue;
        const target = normalize(join(dirname(file), spec));
        if (!files.has(target)) missing.push(`${file} → ${spec}`);
      }
    }
    expect(shippedJs().length).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it('every package the shipped code imports is a dependency (not a devDependency); an optional one only with import()', () => {
    const undeclared = new Set<string>();
    const optional = pkg.optionalDependencies ?? {};
    const eager = new Set<string>();
    let bare = 0;
    for (const file of shippedJs()) {
      const code = source(file);
      for (const spec of specifiers(code)) {
        if (spec.startsWith('.') || isBuiltin(spec)) continue;
        bare++;
        const name = bareName(spec);
        if (!(name in pkg.dependencies) && !(name in optional)) undeclared.add(`${name} (${file})`);
      }
      // an optional dependency may be missing: the shipped code must never import it statically
      for (const spec of specifiers(code.replace(/\bimport\s*\(\s*['"][^'"]+['"]\s*\)/g, ''))) if (bareName(spec) in optional) eager.add(`${spec} (${file})`);
    }
    expect(bare).toBeGreaterThan(20);
    expect([...undeclared]).toEqual([]);
    expect([...eager]).toEqual([]);
    expect(Object.keys(optional).sort()).toEqual(['ioredis', 'pg']);
  });

  it('every file the shipped code opens next to itself is shipped', () => {
    const missing: string[] = [];
    let found = 0;
    for (const file of shippedJs()) {
      for (const m of source(file).matchAll(/new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)) {
        found++;
        const target = normalize(join(dirname(file), m[1]!));
        if (!files.has(target)) missing.push(`${file} → ${m[1]}`);
      }
    }
    expect(found).toBeGreaterThanOrEqual(3); // package.json (version), bin/docgraph.js and dist/cli/main.js (mcp-config)
    expect(missing).toEqual([]);
  });

  it('every docs page a hint names is shipped', () => {
    const pages = new Set<string>();
    for (const file of shippedJs()) for (const m of source(file).matchAll(/\bdocsPath\(\s*['"]([^'"]+)['"]\s*\)/g)) pages.add(`docs/${m[1]}`);
    expect(pages.size).toBeGreaterThanOrEqual(1);
    expect([...pages].filter((p) => !files.has(p))).toEqual([]);
    // hints name the page through docsPath, so they point at the shipped file, not at a path relative to the user's folder
    const literal = shippedJs().filter((f) => /hint:[^\n]*['"`][^'"`\n]*\bdocs\/[\w-]+\.md/.test(source(f)));
    expect(literal).toEqual([]);
  });

  it("the README's relative links lead to shipped files", () => {
    const links = [...source('README.md').matchAll(/\]\(((?:docs|examples)\/[^)#\s]+)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(5);
    expect(links.filter((l) => !files.has(l))).toEqual([]);
  });

  it('ships the sample docs and judged queries of the quick start', () => {
    const samples = [...files].filter((f) => f.startsWith('examples/sample-docs/'));
    expect(samples).toContain('examples/sample-docs/guides/rotate-tls-certificate.md');
    expect(samples.length).toBeGreaterThanOrEqual(10);
    expect(files).toContain('examples/sample-golden.jsonl');
  });
});
