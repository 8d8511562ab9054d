/**
 * Readiness (`GET /health/ready`): can this server answer now? The index must
 * be reachable through a fresh connection and at this build's schema, and the
 * queue must not be stuck: its oldest pending job younger than
 * `health.maxPendingAgeMs`, at most `health.maxStaleLeases` expired leases
 * nobody reaped. The DLQ's size is reported, not judged (a dead job is an
 * operator's matter, not a reason to take the server out of rotation), and so
 * is the embedder: when the last search ran without vectors, or its circuit
 * breaker is open or testing (`breaker`), search still answers (lexical and
 * graph, `degraded: ["vector"]`), so the server stays ready.
 * Liveness (`/health`) depends on nothing and is answered in server.ts.
 */
import type { IndexProbe } from '../store/readiness.js';
import type { QueueFigures } from '../observability/metrics.js';
import type { BreakerSnapshot } from '../embed/guarded.js';

export interface ReadinessSources {
  probeIndex(): Promise<IndexProbe>;
  queue(): Promise<QueueFigures>;
  thresholds: { maxPendingAgeMs: number; maxStaleLeases: number };
  embedder: { provider: string; degraded: () => readonly string[]; breaker?: () => BreakerSnapshot | undefined };
}

export interface Readiness {
  ready: boolean;
  checks: {
    index: IndexProbe & { ok: boolean };
    queue: { ok: boolean; oldest_pending_age_s: number | null; stale_leases: number | null; pending: number | null; running: number | null; detail?: string };
    dlq: { size: number | null };
    embedder: { provider: string; status: 'ok' | 'degraded'; degraded: string[]; breaker?: BreakerSnapshot };
  };
}

/** Runs the checks; never throws (a check that fails is reported as such). */
export async function readiness(src: ReadinessSources): Promise<Readiness> {
  const [index, queue] = await Promise.all([src.probeIndex(), src.queue().then((q) => ({ q }), (e: unknown) => ({ e }))]);
  const indexOk = index.reachable && index.migrated;
  let queueCheck: Readiness['checks']['queue'];
  let dlq: number | null = null;
  if ('q' in queue) {
    const { q } = queue;
    const age = q.oldestPendingAgeMs;
    const problems: string[] = [];
    if (age !== null && age > src.thresholds.maxPendingAgeMs) problems.push(`the oldest pending job waits for ${Math.round(age / 1000)} s (health.maxPendingAgeMs is ${src.thresholds.maxPendingAgeMs} ms): is a worker running?`);
    if (q.staleLeases > src.thresholds.maxStaleLeases) problems.push(`${q.staleLeases} expired leases were not reaped (health.maxStaleLeases is ${src.thresholds.maxStaleLeases})`);
    queueCheck = {
      ok: problems.length === 0,
      oldest_pending_age_s: age === null ? null : age / 1000,
      stale_leases: q.staleLeases,
      pending: q.counts.pending ?? 0,
      running: q.counts.running ?? 0,
      ...(problems.length ? { detail: problems.join('; ') } : {}),
    };
    dlq = q.dlq.size;
  } else {
    queueCheck = { ok: false, oldest_pending_age_s: null, stale_leases: null, pending: null, running: null, detail: `cannot read the queue: ${queue.e instanceof Error ? queue.e.message : String(queue.e)}` };
  }
  const degraded = [...src.embedder.degraded()];
  const breaker = src.embedder.breaker?.();
  const down = degraded.includes('vector') || (breaker !== undefined && breaker.state !== 'closed');
  const embedder = { provider: src.embedder.provider, status: down ? ('degraded' as const) : ('ok' as const), degraded, ...(breaker ? { breaker } : {}) };
  return { ready: indexOk && queueCheck.ok, checks: { index: { ok: indexOk, ...index }, queue: queueCheck, dlq: { size: dlq }, embedder } };
}
