import { DocgraphError } from '../domain/errors.js';
import { driverFailure } from './backend.js';

/**
 * An error as the interfaces should report it: a driver failure about the
 * index file (damaged, read-only, disk full, ...) becomes the docgraph error
 * that says what happened and what to do; anything else is returned as it is.
 * The composition root owns this because only it knows the adapters (backend.ts).
 */
export function explainFailure(e: unknown, path?: string): unknown {
  return driverFailure(e, path);
}

/**
 * The error to stop a worker with when `e` means the index cannot be used
 * until someone fixes it (read-only, gone, disk full, damaged); undefined for
 * anything retrying may fix (a busy database, a failing embedder, ...).
 */
export function fatalIndexFailure(e: unknown, path?: string): Error | undefined {
  const f = driverFailure(e, path);
  return f instanceof DocgraphError && (f.code === 'INDEX_UNAVAILABLE' || f.code === 'INDEX_CORRUPT') ? f : undefined;
}
