/**
 * Self time of a V8 CPU profile (`node --cpu-prof`), summed per function and
 * per package, to read where an ingest's time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=DIR bin/docgraph.js --index X ingest FOLDER
 *   node --import tsx bench/cpuprofile-top.ts DIR/*.cpuprofile [--top 15]
 *
 * One table per profile (one per thread): sampled seconds, the share of
 * non-idle samples, and the function (name, package or file, line). Idle and
 * (program) samples are counted apart. Packages are the node_modules folder
 * (scoped names kept); our own code is `src/...` or `dist/...`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '15' } }, allowPositionals: true });
const top = Number(values.top);

function where(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/((?:src|dist|bench)\/.*)$/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url;
  return url === '' ? '(native)' : basename(url);
}

function table(rows: Map<string, number>, total: number): string {
  return [...rows]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `  ${(us / 1e6).toFixed(2).padStart(7)} s ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
}

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') {
      idle += us;
      continue;
    }
    busy += us;
    const w = name === '(garbage collector)' ? '(gc)' : where(n.callFrame.url);
    fn.set(`${name} ${w}:${n.callFrame.lineNumber + 1}`, (fn.get(`${name} ${w}:${n.callFrame.lineNumber + 1}`) ?? 0) + us);
    pkg.set(w, (pkg.get(w) ?? 0) + us);
  }
  process.stdout.write(`${basename(file)}: ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle/program\n`);
  process.stdout.write(` by function (self):\n${table(fn, busy)}\n by package or file (self):\n${table(pkg, busy)}\n\n`);
}
