/**
 * `POST /webhooks/github` and `POST /webhooks/gitlab`: a push refreshes the
 * git sources that track that repository and branch. GitHub's
 * `X-Hub-Signature-256` (HMAC-SHA256 of the body with the webhook secret)
 * and GitLab's `X-Gitlab-Token` are compared in constant time; a bad or
 * missing one is 401 and nothing is queued. A delivery id seen before is 200
 * and nothing is queued (the last 10,000 ids, per process). A repository no
 * source tracks is 202 and ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Env, Hono } from 'hono';
import type { SourceService } from '../app/sources.js';
import { sourceLabel } from '../domain/sources.js';
import type { Logger } from '../observability/logger.js';

/** Delivery ids remembered to refuse replays. */
const REMEMBERED = 10_000;
/** Largest webhook body read, in bytes (GitHub caps payloads at 25 MB). */
const MAX_BODY = 25 * 1024 * 1024;

export interface WebhookOptions {
  /** The shared secret (server.webhookSecret); without one every delivery is refused. */
  secret: string | undefined;
  registry: Pick<SourceService, 'trackingRepository' | 'refreshInBackground'>;
  log?: Logger;
}

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // compare equal lengths only; timingSafeEqual on the digests keeps the time independent of the content
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Mounts the webhook routes on `app`. */
export function mountWebhooks<E extends Env>(app: Hono<E>, o: WebhookOptions): void {
  const seen = new Set<string>();
  const remember = (id: string): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    if (seen.size > REMEMBERED) seen.delete(seen.values().next().value!);
    return true;
  };
  const handle = async (provider: 'github' | 'gitlab', req: Request, verify: (body: Buffer) => boolean, delivery: string | null): Promise<Response> => {
    const length = Number(req.headers.get('content-length') ?? '0');
    if (length > MAX_BODY) return Response.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: `the body is larger than ${MAX_BODY} bytes` } }, { status: 413 });
    const body = Buffer.from(await req.arrayBuffer());
    if (o.secret === undefined || !verify(body)) {
      return Response.json({ error: { code: 'UNAUTHORIZED', message: o.secret === undefined ? 'no webhook secret is configured (server.webhookSecret, env DOCGRAPH_WEBHOOK_SECRET)' : `bad or missing ${provider === 'github' ? 'X-Hub-Signature-256' : 'X-Gitlab-Token'}` } }, { status: 401 });
    }
    if (delivery !== null && !remember(`${provider}:${delivery}`)) return Response.json({ replayed: true, refreshing: [] }, { status: 200 });
    let event: PushEvent;
    try {
      event = JSON.parse(body.toString('utf8')) as PushEvent;
    } catch {
      return Response.json({ error: { code: 'INVALID_INPUT', message: 'the body is not JSON' } }, { status: 400 });
    }
    const repo = provider === 'github' ? event.repository : event.project;
    const urls = [repo?.clone_url, repo?.ssh_url, repo?.html_url, repo?.git_http_url, repo?.git_ssh_url, repo?.web_url].filter((u): u is string => typeof u === 'string');
    const branch = typeof event.ref === 'string' && event.ref.startsWith('refs/heads/') ? event.ref.slice('refs/heads/'.length) : undefined;
    const sources = await o.registry.trackingRepository(urls, branch, repo?.default_branch);
    if (sources.length === 0) return Response.json({ ignored: true, refreshing: [] }, { status: 202 });
    for (const s of sources) o.registry.refreshInBackground(s, o.log);
    o.log?.info({ provider, delivery, sources: sources.map(sourceLabel) }, 'webhook: refreshing sources');
    return Response.json({ refreshing: sources.map((s) => ({ name: s.name, version: s.version })) }, { status: 202 });
  };
  app.post('/webhooks/github', (c) => {
    const signature = c.req.header('x-hub-signature-256') ?? '';
    return handle('github', c.req.raw, (body) => sameBytes(signature, `sha256=${createHmac('sha256', o.secret ?? '').update(body).digest('hex')}`), c.req.header('x-github-delivery') ?? null);
  });
  app.post('/webhooks/gitlab', (c) => {
    const token = c.req.header('x-gitlab-token') ?? '';
    // hash both so the comparison is of equal lengths whatever the token's length
    const digest = (s: string): string => createHmac('sha256', 'docgraph-gitlab').update(s).digest('hex');
    return handle('gitlab', c.req.raw, () => sameBytes(digest(token), digest(o.secret ?? '')) && token !== '', c.req.header('x-gitlab-event-uuid') ?? c.req.header('idempotency-key') ?? null);
  });
}

interface RepoInfo {
  clone_url?: string;
  ssh_url?: string;
  html_url?: string;
  git_http_url?: string;
  git_ssh_url?: string;
  web_url?: string;
  default_branch?: string;
}

interface PushEvent {
  ref?: string;
  repository?: RepoInfo;
  project?: RepoInfo;
}
