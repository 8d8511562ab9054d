/** The parse pool's worker thread (see parse-pool.ts): one task in, one outcome out. */
import { runParseTask, type ParseOutcome, type ParseTask } from './parse-task.js';

export default function parseInWorker(task: ParseTask): Promise<ParseOutcome> {
  return runParseTask(task);
}
