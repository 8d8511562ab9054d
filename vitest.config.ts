import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Time limits with room for a loaded machine; a hang still fails. Files run one at a time (vitest's default on
    // 2 cores): two at a time saved little (742 s against ~760 s) and widened timing windows under load.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // src/ transpiled to .test-cli/ for the tests' CLI child processes (test/helpers/cli.ts)
    globalSetup: ['test/global-setup.ts'],
  },
});
