import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Most suites wait on real child processes, servers and databases rather than on this process's CPU, so two
    // files at a time finish the default run sooner on a 2-core machine (vitest's default there is one). The
    // time limits leave room for a loaded machine; a hang still fails.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
