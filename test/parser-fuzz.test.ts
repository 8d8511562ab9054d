// The short, seeded run of the parser fuzz (bench/fuzz.ts runs the long
// one): 200 generated and mutated Markdown and HTML files through the real
// parseFile and extraction. Any error but a documented refusal fails, and
// so does too-deep for input that is not deep. The per-input time and
// memory budgets are bounds against runaway (quadratic) cases, not
// assertions on speed: the largest input here is a few hundred KB.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInput, FuzzFailure, fuzzInput, type FuzzOutcome } from '../bench/fuzz-inputs.js';

describe('parser fuzz (200 seeded cases)', () => {
  it('parses or refuses every input with a documented reason', () => {
    const results = new Map<FuzzOutcome['result'], number>();
    fc.assert(
      fc.property(fuzzInput('short'), (input) => {
        const { result } = checkInput(input, { baseMs: 10_000, perKbMs: 20, baseBytes: 512 * 1024 * 1024, perByte: 128 });
        results.set(result, (results.get(result) ?? 0) + 1);
      }),
      { seed: 20_240_610, numRuns: 200 },
    );
    // the generator reaches every kind of outcome: most inputs index, some are refused
    expect(results.get('indexed') ?? 0).toBeGreaterThan(100);
    expect(results.get('too-deep') ?? 0).toBeGreaterThan(0);
    expect((results.get('binary') ?? 0) + (results.get('invalid-utf8') ?? 0)).toBeGreaterThan(0);
  });

  it('fails on an error that is not a documented refusal', () => {
    // a real parse of a file type docgraph refuses is documented; a crash inside the check is not swallowed
    expect(checkInput({ uri: 'notes.txt', bytes: new TextEncoder().encode('text') }).result).toBe('unsupported-type');
    expect(() => checkInput({ uri: 'doc.md', bytes: new TextEncoder().encode('# ok\n') }, { baseMs: -1, perKbMs: 0, baseBytes: 0, perByte: 0 })).toThrow(FuzzFailure);
  });
});
