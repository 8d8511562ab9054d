/**
 * The one place that maps errors to HTTP for REST, /health and the other
 * JSON routes: the body is always `{"error": {"code", "message", "details"}}`
 * (details: `field`, `allowed`, `hint`, `retryable` when known), with the
 * status the code calls for. Unexpected errors are logged and answered with a
 * generic 500: never a stack trace or internal detail.
 */
import { explainFailure } from '../app/failures.js';
import { InvalidInputError, isDocgraphError, type ErrorCode } from '../domain/errors.js';
import type { Logger } from '../observability/logger.js';

/** Codes only the HTTP surface answers with, besides the domain's. */
export type HttpErrorCode = ErrorCode | 'UNAUTHORIZED' | 'FORBIDDEN' | 'RATE_LIMITED' | 'PAYLOAD_TOO_LARGE' | 'URI_TOO_LONG' | 'METHOD_NOT_ALLOWED' | 'NOT_READY' | 'TIMEOUT';

const STATUS: Record<HttpErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_FILE: 422,
  PARSE_FAILED: 422,
  RATE_LIMITED: 429,
  CONFIG_INVALID: 500,
  EMBEDDER_MISMATCH: 500,
  STORE_FAILED: 500,
  INDEX_CORRUPT: 500,
  INTERNAL: 500,
  LEASE_LOST: 409,
  EMBEDDER_UNAVAILABLE: 503,
  QUEUE_FULL: 503,
  SERVER_BUSY: 503,
  INDEX_UNAVAILABLE: 503,
  NOT_READY: 503,
  TIMEOUT: 503,
};

/** Seconds to wait before retrying a retryable 503, by code (a shed request says its own). */
const RETRY_AFTER_S: Partial<Record<HttpErrorCode, number>> = { QUEUE_FULL: 30 };

export interface ErrorBody {
  error: { code: HttpErrorCode; message: string; details: Record<string, unknown> };
}

/** An error response in the REST shape. `headers` e.g. Retry-After, WWW-Authenticate. */
export function errorResponse(code: HttpErrorCode, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const body: ErrorBody = { error: { code, message, details } };
  return new Response(JSON.stringify(body), { status: STATUS[code], headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** Any thrown value as a REST error response (driver failures about the index are explained first). */
export function toErrorResponse(error: unknown, log?: Logger): Response {
  const e = explainFailure(error);
  if (!isDocgraphError(e)) {
    log?.error({ err: e }, 'unexpected error in an HTTP handler');
    return errorResponse('INTERNAL', 'internal error in docgraph; it was logged on the server');
  }
  const details: Record<string, unknown> = {};
  if (e instanceof InvalidInputError) {
    if (e.field !== undefined) details.field = e.field;
    if (e.allowed !== undefined) details.allowed = e.allowed;
  }
  if (e.hint !== undefined) details.hint = e.hint;
  if (e.retryable) details.retryable = true;
  const headers: Record<string, string> = {};
  if (STATUS[e.code] === 503 && e.retryable) {
    const after = 'retryAfterSeconds' in e && typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : (RETRY_AFTER_S[e.code] ?? 5);
    headers['retry-after'] = String(after);
    details.retry_after_s = after;
  }
  return errorResponse(e.code, e.message, details, headers);
}
