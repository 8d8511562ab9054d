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

/**
 * Unit tests of in-process code: no child process, no database server, no process.env writes, no vi mocks or
 * fake timers (a loopback HTTP server or temp folder each closes in its own hooks, and transformers.test.ts
 * restores the library setting it changes). They share one process and its loaded modules (`isolate: false`)
 * instead of a fresh process per file: the 34 files of these folders took 46 s of CPU isolated, 18.5 s
 * shared (a loaded 2-core machine, one run each). Everything else keeps a process of its own per file; a
 * file added here must meet the same rules.
 */
export const UNIT = [
  ...['src/domain', 'src/extract', 'src/parse', 'src/search', 'src/config', 'src/eval', 'src/embed'].map((d) => `${d}/**/*.test.ts`),
  ...['src/api/wire.test.ts', 'src/console/render-markdown.test.ts', 'src/mcp/budget.test.ts', 'src/mcp/cursor.test.ts'],
];

export default defineConfig({
  test: {
    ...shared,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, isolate: false } },
      { extends: true, test: { name: 'isolated', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SLOW, ...UNIT] } },
    ],
  },
});
