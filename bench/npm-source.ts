/**
 * An npm package source end to end: the sample docs (examples/sample-docs)
 * packed with `npm pack` as a package, served by a registry on 127.0.0.1
 * that speaks the registry protocol (packument + tarball), then
 * `docgraph add npm:<name>@^1 --registry …` into a fresh index, and
 * `docgraph refresh` with nothing new published (the version resolves the
 * same: nothing downloaded, no jobs). Wall time and the CLI's CPU (user +
 * sys of the child) per step, medians of `--runs`.
 *   npm run build && node --import tsx bench/npm-source.ts [--runs 3]
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';

const repo = resolve(import.meta.dirname, '..');
const bin = join(repo, 'bin', 'docgraph.js');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const work = mkdtempSync(join(tmpdir(), 'dg-npm-bench-'));
const name = 'acme-docs';
const version = '1.0.0';

// the package: the sample docs under docs/, with a README
const pkgDir = join(work, 'pkg');
cpSync(join(repo, 'examples', 'sample-docs'), join(pkgDir, 'docs'), { recursive: true });
writeFileSync(join(pkgDir, 'README.md'), '# acme-docs\n\nThe Acme handbook as a package.\n');
writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name, version, description: 'bench fixture', license: 'MIT' }));
const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkgDir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'silent' } })) as { filename: string }[];
const tgz = readFileSync(join(work, packed[0]!.filename));
const integrity = 'sha512-' + createHash('sha512').update(tgz).digest('base64');

const server = createServer((req, res) => {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  if (req.url === `/${name}`) {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, 'dist-tags': { latest: version }, versions: { [version]: { name, version, dist: { tarball: `${base}${name}/-/${name}-${version}.tgz`, integrity } } } }));
  } else if (req.url === `/${name}/-/${name}-${version}.tgz`) {
    res.setHeader('content-type', 'application/octet-stream');
    res.end(tgz);
  } else {
    res.statusCode = 404;
    res.end('{}');
  }
});
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

interface Step {
  wall_s: number;
  cpu_s: number;
}
/** Runs the CLI; its CPU is read by the caller from this process's waited-for children (childCpu). */
async function step(index: string, args: string[]): Promise<{ wall_s: number; out: string }> {
  const t0 = process.hrtime.bigint();
  // asynchronous, so this process's registry keeps answering while the CLI runs
  const child = spawn(process.execPath, [bin, '--index', index, ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`docgraph ${args.join(' ')} exited ${code}:\n${err}`);
  return { wall_s: wall, out };
}

function childCpu(): number {
  // user + sys of terminated, waited-for children (from /proc/self/stat fields cutime + cstime, in clock ticks)
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const add: Step[] = [];
const refresh: Step[] = [];
let report: { files: number; sections?: number } | undefined;
try {
  for (let i = 0; i < runs; i++) {
    const index = join(work, `run-${i}.db`);
    let c0 = childCpu();
    const a = await step(index, ['add', `npm:${name}@^1`, '--registry', registry, '--json']);
    add.push({ wall_s: a.wall_s, cpu_s: childCpu() - c0 });
    report = (JSON.parse(a.out) as { report?: { files: number; sections?: number } }).report ?? report;
    c0 = childCpu();
    const r = await step(index, ['refresh', name, '--json']);
    refresh.push({ wall_s: r.wall_s, cpu_s: childCpu() - c0 });
  }
} finally {
  server.close();
  rmSync(work, { recursive: true, force: true });
}
const row = (label: string, xs: Step[]): string => `| ${label} | ${median(xs.map((x) => x.wall_s)).toFixed(2)} | ${median(xs.map((x) => x.cpu_s)).toFixed(2)} |`;
console.log(`${new Date().toISOString().slice(0, 10)}, ${runs} runs, load average ${loadavg()[0]!.toFixed(2)}; package: ${tgz.length} bytes, ${report?.files ?? '?'} files\n`);
console.log('| step | wall s (median) | CLI CPU s (median) |\n|---|---:|---:|');
console.log(row(`add npm:${name}@^1 (resolve, download, check, unpack, index)`, add));
console.log(row('refresh, same version (nothing downloaded, no jobs)', refresh));
