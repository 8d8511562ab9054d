// Opens (creating and migrating) the index at argv[2] and closes it: a process for concurrency tests.
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const store = SqliteStore.open(process.argv[2]!);
await store.close();
