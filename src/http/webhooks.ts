/**
 * `POST /webhooks/github` and `POST /webhooks/gitlab`: a push refreshes the
 * git sources that track that repository and branch. GitHub's
 * `X-Hub-Signature-256` (HMAC-SHA256 of the body with the webhook secret)
 * and GitLab's `X-Gitlab-Token` are compared in constant time against the
 * secret of each source tracking the repository (its own, else the
 * server's); a delivery is taken for the sources whose secret it carries, and
 * when it carries none it is 401 and nothing is queued. A delivery id seen
 * before is 200 and nothing is queued: ids are kept in the index (the last
 * 10,000, `store/deliveries.ts`), so every replica and a restarted server
 * refuse the replay. A repository no source tracks is 202 and ignored (when
 * signed with the server's secret; else 401).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Env, Hono } from 'hono';
import type { SourceService } from '../app/sources.js';
import { sourceLabel } from '../domain/sources.js';
import type { Logger } from '../observability/logger.js';
import type { DeliveryLog } from '../store/deliveries.js';
import type { SourceRecord } from '../store/store.js';
/** Largest webhook body read, in bytes (GitHub caps payloads at 25 MB). */
const MAX_BODY = 25 * 1024 * 1024;

export interface WebhookOptions {
  /** The server's secret (server.webhookSecret), for sources without one of their own; without any, deliveries are refused. */
  secret: string | undefined;
  registry: Pick<SourceService, 'trackingRepository' | 'refreshInBackground' | 'webhookSecret'>;
  /** Delivery ids taken, kept in the index. */
  deliveries: DeliveryLog;
  log?: Logger;
}

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // compare equal lengths only; timingSafeEqual on the digests keeps the time independent of the content
  return x.length === y.length && timingSafeEqual(x, y);
}

type Check = (body: Buffer, secret: string) => boolean;

/** Mounts the webhook routes on `app`. */
export function mountWebhooks<E extends Env>(app: Hono<E>, o: WebhookOptions): void {
  const unauthorized = (what: string): Response => Response.json({ error: { code: 'UNAUTHORIZED', message: what } }, { status: 401 });
  const handle = async (provider: 'github' | 'gitlab', req: Request, check: Check, delivery: string | null): Promise<Response> => {
    const length = Number(req.headers.get('content-length') ?? '0');
    if (length > MAX_BODY) return Response.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: `the body is larger than ${MAX_BODY} bytes` } }, { status: 413 });
    const body = Buffer.from(await req.arrayBuffer());
    const header = provider === 'github' ? 'X-Hub-Signature-256' : 'X-Gitlab-Token';
    let event: PushEvent | undefined;
    try {
      event = JSON.parse(body.toString('utf8')) as PushEvent;
    } catch {
      event = undefined;
    }
    const repo = provider === 'github' ? event?.repository : event?.project;
    const urls = [repo?.clone_url, repo?.ssh_url, repo?.html_url, repo?.git_http_url, repo?.git_ssh_url, repo?.web_url].filter((u): u is string => typeof u === 'string');
    // whose secret signed it: each source of the repository has its own or the server's; an unknown repository only the server's
    const ofRepository = urls.length ? await o.registry.trackingRepository(urls, undefined, undefined) : [];
    let signedFor: SourceRecord[];
    if (ofRepository.length === 0) {
      if (o.secret === undefined) return unauthorized('no webhook secret is configured for this repository (a source\'s webhookSecret, or server.webhookSecret / env DOCGRAPH_WEBHOOK_SECRET)');
      if (!check(body, o.secret)) return unauthorized(`bad or missing ${header}`);
      signedFor = [];
    } else {
      signedFor = ofRepository.filter((s) => {
        const own = o.registry.webhookSecret(s);
        if (own === null) o.log?.warn({ source: sourceLabel(s) }, 'webhook: the environment variable holding this source\'s secret is not set; its deliveries are refused');
        const secret = own === undefined ? o.secret : own;
        return secret !== undefined && secret !== null && check(body, secret);
      });
      if (signedFor.length === 0) return unauthorized(`bad or missing ${header}`);
    }
    if (delivery !== null && !(await o.deliveries.remember(`${provider}:${delivery}`, Date.now()))) return Response.json({ replayed: true, refreshing: [] }, { status: 200 });
    if (!event) return Response.json({ error: { code: 'INVALID_INPUT', message: 'the body is not JSON' } }, { status: 400 });
    const branch = typeof event.ref === 'string' && event.ref.startsWith('refs/heads/') ? event.ref.slice('refs/heads/'.length) : undefined;
    const onBranch = new Set((await o.registry.trackingRepository(urls, branch, repo?.default_branch)).map((s) => s.id));
    const sources = signedFor.filter((s) => onBranch.has(s.id));
    if (sources.length === 0) return Response.json({ ignored: true, refreshing: [] }, { status: 202 });
    for (const s of sources) o.registry.refreshInBackground(s, o.log);
    o.log?.info({ provider, delivery, sources: sources.map(sourceLabel) }, 'webhook: refreshing sources');
    return Response.json({ refreshing: sources.map((s) => ({ name: s.name, version: s.version })) }, { status: 202 });
  };
  app.post('/webhooks/github', (c) => {
    const signature = c.req.header('x-hub-signature-256') ?? '';
    return handle('github', c.req.raw, (body, secret) => sameBytes(signature, `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`), c.req.header('x-github-delivery') ?? null);
  });
  app.post('/webhooks/gitlab', (c) => {
    const token = c.req.header('x-gitlab-token') ?? '';
    // hash both so the comparison is of equal lengths whatever the token's length
    const digest = (s: string): string => createHmac('sha256', 'docgraph-gitlab').update(s).digest('hex');
    return handle('gitlab', c.req.raw, (_body, secret) => token !== '' && sameBytes(digest(token), digest(secret)), c.req.header('x-gitlab-event-uuid') ?? c.req.header('idempotency-key') ?? null);
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
