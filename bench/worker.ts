/**
 * Child-process entry for the benchmarks: `node --import tsx bench/worker.ts <task> <json args>`.
 * Prints one JSON line (the task's result) on stdout; anything else goes to stderr.
 */
import { ingestTask } from './tasks/ingest.js';
import { searchTask } from './tasks/search.js';
import { prepareVectors, queryVectors } from './tasks/vectors.js';

const tasks: Record<string, (args: never) => Promise<unknown>> = {
  ingest: ingestTask,
  search: searchTask,
  'vectors-prepare': prepareVectors,
  'vectors-query': queryVectors,
};

const [name, json] = process.argv.slice(2);
const task = name === undefined ? undefined : tasks[name];
if (!task || json === undefined) {
  console.error(`usage: worker.ts <${Object.keys(tasks).join('|')}> <json args>`);
  process.exit(2);
}
const result = await task(JSON.parse(json) as never);
process.stdout.write(JSON.stringify(result) + '\n');
