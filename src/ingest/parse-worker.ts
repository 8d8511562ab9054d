/** The parse pool's worker thread (see parse-pool.ts): one task in, one outcome out. */
import { runParseTask, type ParseOutcome, type ParseTask } from './parse-task.js';

// A worker's stdout is the process's: under `docgraph mcp` that is the protocol. Anything a parsing
// library prints (pdf.js warns with console.log) goes to stderr instead.
// eslint-disable-next-line no-console -- not a print: the redirect that keeps libraries off stdout
console.log = console.info = console.debug = console.warn = console.error;

export default function parseInWorker(task: ParseTask): Promise<ParseOutcome> {
  return runParseTask(task);
}
