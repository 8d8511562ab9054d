/** The parse pool's worker thread (see parse-pool.ts): one task in, one outcome out. */
import { runParseTask, type ParseOutcome, type ParseTask } from './parse-task.js';

// A worker's stdout is the process's: under `docgraph mcp` that is the protocol. Anything a parsing
// library prints (pdf.js warns with console.log) goes to stderr instead.
// eslint-disable-next-line no-console -- not a print: the redirect that keeps libraries off stdout
console.log = console.info = console.debug = console.warn = console.error;

/** Never rejects: a failure is an outcome, so the pool can take a rejected task for a thread that stopped (threads/pool.ts). */
export default async function parseInWorker(task: ParseTask): Promise<ParseOutcome> {
  try {
    return await runParseTask(task);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    return { kind: 'thrown', name: error.name, message: error.message, stack: error.stack };
  }
}
