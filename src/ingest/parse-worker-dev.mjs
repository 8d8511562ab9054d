// The parse pool's worker when docgraph runs from its TypeScript sources
// (tests, `node --import tsx`): it loads parse-worker.ts through tsx. The built
// package runs dist/ingest/parse-worker.js instead (see parse-pool.ts). Under
// the test suite, which transpiles src/ once per run and names the folder in
// DOCGRAPH_TEST_TRANSPILED (test/helpers/cli.ts), it loads that plain .js
// instead: a thread then does not pay for tsx's loader (about 1.5 s of CPU).
const transpiled = process.env.DOCGRAPH_TEST_TRANSPILED;
const { default: parseInWorker } = transpiled
  ? await import(new URL('ingest/parse-worker.js', `file://${transpiled}/`).href)
  : await (await import('tsx/esm/api')).tsImport('./parse-worker.ts', import.meta.url);
export default parseInWorker;
