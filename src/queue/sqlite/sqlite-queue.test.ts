import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queueContract } from '../queue.contract.js';
import type { JobQueue } from '../queue.js';
import { SqliteJobQueue } from './sqlite-queue.js';

queueContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'docgraph-queue-'));
  const path = join(dir, 'index.db');
  const opened: JobQueue[] = [];
  return {
    async open(options) {
      const q = SqliteJobQueue.open({ ...options, path });
      opened.push(q);
      return q;
    },
    async cleanup() {
      for (const q of opened) await q.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
