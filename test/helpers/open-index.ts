// Opens (creating and migrating) the index at argv[2], with the job queue beside it, and closes both:
// a process for concurrency tests (both the store's and the queue's migrations run at first open).
import { openBackend } from '../../src/app/backend.js';

const backend = await openBackend({ store: process.argv[2]! }, { create: true });
const queue = backend.openQueue();
await queue.close();
await backend.close();
