// How driver failures become docgraph errors, and which of them a job may retry: a connection that
// dropped or was refused may come back (retried later, never dead-lettered); a read-only server or a
// missing database will not until someone acts.
import { describe, expect, it } from 'vitest';
import { IndexUnavailableError } from '../../domain/errors.js';
import { isRetryable } from '../../queue/policy.js';
import { connectionFailure } from './database.js';

const failure = (code: string, message = 'boom') => connectionFailure(Object.assign(new Error(message), { code }), 'postgres://db/x');

describe('connectionFailure', () => {
  it('makes a dropped or refused connection a retryable INDEX_UNAVAILABLE', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', '08006', '57P01']) {
      const e = failure(code);
      expect(e, code).toBeInstanceOf(IndexUnavailableError);
      expect((e as IndexUnavailableError).reason).toBe('cannot-open');
      expect(isRetryable(e), code).toBe(true);
    }
  });

  it('keeps what will not pass by itself permanent, and leaves other errors alone', () => {
    for (const code of ['25006', '3D000', '28P01', '53100']) expect(isRetryable(failure(code)), code).toBe(false);
    const other = Object.assign(new Error('syntax'), { code: '42601' });
    expect(connectionFailure(other, 'postgres://db/x')).toBe(other);
  });
});
