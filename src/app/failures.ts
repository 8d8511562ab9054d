import { asIndexFailure } from '../store/sqlite/failures.js';

/**
 * An error as the interfaces should report it: a driver failure about the
 * index file (damaged, read-only, disk full, ...) becomes the docgraph error
 * that says what happened and what to do; anything else is returned as it is.
 * The composition root owns this because only it knows the store is SQLite.
 */
export function explainFailure(e: unknown): unknown {
  return asIndexFailure(e);
}
