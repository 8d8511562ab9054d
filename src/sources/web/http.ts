/**
 * The HTTP side of a website crawl: GET with a timeout per attempt, retries
 * with exponential backoff on what may pass (network errors, timeouts, 5xx,
 * 429), a circuit breaker per host (a site that keeps failing stops the crawl
 * instead of costing a timeout per page), a size cap on bodies, redirects
 * followed one hop at a time (each hop is checked by the caller), and the
 * address guard of ./address.ts on every connection. Node's own fetch
 * (undici), with a dispatcher that owns the sockets. undici is loaded on the
 * first request (it is a large module every CLI command would otherwise load).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry, wrap, type IPolicy } from 'cockatiel';
import type { Agent, buildConnector, fetch as undiciFetch, Response } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDocgraphError } from '../../domain/errors.js';
import { parseRetryAfter } from '../../domain/retry-after.js';
import { isPublicAddress, PrivateAddressError } from './address.js';
import { FetchError } from './fetch-error.js';

export interface HttpOptions {
  /** Connect to private, loopback and link-local addresses too (`--allow-private`). Default false. */
  allowPrivate?: boolean;
  /** Per attempt (connect, headers and body), in ms. Default 15 000. */
  timeoutMs?: number;
  /** Attempts after the first for what may pass on a second try. Default 3. */
  retries?: number;
  /** First backoff delay, in ms; doubles each retry (capped at 10 s). Default 500. */
  backoffMs?: number;
  /** Largest body read, in bytes; larger is refused. Default 20 MB. */
  maxBytes?: number;
  /** Consecutive failed attempts against one host that open its breaker (the crawl stops). Default 8. */
  breakerFailures?: number;
  /** Longest wait one `Retry-After` (on 429 or 503) is honoured for, in ms; a longer one is cut to this. Default 60 000. */
  maxRetryAfterMs?: number;
  /** All `Retry-After` waits of this client (one crawl) together, in ms; once spent, retries only back off. Default 300 000. */
  retryAfterBudgetMs?: number;
  userAgent?: string;
}

/** One answer: the status after redirects were followed as far as `follow` allowed. */
export interface HttpAnswer {
  status: number;
  /** The URL that answered (after the redirects followed). */
  url: string;
  headers: Headers;
  body: Buffer;
  /** The URLs redirected from, in order. */
  redirects: string[];
  /** A 3xx not followed (its target was refused by `follow`, or had a scheme other than http(s)): the target. */
  location?: string;
}

/** The user agent crawls send and match robots.txt rules by. */
export const USER_AGENT = 'docgraph';
const MAX_REDIRECTS = 10;

/** An answer that may pass on a second try: thrown inside the policy so it is retried and counted by the breaker. */
class TransientStatus extends Error {
  constructor(readonly answer: HttpAnswer) {
    super(`HTTP ${answer.status}`);
  }
}

export class SiteHttp {
  /** The dispatcher and fetch, made on the first request. */
  private client: Promise<{ agent: Agent; fetch: typeof undiciFetch }> | undefined;
  private readonly policies = new Map<string, IPolicy>();
  /** Per host: no request before this time (epoch ms), as its last `Retry-After` asked. */
  private readonly notBefore = new Map<string, number>();
  private readonly o: Required<HttpOptions>;
  private retryAfterLeftMs: number;
  private closed = false;

  constructor(o: HttpOptions = {}) {
    this.o = { allowPrivate: false, timeoutMs: 15_000, retries: 3, backoffMs: 500, maxBytes: 20 * 1024 * 1024, breakerFailures: 8, maxRetryAfterMs: 60_000, retryAfterBudgetMs: 300_000, userAgent: USER_AGENT, ...o };
    this.retryAfterLeftMs = this.o.retryAfterBudgetMs;
  }

  private connect(): Promise<{ agent: Agent; fetch: typeof undiciFetch }> {
    this.client ??= import('undici').then(({ Agent, buildConnector, fetch }) => {
      const allowPrivate = this.o.allowPrivate;
      const base = buildConnector({ timeout: this.o.timeoutMs, ...(allowPrivate ? {} : { lookup: guardedLookup }) } as buildConnector.BuildOptions);
      const agent = new Agent({
        connect: (opts, cb) =>
          base(opts, (err, socket) => {
            if (err || !socket) return cb(err ?? new Error('no socket'), null);
            // the address actually connected to: IP literals skip the lookup, and DNS may answer differently twice
            const address = socket.remoteAddress;
            if (!allowPrivate && (address === undefined || !isPublicAddress(address))) {
              socket.destroy();
              return cb(new PrivateAddressError(opts.hostname, address ?? 'an unknown address'), null);
            }
            cb(null, socket);
          }),
        headersTimeout: this.o.timeoutMs,
        bodyTimeout: this.o.timeoutMs,
      });
      return { agent, fetch };
    });
    return this.client;
  }

  /**
   * GETs `url`, following redirects while `follow(target)` allows (at most
   * 10). Retries transient failures; 5xx and 429 that outlast the retries
   * come back as answers (the caller decides), network failures as a
   * FetchError. A 429 or 503 with `Retry-After` holds every request to its
   * host until then (at most maxRetryAfterMs; retryAfterBudgetMs in all). A refused address throws PrivateAddressError at once; an
   * open breaker throws FetchError (the host keeps failing).
   */
  async get(url: string, o: { headers?: Record<string, string>; follow?: (target: URL) => boolean; signal?: AbortSignal } = {}): Promise<HttpAnswer> {
    const redirects: string[] = [];
    let current = url;
    for (let hop = 0; ; hop++) {
      const answer = await this.once(current, o.headers ?? {}, o.signal);
      answer.redirects = [...redirects];
      const loc = answer.headers.get('location');
      if (answer.status < 300 || answer.status >= 400 || answer.status === 304 || loc === null) return answer;
      let target: URL;
      try {
        target = new URL(loc, current);
      } catch {
        return { ...answer, location: loc };
      }
      target.hash = '';
      const web = target.protocol === 'http:' || target.protocol === 'https:';
      if (!web || hop >= MAX_REDIRECTS || (o.follow && !o.follow(target))) return { ...answer, location: target.href };
      redirects.push(current);
      current = target.href;
    }
  }

  private policy(host: string): IPolicy {
    let p = this.policies.get(host);
    if (!p) {
      const transient = handleWhen((e) => !(e instanceof BrokenCircuitError) && !(e instanceof PrivateAddressError) && !(isDocgraphError(e) && !e.retryable));
      const breaker = circuitBreaker(transient, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(this.o.breakerFailures) });
      const retrying = retry(transient, { maxAttempts: this.o.retries, backoff: new ExponentialBackoff({ initialDelay: this.o.backoffMs, maxDelay: 10_000 }) });
      p = wrap(retrying, breaker);
      this.policies.set(host, p);
    }
    return p;
  }

  private async once(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HttpAnswer> {
    if (this.closed) throw new FetchError(url, 'the crawl was closed');
    const host = new URL(url).host;
    try {
      return await this.policy(host).execute(async () => {
        await this.waitFor(host, url, signal);
        const answer = await this.attempt(url, headers, signal);
        if (answer.status >= 500 || answer.status === 429) {
          if (answer.status === 429 || answer.status === 503) this.holdOff(host, answer);
          throw new TransientStatus(answer);
        }
        return answer;
      });
    } catch (e) {
      if (e instanceof TransientStatus) return e.answer;
      if (e instanceof BrokenCircuitError) {
        throw new FetchError(url, `${host} failed ${this.o.breakerFailures} times in a row; the crawl stopped (the circuit breaker is open)`, { cause: e, fatal: true });
      }
      throw e;
    }
  }

  /** Records the wait a 429 or 503 asks for with `Retry-After`, cut to maxRetryAfterMs and to what is left of the budget. */
  private holdOff(host: string, answer: HttpAnswer): void {
    const asked = parseRetryAfter(answer.headers.get('retry-after'));
    if (asked === undefined) return;
    const now = Date.now();
    const held = Math.max(now, this.notBefore.get(host) ?? 0);
    const until = Math.min(now + Math.min(asked, this.o.maxRetryAfterMs), held + this.retryAfterLeftMs);
    if (until <= held) return;
    this.retryAfterLeftMs -= until - held;
    this.notBefore.set(host, until);
  }

  /** Waits until the host's `Retry-After` has passed; a crawl stopped meanwhile fails the request (not retried). */
  private async waitFor(host: string, url: string, signal?: AbortSignal): Promise<void> {
    const ms = (this.notBefore.get(host) ?? 0) - Date.now();
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, signal ? { signal } : {});
    } catch (e) {
      throw new FetchError(url, `the crawl stopped while ${host} asked to wait (Retry-After)`, { cause: e, retryable: false });
    }
  }

  private async attempt(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HttpAnswer> {
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const { agent, fetch } = await this.connect();
    let res: Response;
    try {
      res = await fetch(url, {
        dispatcher: agent,
        redirect: 'manual',
        headers: { 'user-agent': this.o.userAgent, accept: 'text/html,application/xhtml+xml,text/markdown;q=0.9,*/*;q=0.5', ...headers },
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (e) {
      throw explain(url, e, this.o.timeoutMs);
    }
    const body = await readCapped(res, url, this.o.maxBytes, this.o.timeoutMs);
    return { status: res.status, url, headers: res.headers as unknown as Headers, body, redirects: [] };
  }

  /** Closes the sockets; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client) await (await this.client).agent.close();
  }
}

/** Reads a body up to `max` bytes; more is refused (not retried). */
async function readCapped(res: Response, url: string, max: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new FetchError(url, `${url} is ${declared} bytes, more than the ${max} a page may have`, { retryable: false });
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of res.body) {
      n += (chunk as Uint8Array).length;
      if (n > max) throw new FetchError(url, `${url} is more than the ${max} bytes a page may have`, { retryable: false });
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
  } catch (e) {
    if (isDocgraphError(e)) throw e;
    throw explain(url, e, timeoutMs);
  }
  return Buffer.concat(chunks);
}

/** A fetch failure as a FetchError with the reason a user can act on (the refused address stays itself). */
function explain(url: string, e: unknown, timeoutMs: number): Error {
  let cause: unknown = e;
  while (cause instanceof Error && !(cause instanceof PrivateAddressError) && cause.cause !== undefined && (cause.name === 'TypeError' || cause.message === 'fetch failed')) cause = cause.cause;
  if (cause instanceof PrivateAddressError) return cause;
  const err = cause as NodeJS.ErrnoException & { name?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || err?.code === 'UND_ERR_CONNECT_TIMEOUT' || err?.code === 'UND_ERR_HEADERS_TIMEOUT' || err?.code === 'UND_ERR_BODY_TIMEOUT') {
    return new FetchError(url, `${url} did not answer within ${timeoutMs} ms`, { cause: e });
  }
  const code = err?.code ?? (err instanceof Error ? err.message : String(err));
  return new FetchError(url, `cannot reach ${url} (${code})`, { cause: e });
}

/** dns.lookup that refuses names resolving to any non-public address (before a socket is opened). */
function guardedLookup(hostname: string, options: LookupAllOptions | Record<string, unknown>, callback: (...args: unknown[]) => void): void {
  dnsLookup(hostname, { ...(options as object), all: true } as LookupAllOptions, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) return callback(new PrivateAddressError(hostname, bad.address));
    if ((options as { all?: boolean }).all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
    callback(null, first.address, first.family);
  });
}
