// The search pool's worker when docgraph runs from its TypeScript sources
// (tests, `node --import tsx`): it loads search-worker.ts through tsx. The
// built package runs dist/app/search-worker.js instead (see search-pool.ts).
// Under the test suite, which transpiles src/ once per run and names the folder
// in DOCGRAPH_TEST_TRANSPILED (test/helpers/cli.ts), it loads that plain .js
// instead: a thread then does not pay for tsx's loader (about 1.5 s of CPU).
const transpiled = process.env.DOCGRAPH_TEST_TRANSPILED;
const { default: searchInWorker } = transpiled
  ? await import(new URL('app/search-worker.js', `file://${transpiled}/`).href)
  : await (await import('tsx/esm/api')).tsImport('./search-worker.ts', import.meta.url);
export default searchInWorker;
