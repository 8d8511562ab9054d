/**
 * Preloaded into the stdio server by `bench/mcp.ts --server-timing`
 * (`node --import`): for each tools/call, the milliseconds from the stdin
 * chunk that carried it to the start of the response's stdout.write, and how
 * long that write took (on a loaded machine the write wakes the client, and
 * the server may wait for a CPU before the call returns: the client has the
 * answer by then). Written as JSON to $BENCH_STDIO_TIMING when the server exits.
 * It assumes one request in flight at a time, as the bench sends them.
 */
import { writeFileSync } from 'node:fs';

const calls = [];
let started;
const emit = process.stdin.emit.bind(process.stdin);
process.stdin.emit = (event, chunk, ...rest) => {
  if (event === 'data' && String(chunk).includes('"tools/call"')) started = performance.now();
  return emit(event, chunk, ...rest);
};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (data, ...rest) => {
  if (started === undefined) return write(data, ...rest);
  const t = performance.now();
  const ok = write(data, ...rest);
  calls.push({ residenceMs: t - started, writeMs: performance.now() - t });
  started = undefined;
  return ok;
};
process.on('exit', () => writeFileSync(process.env.BENCH_STDIO_TIMING, JSON.stringify(calls)));
