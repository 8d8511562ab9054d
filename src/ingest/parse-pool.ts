/**
 * Where files are parsed: on the calling thread, or on a pool of worker
 * threads (piscina) so that parsing uses every core and never blocks the
 * thread that serves requests and writes the index. The pool starts its
 * threads on first use and lets idle ones exit; a parse thread has its own
 * heap limit, so one pathological file fails alone (as a parse error) instead
 * of taking the process down. Threads that cannot start (a damaged install,
 * a heap limit too small to load the parsers) leave the parsing to the
 * calling thread, with one warning (threads/pool.ts).
 */
import { availableParallelism } from 'node:os';
import type { DocumentRecords } from './records.js';
import { ParseError, UnsupportedFileError } from '../domain/errors.js';
import { ThreadPool, ThreadStoppedError, UNAVAILABLE } from '../threads/pool.js';
import type { ParseOutcome, ParseTask } from './parse-task.js';

export interface Parser {
  /** The file's records; throws UnsupportedFileError or ParseError as parseDocument does. */
  parse(task: ParseTask): Promise<DocumentRecords>;
  /** Files parsed at once (1: on the calling thread). */
  readonly threads: number;
  close(): Promise<void>;
}

/** Parses on the calling thread: for small runs, where starting threads costs more than it saves. */
export const parserOnThisThread: Parser = {
  threads: 1,
  parse: async (task) => {
    // the parsers load on the first file parsed here: a run that parses nothing (unchanged) or only on threads never loads them
    const { runParseTask } = await import('./parse-task.js');
    return recordsOf(task.uri, await runParseTask(task));
  },
  close: async () => undefined,
};

/** Parse threads by default: the cores there are, at most four. */
export function defaultParseThreads(): number {
  return Math.min(4, availableParallelism());
}

/** Heap limit of one parse thread (MB): a 20 MB file needs well under this; a file that needs more is refused alone. */
export const PARSE_THREAD_HEAP_MB = 1536;

/**
 * The worker module: the built parse-worker.js; from the TypeScript sources
 * (tests, `node --import tsx`) a small .mjs that loads the .ts through tsx
 * (named through a variable: it is not part of the package).
 */
function workerFile(): string {
  if (import.meta.url.endsWith('.ts')) {
    const dev = './parse-worker-dev.mjs';
    return new URL(dev, import.meta.url).href;
  }
  return new URL('./parse-worker.js', import.meta.url).href;
}

export interface ThreadParserOptions {
  /** Heap limit of each thread, in MB (default PARSE_THREAD_HEAP_MB). */
  heapMb?: number;
  /** Told once, with the cause, when the threads cannot be used: every file is parsed on the calling thread from then on. */
  onUnavailable?: (cause: Error) => void;
}

export class ThreadParser implements Parser {
  private readonly pool: ThreadPool<ParseTask, ParseOutcome>;
  private readonly heapMb: number;

  constructor(
    readonly threads: number,
    options: ThreadParserOptions = {},
  ) {
    this.heapMb = options.heapMb ?? PARSE_THREAD_HEAP_MB;
    // made on the first parse: piscina loads only then (an unchanged re-ingest starts no thread)
    this.pool = new ThreadPool({
      filename: workerFile(),
      maxThreads: threads,
      idleTimeout: 2000,
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
      ...(options.onUnavailable ? { onUnavailable: options.onUnavailable } : {}),
    });
  }

  /**
   * The file's records, as parserOnThisThread gives them (on this thread when the threads cannot start).
   * A thread that stops while parsing the file: a ParseError when it reached its heap limit (the file
   * needs more than a thread may hold), else a ThreadStoppedError (retryable).
   */
  async parse(task: ParseTask): Promise<DocumentRecords> {
    let outcome: ParseOutcome | typeof UNAVAILABLE;
    try {
      outcome = await this.pool.run(task);
    } catch (e) {
      if (!(e instanceof ThreadStoppedError)) throw e;
      if (e.workerCode === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new ParseError(task.uri, `${task.uri} could not be parsed: it needed more than ${this.heapMb} MB of memory (the limit of one parse thread)`, { cause: e.cause });
      }
      const cause = e.cause instanceof Error ? e.cause.message : String(e.cause);
      throw new ThreadStoppedError(`${task.uri} could not be parsed: its parse thread stopped (${cause})`, e.cause);
    }
    if (outcome === UNAVAILABLE) return parserOnThisThread.parse(task);
    return recordsOf(task.uri, outcome);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The records, or the error the parse would have thrown. */
export function recordsOf(uri: string, o: ParseOutcome): DocumentRecords {
  if (o.kind === 'records') return o.records;
  if (o.kind === 'unsupported') throw new UnsupportedFileError(uri, o.reason, o.message);
  if (o.kind === 'thrown') throw Object.assign(new Error(o.message), { name: o.name, stack: o.stack });
  throw new ParseError(uri, o.message);
}
