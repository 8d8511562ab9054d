import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pickWebFlags, webFlagFields, webFlagJsonFields, webOptions } from './source.js';

describe('pickWebFlags', () => {
  it('keeps the crawl flags given, by their names or their JSON names, and nothing else', () => {
    expect(pickWebFlags({ maxPages: 5, rate: 2, name: 'x' } as never)).toEqual({ maxPages: 5, rate: 2 });
    expect(pickWebFlags({ max_pages: 5, max_depth: 0, concurrency: 2, rate: 0.5, allow_private: true }, 'json')).toEqual({ maxPages: 5, maxDepth: 0, concurrency: 2, rate: 0.5, allowPrivate: true });
    // allowPrivate: false was given (a folder source with it is refused as with any crawl flag)
    expect(pickWebFlags({ allowPrivate: false })).toEqual({ allowPrivate: false });
  });
  it('is undefined when none is given', () => {
    expect(pickWebFlags({})).toBeUndefined();
    expect(pickWebFlags({ maxPages: undefined, allow_private: undefined } as never)).toBeUndefined();
    expect(pickWebFlags({ maxPages: 5 } as never, 'json')).toBeUndefined();
  });
});

describe('webFlagFields', () => {
  const fields = z.strictObject(webFlagFields);
  const message = (v: unknown): string | undefined => fields.safeParse(v).error?.issues[0]?.message;
  it('takes the values webOptions takes', () => {
    const ok = { maxPages: 1_000_000, maxDepth: 0, concurrency: 64, rate: 0.01, allowPrivate: false };
    expect(fields.parse(ok)).toEqual(ok);
    expect(webOptions('https://docs.example.com/guide/', ok)).toMatchObject({ maxPages: 1_000_000, maxDepth: 0, concurrency: 64, rate: 0.01 });
  });
  it('says what a bad value was and what is allowed', () => {
    expect(message({ maxPages: 0 })).toBe('0 is out of range (a whole number from 1 to 1000000)');
    expect(message({ maxDepth: 1.5 })).toBe('1.5 is not a whole number (a whole number from 0 to 1000)');
    expect(message({ concurrency: 65 })).toBe('65 is out of range (a whole number from 1 to 64)');
    expect(message({ rate: 'fast' })).toBe('"fast" is not a number from 0.01 to 1000');
    expect(message({ rate: 0 })).toBe('0 is out of range (a number from 0.01 to 1000)');
  });
  it('are the same fields under their JSON names', () => {
    expect(Object.keys(webFlagJsonFields)).toEqual(['max_pages', 'max_depth', 'concurrency', 'rate', 'allow_private']);
    expect(z.strictObject(webFlagJsonFields).safeParse({ max_pages: 0 }).error?.issues[0]).toMatchObject({ path: ['max_pages'], message: '0 is out of range (a whole number from 1 to 1000000)' });
  });
});
