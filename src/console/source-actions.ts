/**
 * The operations page's source actions: add, refresh, remove a source
 * (`POST /ops/sources`, `/ops/sources/refresh`, `/ops/sources/remove`), each
 * one call into the same `SourceService` the CLI (`docgraph add`, `refresh`,
 * `remove`) and the config's scheduled refreshes use. Admin scope only.
 * Add and refresh queue the source's jobs and answer at once (the server's
 * worker does them; the operations page follows the queue); remove answers
 * when the documents have left. Answers are JSON in REST's shapes
 * (errors as `{ error: { code, message, details } }`).
 *
 * The requests must carry `x-console-action: 1`: a header a page on another
 * origin cannot send without a CORS preflight (which the server never
 * grants), so an open loopback console cannot be driven by another site.
 */
import type { Context, Env, Hono } from 'hono';
import { z } from 'zod';
import type { SourceService } from '../app/sources.js';
import { grants, type Caller } from '../app/keys.js';
import { InvalidInputError } from '../domain/errors.js';
import { sourceLabel } from '../domain/sources.js';
import { authenticate, restRefusal, type AuthOptions, type AuthVariables } from '../http/auth.js';
import { errorResponse, toErrorResponse } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';

export type SourceActions = Pick<SourceService, 'add' | 'refresh' | 'remove'>;

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((s) => (s === '' ? undefined : s));
const addInput = z.object({ location: z.string().trim().min(1, 'a folder or git URL is required').max(4096), name: text(100).optional(), version: text(100).optional() });
const sourceInput = z.object({ source: z.string().trim().min(1, 'the source (name or name@version) is required').max(201) });

/** Mounts the three routes on `app`. `registry` is called per request (the service is made on first use). */
export function mountSourceActions<E extends Env & { Variables: AuthVariables }>(app: Hono<E>, opts: { auth: AuthOptions; registry: () => SourceActions; log?: Logger | undefined }): void {
  app.use('/ops/sources', authenticate(opts.auth, () => restRefusal));
  app.use('/ops/sources/*', authenticate(opts.auth, () => restRefusal));

  const guard = (c: Context): Response | undefined => {
    if (c.req.header('x-console-action') !== '1') return errorResponse('INVALID_INPUT', 'console actions are sent by the console page (header x-console-action: 1)', { field: 'x-console-action', allowed: '1' });
    if (!grants((c.get('caller') as Caller).scopes, 'admin')) return errorResponse('FORBIDDEN', 'managing sources needs a key with the admin scope');
    return undefined;
  };
  const parse = async <T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> => {
    const body = await c.req.parseBody();
    const r = schema.safeParse(body);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new InvalidInputError(issue?.message ?? 'invalid form', { field: String(issue?.path[0] ?? 'form'), allowed: 'location (a folder on the server or a git URL), optional name and version; or source (name[@version])' });
    }
    return r.data;
  };
  const run = (c: Context, fn: () => Promise<Record<string, unknown>>): Promise<Response> =>
    fn().then(
      (out) => c.json(out),
      (e: unknown) => toErrorResponse(e, opts.log),
    );
  const runOptions = { wait: false, ...(opts.log ? { log: opts.log } : {}) };

  app.post('/ops/sources', (c) => {
    const refused = guard(c);
    if (refused) return refused;
    return run(c, async () => {
      const f = await parse(c, addInput);
      const r = await opts.registry().add({ location: f.location, ...(f.name ? { name: f.name } : {}), ...(f.version ? { version: f.version } : {}) }, runOptions);
      return { source: sourceLabel(r.source), queued: r.report.jobs?.queued ?? 0, message: `added ${sourceLabel(r.source)}: ${r.report.jobs?.queued ?? 0} files queued` };
    });
  });
  app.post('/ops/sources/refresh', (c) => {
    const refused = guard(c);
    if (refused) return refused;
    return run(c, async () => {
      const f = await parse(c, sourceInput);
      const [r] = await opts.registry().refresh(f.source, runOptions);
      const queued = r?.report.jobs?.queued ?? 0;
      return { source: f.source, queued, message: `refreshed ${f.source}: ${queued} files queued` };
    });
  });
  app.post('/ops/sources/remove', (c) => {
    const refused = guard(c);
    if (refused) return refused;
    return run(c, async () => {
      const f = await parse(c, sourceInput);
      const r = await opts.registry().remove(f.source, opts.log ? { log: opts.log } : {});
      return { source: sourceLabel(r.source), removed_documents: r.removed, message: `removed ${sourceLabel(r.source)} (${r.removed} documents)` };
    });
  });
}
