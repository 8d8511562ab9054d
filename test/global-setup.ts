// Once per test run, before any test file: the CLI the tests start as a child process (test/helpers/cli.ts).
import { TRANSPILED, transpileCli } from './helpers/cli.js';

export default async function setup(): Promise<void> {
  await transpileCli();
  // the parse and search pools' threads in the test processes load src/ from here, not through tsx (src/ingest/parse-worker-dev.mjs, src/app/search-worker-dev.mjs)
  process.env.DOCGRAPH_TEST_TRANSPILED = TRANSPILED;
}
