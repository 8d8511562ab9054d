// Guards the parser fuzz's slowest Markdown (docs/benchmarks.md, "Parser
// fuzzing"): an 800 KB file took 18-30 s. It was put down to a 6,105-character
// run of `*` in it, but the time went to a 505 KB paragraph of a phrase with
// `](_ERR` repeated: marked scans from every `_` that may open emphasis to the
// paragraph's last possible closer, so the paragraph cost the square of its
// length (`a](_b ` repeated: 25 KB in 2.3 s, 200 KB would take minutes).
// Emphasis pairing now has a scan budget linear in the document's size.
// The generous timeouts are bounds for a busy machine, not assertions on
// time: the quadratic paths took minutes.
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../src/parse/parse-file.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** `unit` repeated to about `kb` KB in one paragraph, between two marker words. */
function paragraph(unit: string, kb: number): string {
  return '# Scan\n\nstartword ' + unit.repeat(Math.ceil((kb * 1024) / unit.length)) + ' endword\n';
}

describe('regression: emphasis delimiters that cannot pair index in linear time', () => {
  it.each([
    ['_ after a bracket and parenthesis (the fuzz case)', '--verbose](&nbsp;_ERR_REQUIRE_ESM \v a_b & the git rebase x --verbose worker_connections', 800],
    ['_ openers', 'a](_b ', 300],
    ['* openers', 'a](*b ', 300],
    ['~ openers', 'a](~b ', 300],
  ])('%s', (_name, unit, kb) => {
    const doc = parseFile('scan.md', utf8(paragraph(unit, kb)));
    const text = doc.sections.map((s) => s.text).join('\n');
    expect(text).toContain('startword');
    expect(text).toContain('endword');
    // the body is the source as written: nothing was dropped or escaped
    expect(text.length).toBeGreaterThan(kb * 1024);
  }, 60_000);

  it('the whole fuzzed file: 800 KB with the 505 KB paragraph and a deep run of `*` at its end', () => {
    const fuzzed = '---\ntitle: fuzzed\n---\n' + paragraph('--verbose](&nbsp;_ERR_REQUIRE_ESM \v a_b & the git rebase x --verbose worker_connections', 505) + '\n\n' + 'x\n\n'.repeat(100_000) + '*'.repeat(3052) + 'x' + '*'.repeat(3052) + '\n';
    let outcome: string;
    try {
      parseFile('fuzzed.md', utf8(fuzzed));
      outcome = 'indexed';
    } catch (e) {
      outcome = (e as { reason?: string }).reason ?? String(e);
    }
    // once the scan budget is spent the run is text; refusing it as too-deep would be right too
    expect(['indexed', 'too-deep']).toContain(outcome);
  }, 60_000);
});
