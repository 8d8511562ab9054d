/**
 * A second process on a PostgreSQL index, for test/pg-listen.test.ts: opens
 * the backend (argv: a postgres:// store URL with ?vectors=memory), searches
 * once (which loads its vectors and starts listening for changes), then
 * reports over IPC every time its vectors move to a new generation — without
 * being asked to search — and answers { search: number[] } with the top
 * section ids.
 */
import { openBackend } from '../../src/app/backend.js';

const [store] = process.argv.slice(2);
if (!store || !process.send) throw new Error('usage: pg-vector-replica.ts <store url> (forked with IPC)');
const send = process.send.bind(process);
const backend = await openBackend({ store });
const sync = () => backend.vectorSync?.() ?? { generation: -1, listening: false, notifications: 0 };
const unit = (v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
};
await backend.store.vectorSearch(unit([1, 0, 0, 0]), 1);
while (!sync().listening) await new Promise((r) => setTimeout(r, 5));
let searches = 1;
let seen = sync().generation;
send({ type: 'ready', ...sync() });
const watch = setInterval(() => {
  const now = sync();
  if (now.generation !== seen) {
    seen = now.generation;
    send({ type: 'generation', at: Date.now(), searches, ...now });
  }
}, 2);
process.on('message', (m: { search?: number[]; stop?: boolean }) => {
  void (async () => {
    if (m.stop) {
      clearInterval(watch);
      await backend.close();
      send({ type: 'stopped' }, () => process.disconnect());
      return;
    }
    if (m.search) {
      searches++;
      const hits = await backend.store.vectorSearch(unit(m.search), 3);
      send({ type: 'hits', ids: hits.map((h) => h.sectionId), ...sync() });
    }
  })();
});
