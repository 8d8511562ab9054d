/**
 * A pool of worker threads (piscina) that survives threads that cannot
 * start: the worker module missing or damaged in the install, a module it
 * imports that throws, a heap limit too small to load it, no memory or
 * thread for a new one. piscina reports such a failure only as an 'error'
 * event on the pool (unhandled, it ends the process with a stack trace) and
 * leaves the tasks it queued waiting forever. Here that event ends the
 * pool: the tasks in flight and every later one are answered `UNAVAILABLE`,
 * after one call of `onUnavailable` saying why, and the owner runs them on
 * its own thread (parse and search tasks are pure or read-only, so running
 * one again is safe).
 *
 * A thread that stops while it runs a task (its heap limit, an exit) fails
 * that task only, with a ThreadStoppedError; piscina starts another thread
 * for the next. The worker modules return every failure of a task as a
 * value, never a rejection, and threads start on demand only (piscina's
 * minThreads is 0): a thread piscina starts with the pool counts as ready
 * before its module has loaded, so a task sent to it that then fails to load
 * was rejected with the load error, like a thread that stopped mid-task; a
 * thread started on demand takes tasks once its module has loaded. So a
 * rejected task always means its thread stopped, and a load failure always
 * reaches the 'error' event.
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { DocgraphError } from '../domain/errors.js';

/** The answer of `run` when the pool's threads cannot run tasks (see the module's comment). */
export const UNAVAILABLE: unique symbol = Symbol('threads unavailable');

/** The thread running a task stopped before it answered (retryable: the next thread may get through). */
export class ThreadStoppedError extends DocgraphError {
  /** The worker's own error code, e.g. ERR_WORKER_OUT_OF_MEMORY when the thread reached its heap limit. */
  readonly workerCode: string | undefined;
  constructor(message: string, cause: unknown) {
    super('INTERNAL', message, { cause, retryable: true });
    const code = (cause as { code?: unknown } | null)?.code;
    this.workerCode = typeof code === 'string' ? code : undefined;
  }
}

export interface ThreadPoolOptions {
  /** The worker module (a file URL); its default export takes one task and never throws. */
  filename: string;
  /** Threads at most; they start as tasks come. */
  maxThreads: number;
  /** An idle thread exits after this long, in ms (Infinity: never). */
  idleTimeout: number;
  resourceLimits?: ResourceLimits;
  workerData?: unknown;
  /** Told once, with the cause, when the threads cannot be used; the owner says what it does instead. */
  onUnavailable?: (cause: Error) => void;
}

export class ThreadPool<T, R> {
  /** Made on the first task (or `start`): piscina loads only then. */
  private piscina: Promise<Piscina | undefined> | undefined;
  /** Why the threads cannot be used, once they cannot (or the pool was closed). */
  private failure: Error | undefined;
  /**
   * Of each task in flight, what answers it UNAVAILABLE when the pool ends first. One per task,
   * dropped when it ends: a task racing one promise that lives as long as the pool would leave a
   * reaction on it holding the task's result until the pool closed.
   */
  private readonly inFlight = new Set<() => void>();

  constructor(private readonly options: ThreadPoolOptions) {}

  /** False once the threads cannot be used (or the pool is closed): every task answers UNAVAILABLE. */
  get usable(): boolean {
    return this.failure === undefined;
  }

  /** Loads piscina and makes the pool (no thread yet); the first task does it otherwise. */
  start(): Promise<Piscina | undefined> {
    this.piscina ??= this.open();
    return this.piscina;
  }

  private async open(): Promise<Piscina | undefined> {
    try {
      const { Piscina } = await import('piscina');
      if (this.failure) return undefined;
      const { onUnavailable: _, ...options } = this.options;
      const pool = new Piscina({ ...options, minThreads: 0 });
      pool.on('error', (e: unknown) => this.unusable(e));
      return pool;
    } catch (e) {
      // piscina would not load, or a thread could not be made: as unusable as a thread that cannot load
      this.unusable(e);
      return undefined;
    }
  }

  /** The task's result, or UNAVAILABLE (run it elsewhere); rejects with a ThreadStoppedError when its thread stopped. */
  async run(task: T): Promise<R | typeof UNAVAILABLE> {
    if (this.failure) return UNAVAILABLE;
    const pool = await this.start();
    if (!pool || this.failure) return UNAVAILABLE;
    let running: Promise<R>;
    try {
      running = pool.run(task) as Promise<R>;
    } catch (e) {
      this.unusable(e);
      return UNAVAILABLE;
    }
    let giveUp!: () => void;
    const ended = new Promise<typeof UNAVAILABLE>((resolve) => (giveUp = () => resolve(UNAVAILABLE)));
    this.inFlight.add(giveUp);
    try {
      return await Promise.race([running, ended]);
    } catch (e) {
      // the pool was ended meanwhile (its threads failed, or it was closed): the task is the owner's to run
      if (this.failure) return UNAVAILABLE;
      throw new ThreadStoppedError(`a worker thread stopped while running a task: ${messageOf(e)}`, e);
    } finally {
      this.inFlight.delete(giveUp);
    }
  }

  /** Ends the threads; later tasks answer UNAVAILABLE. Idempotent. */
  async close(): Promise<void> {
    this.failure ??= new Error('the thread pool is closed');
    this.endInFlight();
    const pool = await this.piscina;
    await pool?.destroy().catch(() => undefined);
  }

  private unusable(e: unknown): void {
    if (this.failure) return;
    this.failure = e instanceof Error ? e : new Error(String(e));
    this.endInFlight();
    this.options.onUnavailable?.(this.failure);
    void this.piscina?.then((pool) => pool?.destroy()).catch(() => undefined);
  }

  private endInFlight(): void {
    for (const giveUp of this.inFlight) giveUp();
    this.inFlight.clear();
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
