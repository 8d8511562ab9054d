// Opens (creating and migrating) the index at argv[2] and closes it: a process for concurrency tests.
import { openBackend } from '../../src/app/backend.js';

const backend = await openBackend({ store: process.argv[2]! }, { create: true });
await backend.close();
