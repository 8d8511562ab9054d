import { describe, expect, it } from 'vitest';
import { nameWords, queryWordKeys, WORD_KEY_PREFIX, wordCoverage, wordKeys } from './names.js';
import { stem, STOPWORDS } from './text.js';

/** The words of a key, without its prefix. */
const wordsOf = (key: string): string[] => key.slice(WORD_KEY_PREFIX.length).split(' ');

describe('nameWords', () => {
  it.each([
    ['an option after its owner', 'tls.createServer: options.handshakeTimeout', ['handshake', 'timeout']],
    ['a long flag', '--max-old-space-size', ['max', 'old', 'space', 'size']],
    ['an env var with a value', 'UV_THREADPOOL_SIZE=size', ['uv', 'threadpool', 'size']],
    ['a property', 'server.keepAliveTimeout', ['keep', 'alive', 'timeout']],
    ['a call signature', 'fs.readFile(path[, options], callback)', ['read', 'file']],
    ['an acronym before a word', 'HTTPServer', ['http', 'server']],
  ])('%s: %s', (_kind, name, plain) => {
    // the same stemming the lexical index applies to plain words
    expect(nameWords(name)).toEqual(plain.map(stem));
  });

  it('reads only the last segment: owner, receiver and parameters add no words', () => {
    expect(nameWords('tls.createServer: options.handshakeTimeout')).toEqual(nameWords('handshakeTimeout'));
    expect(nameWords('fs.readFile(path[, options], callback)')).toEqual(nameWords('readFile'));
    expect(nameWords('UV_THREADPOOL_SIZE=size')).toEqual(nameWords('UV_THREADPOOL_SIZE'));
  });

  it('drops one-letter and numeric parts and repeats', () => {
    expect(nameWords('options.x')).toEqual([]);
    expect(nameWords('TLS_1_3')).toEqual(['tls']);
    expect(nameWords('SIZE_size')).toEqual(['size']);
    expect(nameWords('')).toEqual([]);
  });
});

describe('flags and stopwords', () => {
  it('reads a flag with a version number in it as one segment', () => {
    expect(nameWords('--tls-min-v1.3')).toEqual(['tls', 'min', 'v1']);
  });

  it('drops stopwords from names as from queries, so both sides make the same keys', () => {
    expect(nameWords('--no-warnings')).toEqual(nameWords('warnings'));
    expect(wordKeys('socket.setNoDelay')).toEqual(wordKeys('setDelay'));
    expect(queryWordKeys('set no delay')).toEqual(expect.arrayContaining(wordKeys('socket.setNoDelay')));
  });
});

describe('wordKeys', () => {
  it('gives a name of one word (or none) no key', () => {
    expect(wordKeys('timeout')).toEqual([]);
    expect(wordKeys('options.timeout')).toEqual([]);
    expect(wordKeys('fs.readFile(path)')).not.toEqual([]); // two words: the control
    expect(wordKeys('options.x')).toEqual([]);
  });

  it('gives a two-word name exactly one key: its words, sorted, behind the prefix', () => {
    const words = nameWords('tls.createServer: options.handshakeTimeout');
    expect(wordKeys('tls.createServer: options.handshakeTimeout')).toEqual([WORD_KEY_PREFIX + [...words].sort().join(' ')]);
    // a key is a set: the order the name spells its words in does not matter
    expect(wordKeys('options.timeoutHandshake')).toEqual(wordKeys('options.handshakeTimeout'));
  });

  it('gives a three-word name its full key and its contiguous pairs, not the gapped pair', () => {
    const keys = wordKeys('server.keepAliveTimeout');
    const [keep, alive, timeout] = nameWords('server.keepAliveTimeout');
    const key = (...ws: (string | undefined)[]): string => WORD_KEY_PREFIX + ws.join(' ');
    expect(keys).toEqual([key(alive, keep), key(alive, keep, timeout), key(alive, timeout)].sort());
    expect(keys).not.toContain(key(keep, timeout));
  });

  it('gives a four-word name its full key and every contiguous run of two and three', () => {
    const keys = wordKeys('--max-old-space-size');
    expect(keys).toHaveLength(1 + 3 + 2);
    // "old space size" finds the flag
    expect(keys).toContain(queryWordKeys('old space size').find((k) => wordsOf(k).length === 3));
    expect(keys).toContain(queryWordKeys('max old space size').find((k) => wordsOf(k).length === 4));
    // max … size skips two words: not a run
    expect(keys).not.toContain(queryWordKeys('max size')[0]);
  });

  it('gives a name of more than four words only its runs of two to four', () => {
    const name = '--experimental-worker-thread-pool-size';
    expect(nameWords(name)).toHaveLength(5);
    const keys = wordKeys(name);
    expect(keys).toHaveLength(4 + 3 + 2);
    expect(keys.every((k) => wordsOf(k).length >= 2 && wordsOf(k).length <= 4)).toBe(true);
    expect(keys).toContain(queryWordKeys('worker thread pool size').find((k) => wordsOf(k).length === 4));
  });

  it.each(['server.keepAliveTimeout', '--max-old-space-size', 'UV_THREADPOOL_SIZE=size', '--experimental-worker-thread-pool-size'])(
    '%s: keys are prefixed, sorted, unique and the same every time',
    (name) => {
      const keys = wordKeys(name);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith(WORD_KEY_PREFIX))).toBe(true);
      expect(keys).toEqual([...keys].sort());
      expect(new Set(keys).size).toBe(keys.length);
      for (const k of keys) expect(wordsOf(k)).toEqual([...wordsOf(k)].sort());
      expect(wordKeys(name)).toEqual(keys);
    },
  );
});

describe('queryWordKeys', () => {
  it('meets the keys of a name whose words the query spells out, hyphen, case and order aside', () => {
    const name = wordKeys('server.keepAliveTimeout');
    expect(queryWordKeys('keep-alive timeout')).toEqual(expect.arrayContaining(name));
    expect(queryWordKeys('the http server keep-alive timeout default')).toEqual(expect.arrayContaining(name));
    expect(queryWordKeys('Timeout, Keep Alive')).toEqual(queryWordKeys('keep-alive timeout'));
  });

  it('stems the query the way names are stemmed', () => {
    const [key] = wordKeys('tls.createServer: options.handshakeTimeout');
    expect(queryWordKeys('timeouts of the TLS handshake')).toContain(key);
    expect(queryWordKeys('keeping alive timeouts')).toEqual(expect.arrayContaining(wordKeys('server.keepAliveTimeout')));
  });

  it('drops stopwords, so they neither form keys nor stand between words', () => {
    const keys = queryWordKeys('what is the keep-alive timeout of the server');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.flatMap(wordsOf).filter((w) => STOPWORDS.has(w))).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining(wordKeys('server.keepAliveTimeout')));
  });

  it('makes no key of one word', () => {
    expect(queryWordKeys('timeout')).toEqual([]);
    expect(queryWordKeys('what is the timeout?')).toEqual([]);
    expect(queryWordKeys('')).toEqual([]);
  });

  it('makes every set of two to four words, each once', () => {
    const keys = queryWordKeys('alpha beta gamma delta epsilon');
    // C(5,2) + C(5,3) + C(5,4)
    expect(keys).toHaveLength(10 + 10 + 5);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((k) => k.startsWith(WORD_KEY_PREFIX) && wordsOf(k).length >= 2 && wordsOf(k).length <= 4)).toBe(true);
  });

  it('uses at most the first twelve content words of a long question', () => {
    const content = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'theta', 'iota', 'kappa', 'lambda', 'omega', 'sigma', 'tau', 'upsilon', 'chi'];
    // stopwords between them do not use up the budget
    const keys = queryWordKeys(content.join(' the '));
    const used = new Set(keys.flatMap(wordsOf));
    expect([...used].sort()).toEqual(content.slice(0, 12).map(stem).sort());
    // C(12,2) + C(12,3) + C(12,4)
    expect(keys).toHaveLength(66 + 220 + 495);
  });
});

describe('wordCoverage', () => {
  it('is the share of the name’s words the query has', () => {
    expect(wordCoverage('server.keepAliveTimeout', 'keep alive')).toBeCloseTo(2 / 3);
    expect(wordCoverage('server.keepAliveTimeout', 'http server keep-alive timeout default')).toBe(1);
    expect(wordCoverage('server.keepAliveTimeout', 'headers timeout')).toBeCloseTo(1 / 3);
    expect(wordCoverage('server.keepAliveTimeout', 'socket hang up')).toBe(0);
  });

  it('compares stemmed words', () => {
    expect(wordCoverage('server.keepAliveTimeout', 'keeping connections alive, timeouts')).toBe(1);
  });

  it('counts only the words of the last segment', () => {
    expect(wordCoverage('tls.createServer: options.handshakeTimeout', 'tls create server options')).toBe(0);
  });

  it('is 0, not NaN, for a name without words', () => {
    expect(wordCoverage('options.x', 'x marks the spot')).toBe(0);
    expect(wordCoverage('', 'anything')).toBe(0);
  });
});
