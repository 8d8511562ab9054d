/**
 * The error of a request that failed for good, in a module of its own: the
 * npm registry and tarball code throw it and callers test for it, none of
 * which should load the HTTP client (./http.ts, with cockatiel) to do so.
 */
import { DocgraphError } from '../../domain/errors.js';

/** A request that failed for good (after its retries): says which URL and why. */
export class FetchError extends DocgraphError {
  constructor(
    readonly url: string,
    message: string,
    opts: { cause?: unknown; retryable?: boolean; fatal?: boolean } = {},
  ) {
    super('INVALID_INPUT', message, { ...(opts.cause !== undefined ? { cause: opts.cause } : {}), retryable: opts.retryable ?? true });
    this.fatal = opts.fatal ?? false;
  }

  /** True when the whole crawl must stop (the host's breaker opened), not just this page. */
  readonly fatal: boolean;
}
