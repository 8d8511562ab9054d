// The search pool's worker when docgraph runs from its TypeScript sources
// (tests, `node --import tsx`): it loads search-worker.ts through tsx. The
// built package runs dist/app/search-worker.js instead (see search-pool.ts).
import { tsImport } from 'tsx/esm/api';

const { default: searchInWorker } = await tsImport('./search-worker.ts', import.meta.url);
export default searchInWorker;
