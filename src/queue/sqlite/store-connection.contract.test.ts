// The JobQueue contract again, the way docgraph runs the queue: its tables in
// the index file, on the store's own connection (each `open` is another
// SqliteStore on the same file, like another process), committing job
// changes to the index with the completion.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { queueContract } from '../queue.contract.js';
import type { JobQueue } from '../queue.js';
import { SqliteJobQueue } from './sqlite-queue.js';

queueContract('sqlite (index file, store connection)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docgraph-queue-store-'));
  const path = join(dir, 'index.db');
  const stores: SqliteStore[] = [];
  const opened: JobQueue[] = [];
  return {
    async open(options) {
      const store = SqliteStore.open(path);
      stores.push(store);
      const q = SqliteJobQueue.open({ ...options, index: store });
      opened.push(q);
      return q;
    },
    async index() {
      const store = SqliteStore.open(path);
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const q of opened) await q.close();
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}, { durable: true, index: true });
