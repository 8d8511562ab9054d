import { configDefaults, defineConfig } from 'vitest/config';

/**
 * End-to-end runs that take about a minute each however they are written: `npm run test:slow` runs them
 * (vitest.slow.config.ts), `npm test` leaves them out, and CI (.ci/run) runs both.
 * - fleet: PostgreSQL, Redis, three serve replicas and ten worker processes killed mid-ingest (a soak).
 * - package-install: `npm pack`, then `npm install` of the tarball into an empty folder.
 * - console: the web console in headless Chromium against two serve processes.
 */
export const SLOW = ['test/fleet.test.ts', 'test/package-install.test.ts', 'test/console.test.ts'];

/** The settings both runs share. */
export const shared = {
  // Time limits with room for a loaded machine; a hang still fails. Files run one at a time (vitest's default on
  // 2 cores): two at a time saved little (742 s against ~760 s) and widened timing windows under load.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks',
  // src/ transpiled to .test-cli/ for the tests' CLI child processes (test/helpers/cli.ts)
  globalSetup: ['test/global-setup.ts'],
};

export default defineConfig({
  test: { ...shared, include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SLOW] },
});
