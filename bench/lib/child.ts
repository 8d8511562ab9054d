import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

export interface ChildResult<T> {
  result: T;
  /** Spawn to exit, seconds: includes Node start-up and TypeScript loading (tsx). */
  processSeconds: number;
}

/** Runs one benchmark task in a fresh Node process (clean heap, its own peak RSS) and returns its JSON result. */
export function runTask<T>(task: string, args: object, options: { timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<ChildResult<T>> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', WORKER, task, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: options.timeoutMs ?? 15 * 60_000,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const processSeconds = (performance.now() - started) / 1000;
      if (code !== 0) {
        reject(new Error(`bench task ${task} failed (${signal ?? `exit ${code}`})`));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ result: JSON.parse(last) as T, processSeconds });
      } catch {
        reject(new Error(`bench task ${task} printed no JSON result`));
      }
    });
  });
}
