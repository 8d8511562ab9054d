import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('../../test/fixtures/logger/batched-logger.ts', import.meta.url));

/** Lines named by their `line` field, in the order they reached stderr. */
function named(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { line: string }).line);
}

describe('createLogger with batching', () => {
  it('keeps info lines until a warning, which goes out at once with them; the exit writes the rest', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => p.once('exit', resolve));
    const send = async (cmd: string, until: () => boolean): Promise<void> => {
      const before = out.split('done').length;
      p.stdin.write(cmd + '\n');
      for (let i = 0; i < 600 && (out.split('done').length === before || !until()); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await send('info a', () => true);
    await send('info b', () => true);
    // a full second for a write that, unbatched, would have been under way at once
    await new Promise((r) => setTimeout(r, 1000));
    expect(named(err)).toEqual([]);
    await send('warn w', () => err.includes('warn line'));
    expect(named(err)).toEqual(['a', 'b', 'w']);
    await send('info c', () => true);
    p.stdin.write('exit\n');
    expect(await exited).toBe(0);
    expect(named(err)).toEqual(['a', 'b', 'w', 'c']);
  }, 60_000);
});
