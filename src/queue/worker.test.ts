import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParseError } from '../domain/errors.js';
import { LeaseLostError } from './errors.js';
import { ManualClock } from './queue.contract.js';
import { openBackend, type Backend } from '../app/backend.js';
import { effects as effectsIn } from '../../test/fixtures/queue/effect.js';
import type { JobInput, JobQueue, QueueOptions } from './queue.js';
import { runWorker, SupersededError, WorkerStoppingError, type WorkerEvent } from './worker.js';

const WORKER_CHILD = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'queue', 'worker-child.ts');

const job = (uri: string, checksum = 'c1'): JobInput => ({ type: 'ingest', sourceId: 'src', uri, checksum });

/** Resolves once `predicate` holds, polling; a bound, not a timing assertion. */
async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A promise and the function that resolves it. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('runWorker', () => {
  let dir: string;
  let path: string;
  const opened: JobQueue[] = [];
  const backends: Backend[] = [];
  /** A queue handle on the test's index (through the backend factory, as the app opens one). */
  const queue = async (options: QueueOptions = {}): Promise<JobQueue> => {
    const backend = await openBackend({ store: path }, { create: true });
    backends.push(backend);
    const q = backend.openQueue({ backoff: { baseMs: 1, jitter: 'none' }, ...options });
    opened.push(q);
    return q;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'docgraph-worker-'));
    path = join(dir, 'index.db');
  });
  afterEach(async () => {
    for (const q of opened.splice(0)) await q.close();
    for (const b of backends.splice(0)) await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('in process', () => {
    it('retries a job whose handler met a lost lease (a write refused after the lease ran out), never dead-letters it', async () => {
      const q = await queue({ maxAttempts: 5 });
      await q.enqueue(job('late.md'));
      let attempts = 0;
      const summary = await runWorker({
        queue: q,
        pollMs: 5,
        exitWhenIdle: true,
        handler: async (ctx) => {
          attempts++;
          // what commitJob throws when the lease ran out before the write; the heartbeat may renew it afterwards
          if (attempts === 1) throw new LeaseLostError(ctx.job.id, 'expired');
        },
      });
      expect(attempts).toBe(2);
      expect(summary).toMatchObject({ completed: 1, failed: 1 });
      expect(await q.counts()).toMatchObject({ completed: 1, dead: 0, pending: 0, running: 0 });
    });

    it('runs jobs concurrently, each once, and returns when the queue is drained', async () => {
      const q = await queue();
      for (let i = 0; i < 40; i++) await q.enqueue(job(`d${i}.md`));
      const seen: string[] = [];
      let running = 0;
      let peak = 0;
      const fourRunning = latch();
      const summary = await runWorker({
        queue: q,
        concurrency: 4,
        pollMs: 5,
        exitWhenIdle: true,
        handler: async (ctx) => {
          seen.push(ctx.job.id);
          running++;
          peak = Math.max(peak, running);
          if (running === 4) fourRunning.open();
          // The first jobs wait until four run at once: the loop must fill every slot.
          await fourRunning.promise;
          await sleep(1);
          running--;
        },
      });
      expect(peak).toBe(4);
      expect(seen).toHaveLength(40);
      expect(new Set(seen).size).toBe(40);
      expect(summary).toMatchObject({ completed: 40, failed: 0, released: 0, leaseLost: 0 });
      expect(await q.counts()).toMatchObject({ completed: 40, pending: 0, running: 0 });
    });

    it('runs onIdle once per idle spell, after the jobs before it and before exiting; an error in it is reported, not fatal', async () => {
      const q = await queue();
      for (let i = 0; i < 5; i++) await q.enqueue(job(`d${i}.md`));
      const log: string[] = [];
      const events: WorkerEvent[] = [];
      let idles = 0;
      const summary = await runWorker({
        queue: q,
        concurrency: 2,
        pollMs: 5,
        exitWhenIdle: true,
        onEvent: (e) => events.push(e),
        handler: async (ctx) => {
          log.push(ctx.job.uri);
          await sleep(1);
        },
        onIdle: async () => {
          idles++;
          log.push(`idle ${idles}`);
          // work that arrives during the idle hook is claimed before the worker exits, then the hook runs again
          if (idles === 1) await q.enqueue(job('late.md'));
          if (idles === 2) throw new Error('relinking failed');
        },
      });
      expect(log.slice(0, 5).sort()).toEqual(['d0.md', 'd1.md', 'd2.md', 'd3.md', 'd4.md']);
      expect(log.slice(5)).toEqual(['idle 1', 'late.md', 'idle 2']);
      expect(summary).toMatchObject({ completed: 6, failed: 0 });
      expect(events.some((e) => e.type === 'error' && String((e as { error: unknown }).error).includes('relinking failed'))).toBe(true);
    });

    it('retries a failed job and resumes it after its last finished step', async () => {
      const q = await queue();
      await q.enqueue(job('a.md'));
      const steps: string[] = [];
      const summary = await runWorker({
        queue: q,
        pollMs: 5,
        exitWhenIdle: true,
        handler: async (ctx) => {
          for (const step of ['parse', 'extract', 'embed', 'write']) {
            if (ctx.done(step)) continue;
            steps.push(`${ctx.attempt}:${step}`);
            if (step === 'embed' && ctx.attempt === 1) throw new Error('embedder timed out');
            await ctx.checkpoint(step, { at: step });
          }
          expect(ctx.stepPayload('parse')).toEqual({ at: 'parse' });
        },
      });
      expect(steps).toEqual(['1:parse', '1:extract', '1:embed', '2:embed', '2:write']);
      expect(summary).toMatchObject({ completed: 1, failed: 1 });
    });

    it('sends a permanent failure to the DLQ and carries on', async () => {
      const q = await queue();
      await q.enqueue(job('bad.md'));
      await q.enqueue(job('good.md'));
      const events: WorkerEvent['type'][] = [];
      const summary = await runWorker({
        queue: q,
        pollMs: 5,
        exitWhenIdle: true,
        onEvent: (e) => events.push(e.type),
        handler: async (ctx) => {
          if (ctx.job.uri === 'bad.md') throw new ParseError('bad.md', 'unclosed front matter');
        },
      });
      expect(summary).toMatchObject({ completed: 1, failed: 1 });
      expect((await q.dlq.list()).map((j) => [j.uri, j.deadReason])).toEqual([['bad.md', 'permanent-error']]);
      expect(events).toEqual(['claimed', 'failed', 'claimed', 'completed']);
    });

    it('stops claiming when told to stop and lets the job in flight finish', async () => {
      const q = await queue();
      await q.enqueue(job('a.md'));
      await q.enqueue(job('b.md'));
      const stop = new AbortController();
      const finish = latch();
      const run = runWorker({
        queue: q,
        pollMs: 5,
        signal: stop.signal,
        handler: async () => {
          stop.abort();
          await finish.promise;
        },
      });
      await until(async () => (await q.counts()).running === 1, 'the first job to start');
      finish.open();
      const summary = await run;
      expect(summary).toMatchObject({ completed: 1, released: 0 });
      expect(await q.counts()).toMatchObject({ completed: 1, pending: 1, running: 0 });
    });

    it('releases a job that outlives the grace period and aborts its handler', async () => {
      const q = await queue();
      const { job: queued } = await q.enqueue(job('slow.md'));
      const stop = new AbortController();
      let reason: unknown;
      const summary = await runWorker({
        queue: q,
        pollMs: 5,
        graceMs: 20,
        signal: stop.signal,
        handler: (ctx) =>
          new Promise<void>((_resolve, reject) => {
            stop.abort();
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason as Error);
            });
          }),
      });
      expect(summary).toMatchObject({ completed: 0, released: 1 });
      expect(reason).toBeInstanceOf(WorkerStoppingError);
      expect(await q.get(queued.id)).toMatchObject({ state: 'pending', attempts: 0, lease: null });
      expect((await q.get(queued.id))!.history.map((h) => h.outcome)).toEqual(['released']);
    });

    it('aborts a handler whose job was superseded, then runs the newer job', async () => {
      const q = await queue();
      await q.enqueue(job('a.md', 'v1'));
      const started = latch();
      const handled: string[] = [];
      let reason: unknown;
      const run = runWorker({
        queue: q,
        pollMs: 5,
        leaseMs: 1_000,
        heartbeatMs: 10,
        exitWhenIdle: true,
        handler: async (ctx) => {
          handled.push(ctx.job.checksum);
          if (ctx.job.checksum === 'v2') return;
          started.open();
          await new Promise<void>((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason as Error);
            }),
          );
        },
      });
      await started.promise;
      const newer = await q.enqueue(job('a.md', 'v2'));
      const summary = await run;
      expect(reason).toBeInstanceOf(SupersededError);
      expect(handled).toEqual(['v1', 'v2']);
      expect(summary).toMatchObject({ completed: 1, failed: 1 });
      expect((await q.get(newer.superseded[0]!))!.state).toBe('superseded');
      expect((await q.get(newer.job.id))!.state).toBe('completed');
    });

    it('aborts a handler whose lease was lost and lets the retry complete', async () => {
      const clock = new ManualClock();
      const q = await queue({ clock });
      const reaper = await queue({ clock });
      const { job: queued } = await q.enqueue(job('a.md'));
      const started = latch();
      let reason: unknown;
      const run = runWorker({
        queue: q,
        pollMs: 5,
        leaseMs: 1_000,
        heartbeatMs: 10,
        exitWhenIdle: true,
        handler: async (ctx) => {
          if (ctx.attempt > 1) return;
          started.open();
          await new Promise<void>((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason as Error);
            }),
          );
        },
      });
      await started.promise;
      clock.advance(1_000); // the lease runs out on the queue's clock ...
      await reaper.reap(); // ... another process reaps it
      await until(() => reason !== undefined, 'the handler to be aborted');
      clock.advance(1_000); // past the retry backoff
      const summary = await run;
      expect(reason).toBeInstanceOf(LeaseLostError);
      expect(summary).toMatchObject({ completed: 1, failed: 0, leaseLost: 1 });
      expect((await q.get(queued.id))!.history.map((h) => h.outcome)).toEqual(['expired', 'completed']);
    });
  });

  describe('in child processes, with real signals', () => {
    interface ChildConfig {
      worker: string;
      wait: 'message' | 'forever' | number;
      leaseMs: number;
      heartbeatMs: number;
      graceMs: number;
      exitWhenIdle: boolean;
    }
    type Message = { event: 'started'; jobId: string; attempt: number } | { event: 'stopping' } | { event: 'done'; summary: unknown };
    interface Child {
      proc: ChildProcess;
      next(event: Message['event']): Promise<Message>;
      exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    }
    const spawnWorker = (config: Partial<ChildConfig> & { worker: string }): Child => {
      const full: ChildConfig = { wait: 'message', leaseMs: 1_000, heartbeatMs: 200, graceMs: 10_000, exitWhenIdle: false, ...config };
      const proc = fork(WORKER_CHILD, [path, JSON.stringify(full)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
      const inbox: Message[] = [];
      const waiting: { event: string; resolve: (m: Message) => void }[] = [];
      proc.on('message', (m: Message) => {
        const i = waiting.findIndex((w) => w.event === m.event);
        if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
        else inbox.push(m);
      });
      return {
        proc,
        next: (event) => {
          const i = inbox.findIndex((m) => m.event === event);
          if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
          return new Promise((resolve) => waiting.push({ event, resolve }));
        },
        exit: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
      };
    };
    /** The effects the workers committed (see test/fixtures/queue/effect.ts). */
    const effects = async (): Promise<{ job_id: string; worker: string }[]> => effectsIn(backends[0]!);

    it('SIGTERM mid-job: stops claiming, finishes the job, exits 0 with nothing leased', async () => {
      const q = await queue();
      const first = await q.enqueue(job('a.md'));
      await q.enqueue(job('b.md'));
      const child = spawnWorker({ worker: 'term-finish', wait: 'message' });
      expect(await child.next('started')).toMatchObject({ jobId: first.job.id });
      child.proc.kill('SIGTERM');
      await child.next('stopping');
      child.proc.send('finish');
      expect(await child.exit).toEqual({ code: 0, signal: null });
      expect(await q.counts()).toMatchObject({ completed: 1, pending: 1, running: 0 });
      expect(await effects()).toEqual([{ job_id: first.job.id, worker: 'term-finish' }]);
    });

    it('SIGTERM mid-job past the grace period: releases the job, exits 0 with nothing leased', async () => {
      const q = await queue();
      const { job: queued } = await q.enqueue(job('a.md'));
      const child = spawnWorker({ worker: 'term-release', wait: 'forever', graceMs: 200 });
      await child.next('started');
      child.proc.kill('SIGTERM');
      expect(await child.exit).toEqual({ code: 0, signal: null });
      expect(await q.get(queued.id)).toMatchObject({ state: 'pending', attempts: 0, lease: null });
      expect((await q.get(queued.id))!.history.map((h) => h.outcome)).toEqual(['released']);
      expect(await effects()).toEqual([]);
    });

    it('SIGKILL mid-job: after the lease expires another worker completes it, exactly once', async () => {
      const q = await queue();
      const { job: queued } = await q.enqueue(job('a.md'));
      const doomed = spawnWorker({ worker: 'doomed', wait: 'forever', leaseMs: 1_000, heartbeatMs: 200 });
      await doomed.next('started');
      doomed.proc.kill('SIGKILL');
      expect(await doomed.exit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(await q.get(queued.id)).toMatchObject({ state: 'running', lease: { worker: 'doomed' } });

      const rescuer = spawnWorker({ worker: 'rescuer', wait: 0, leaseMs: 1_000, heartbeatMs: 200, exitWhenIdle: true });
      expect(await rescuer.next('started')).toMatchObject({ jobId: queued.id, attempt: 2 });
      expect(await rescuer.exit).toEqual({ code: 0, signal: null });
      const done = await q.get(queued.id);
      expect(done!.state).toBe('completed');
      expect(done!.history.map((h) => [h.worker, h.outcome])).toEqual([
        ['doomed', 'expired'],
        ['rescuer', 'completed'],
      ]);
      expect(await effects()).toEqual([{ job_id: queued.id, worker: 'rescuer' }]);
      expect((await q.stats()).staleLeases).toBe(0);
    });
  });
});
