// The parse pool's worker when docgraph runs from its TypeScript sources
// (tests, `node --import tsx`): it loads parse-worker.ts through tsx. The built
// package runs dist/ingest/parse-worker.js instead (see parse-pool.ts).
import { tsImport } from 'tsx/esm/api';

const { default: parseInWorker } = await tsImport('./parse-worker.ts', import.meta.url);
export default parseInWorker;
