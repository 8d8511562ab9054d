/**
 * Where files are parsed: on the calling thread, or on a pool of worker
 * threads (piscina) so that parsing uses every core and never blocks the
 * thread that serves requests and writes the index. The pool starts its
 * threads on first use and lets idle ones exit; a parse thread has its own
 * heap limit, so one pathological file fails alone (as a parse error) instead
 * of taking the process down.
 */
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import type { DocumentRecords } from './records.js';
import { ParseError, UnsupportedFileError } from '../domain/errors.js';
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

export class ThreadParser implements Parser {
  /** Made on the first parse: piscina loads only then (an unchanged re-ingest starts no thread). */
  private pool: Promise<Piscina> | undefined;

  constructor(
    readonly threads: number,
    private readonly heapMb = PARSE_THREAD_HEAP_MB,
  ) {}

  async parse(task: ParseTask): Promise<DocumentRecords> {
    this.pool ??= import('piscina').then(
      ({ Piscina }) =>
        new Piscina({
          filename: workerFile(),
          minThreads: 0,
          maxThreads: this.threads,
          idleTimeout: 2000,
          resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
        }),
    );
    const pool = await this.pool;
    let outcome: ParseOutcome;
    try {
      outcome = (await pool.run(task)) as ParseOutcome;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new ParseError(task.uri, `${task.uri} could not be parsed: it needed more than ${this.heapMb} MB of memory (the limit of one parse thread)`, { cause: e });
      }
      throw e;
    }
    return recordsOf(task.uri, outcome);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await (await pool)?.destroy();
  }
}

/** The records, or the error the parse would have thrown. */
export function recordsOf(uri: string, o: ParseOutcome): DocumentRecords {
  if (o.kind === 'records') return o.records;
  if (o.kind === 'unsupported') throw new UnsupportedFileError(uri, o.reason, o.message);
  throw new ParseError(uri, o.message);
}
