/**
 * How long `/health` stalls while `serve` indexes a large file it watches:
 * ingests a one-file folder, starts `docgraph serve` watching it, drops a
 * 1.4 MB flat HTML page (20,000 paragraphs) into it, and times /health every
 * 20 ms for 25 s. Argument: DOCGRAPH_PARSE_THREADS for the server (0 = the
 * default pool, 1 = parse on the serving thread). Needs `npm run build`.
 *   node bench/health-stall.mjs 0; node bench/health-stall.mjs 1
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/docgraph.js', import.meta.url));
const threads = process.argv[2] ?? '0';
const dir = mkdtempSync(join(tmpdir(), 'dg-stall-'));
const docs = join(dir, 'docs');
mkdirSync(docs);
writeFileSync(join(docs, 'a.md'), '# A\n\nhello\n');
const index = join(dir, 'index.db');
execFileSync('node', [bin, '--index', index, 'ingest', docs]);
const port = 17000 + Math.floor(Math.random() * 1000);
const server = spawn('node', [bin, '--index', index, 'serve', '--port', String(port)], {
  env: { ...process.env, DOCGRAPH_WATCH: docs, DOCGRAPH_PARSE_THREADS: threads },
  stdio: ['ignore', 'ignore', 'ignore'],
});
/** One /health round trip in ms, or -1 when it failed. */
async function health() {
  const t = performance.now();
  try {
    await (await fetch(`http://127.0.0.1:${port}/health`)).text();
  } catch {
    return -1;
  }
  return performance.now() - t;
}
try {
  let up = false;
  for (let i = 0; i < 100 && !up; i++) up = (await health()) >= 0 || (await sleep(200), false);
  if (!up) throw new Error('the server did not start');
  await sleep(2000);
  const html = '<html><body>' + Array.from({ length: 20000 }, (_, i) => `<p>Paragraph ${i} about option_${i} and the setting cache_size_${i % 97}.</p>`).join('') + '</body></html>';
  writeFileSync(join(docs, 'big.html'), html);
  const times = [];
  const end = Date.now() + 25_000;
  while (Date.now() < end) {
    times.push(await health());
    await sleep(20);
  }
  const failed = times.filter((t) => t < 0).length;
  const ok = times.filter((t) => t >= 0).sort((a, b) => a - b);
  const at = (p) => ok[Math.min(ok.length - 1, Math.floor(ok.length * p))].toFixed(1);
  console.log(`parse threads ${threads}: ${(html.length / 1e6).toFixed(2)} MB page; /health n=${times.length} failed ${failed} p50 ${at(0.5)} p99 ${at(0.99)} max ${ok.at(-1).toFixed(1)} ms`);
} finally {
  server.kill('SIGTERM');
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
}
