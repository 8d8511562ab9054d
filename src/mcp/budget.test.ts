import { describe, expect, it } from 'vitest';
import { clip, largestFitting, responseTokens } from './budget.js';

describe('token budget', () => {
  it('finds the largest count that fits', () => {
    expect(largestFitting(100, (n) => n * 7 <= 50)).toBe(7);
    expect(largestFitting(5, () => true)).toBe(5);
    expect(largestFitting(5, (n) => n === 0)).toBe(0);
    expect(largestFitting(0, () => true)).toBe(0);
  });

  it('counts both the structured content and the text', () => {
    expect(responseTokens({ a: 'x'.repeat(39) }, 'y'.repeat(40))).toBe(12 + 10);
  });

  it('clips with an ellipsis', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });
});
