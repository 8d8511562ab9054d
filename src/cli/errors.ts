import { explainFailure } from '../app/failures.js';
import { isDocgraphError, type ErrorCode } from '../domain/errors.js';

/** Exit codes scripts can rely on (also in the README, "Usage"). */
export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3 } as const;

const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  NOT_FOUND: EXIT.notFound,
};

/** The one place that maps an error to what the CLI prints and its exit code. */
export function reportError(error: unknown, verbose: boolean, write: (s: string) => void): number {
  const e = explainFailure(error);
  if (isDocgraphError(e)) {
    write(`docgraph: ${e.message}\n`);
    if (e.hint) write(`  hint: ${e.hint}\n`);
    if ('allowed' in e && typeof e.allowed === 'string') write(`  allowed: ${e.allowed}\n`);
    if (verbose && e.stack) write(e.stack + '\n');
    return EXIT_BY_CODE[e.code] ?? EXIT.failure;
  }
  const msg = e instanceof Error ? e.message : String(e);
  write(`docgraph: unexpected error: ${msg}\n`);
  if (verbose && e instanceof Error && e.stack) write(e.stack + '\n');
  else write('  run again with --verbose for details\n');
  return EXIT.failure;
}
