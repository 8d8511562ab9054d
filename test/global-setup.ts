// Once per test run, before any test file: the CLI the tests start as a child process (test/helpers/cli.ts).
import { transpileCli } from './helpers/cli.js';

export default async function setup(): Promise<void> {
  await transpileCli();
}
