import { describe, expect, it } from 'vitest';
import { classifyIntent, plan } from './planner.js';

describe('classifyIntent', () => {
  it.each([
    // "timeout" is an error word, but these ask about a setting, not a failure
    ['node:test timeout option default for test()', 'config'],
    ['http server keep-alive timeout default', 'config'],
    // error codes and messages stay errors
    ['Error: listen EADDRINUSE: address already in use', 'error'],
    ['socket hang up ECONNRESET', 'error'],
    // a message without a code or a setting cue is still an error
    ['Error: connect timed out', 'error'],
    ['request timed out: what does it mean', 'error'],
    // a pasted message stays an error even when it names an option or a setting
    ['Error: unknown option --foo', 'error'],
    ['Error: Invalid setting for timeout', 'error'],
    ['Warning: the default flag is deprecated, what does it mean', 'error'],
  ] as const)('%s → %s', (query, intent) => {
    expect(classifyIntent(query)).toBe(intent);
  });
});

describe('plan', () => {
  it('keeps a how-to asked inside an error question as a second intent', () => {
    const p = plan('FATAL ERROR: JavaScript heap out of memory - how do I give node a bigger heap?');
    expect(p.intent).toBe('error');
    expect(p.also).toBe('howto');
  });

  it('has no second intent for a plain how-to', () => {
    const p = plan('how do I read a file');
    expect(p.intent).toBe('howto');
    expect(p).not.toHaveProperty('also');
  });

  it('has no second intent for a config question without a how-to', () => {
    expect(plan('http server keep-alive timeout default')).toEqual({ query: 'http server keep-alive timeout default', intent: 'config', names: [] });
  });

  it('does not take a shouted English word for an errno name', () => {
    expect(plan('FATAL ERROR: JavaScript heap out of memory').names).toEqual(['JavaScript']);
    expect(plan('EADDRINUSE on port 3000').names).toEqual(['EADDRINUSE']);
  });

  it('spots the names a setting question writes', () => {
    expect(plan('node:test timeout option default for test()').names).toEqual(['node:test', 'test()']);
  });
});
