import { describe, expect, it } from 'vitest';
import { conceptAliases, conceptName, flagName, isNoise, messageName, settingAliases, settingName, tidyAliases } from './canonical.js';

describe('isNoise: what is never an entity', () => {
  it.each([
    ['prose words and values', ['true', 'false', 'null', 'undefined', 'foo', 'string', 'callback', 'options']],
    ['version numbers', ['v18.0.0', '18.x', '1.2.3', '^1.2.3', '>=16.0', 'v20', '2.0.0-beta.1']],
    ['file paths', ['/etc/hosts', './src/index.js', '../lib/a.js', '~/.npmrc', 'C:\\Windows\\system32', 'lib/fs.js', 'index.mjs', 'package.json']],
    ['URLs and hosts', ['https://nodejs.org/api', 'http://localhost:8080/x', 'www.example.com', 'example.com', 'localhost:3000']],
    ['plain numbers', ['1000', '0x1F', '-1', '3.14', '512MB', '1e6', '100%', '1_000']],
    ['punctuation and one character', ['-', '--', '...', 'x', '{}']],
  ])('%s', (_what, samples) => {
    for (const s of samples) expect(isNoise(s), s).toBe(true);
  });

  it('keeps identifiers', () => {
    for (const s of ['worker_connections', 'NODE_OPTIONS', '--max-old-space-size', 'fs.readFile()', 'ERR_REQUIRE_ESM', 'process.env', 'console.log', 'process.pid', 'process.versions.node']) {
      expect(isNoise(s), s).toBe(false);
    }
  });
});

describe('settingName: snake, kebab and spaced forms meet', () => {
  it('folds worker_connections, worker-connections and "worker connections" to one name', () => {
    expect(new Set(['worker_connections', 'worker-connections', 'worker connections', ' worker  connections '].map(settingName))).toEqual(
      new Set(['worker_connections']),
    );
  });

  it('keeps case-sensitive names as written', () => {
    expect(settingName('maxBuffer')).toBe('maxBuffer');
    expect(settingName('NODE_OPTIONS')).toBe('NODE_OPTIONS');
  });

  it('lists the other spellings as aliases', () => {
    expect(settingAliases('worker_connections')).toEqual(['worker-connections', 'worker connections']);
    expect(settingAliases('maxBuffer')).toEqual([]);
  });
});

describe('flagName', () => {
  it('drops values and folds underscores in long flags', () => {
    expect(flagName('--max-old-space-size=4096')).toBe('--max-old-space-size');
    expect(flagName('--pending_deprecation')).toBe('--pending-deprecation');
    expect(flagName('--inspect[=[host:]port]')).toBe('--inspect');
    expect(flagName('--eval "script"')).toBe('--eval');
    expect(flagName('-C condition')).toBe('-C');
  });

  it('rejects what is not one flag', () => {
    expect(flagName('-xzf')).toBeUndefined();
    expect(flagName('--')).toBeUndefined();
    expect(flagName('-1')).toBeUndefined();
  });
});

describe('conceptName', () => {
  it('lower-cases and singularises plain terms so headings and prose meet', () => {
    expect(conceptName('Readable Streams')).toBe('readable stream');
    expect(conceptName('_Addons_')).toBe('addon');
    expect(conceptName('event loop')).toBe('event loop');
    expect(conceptAliases('readable stream')).toEqual(['readable streams']);
  });

  it('keeps acronyms and product names as written', () => {
    expect(conceptName('Node-API')).toBe('Node-API');
    expect(conceptName('HTTPS')).toBe('HTTPS');
  });
});

describe('messageName and tidyAliases', () => {
  it('collapses space, strips paired quotes and trailing dots', () => {
    expect(messageName('  "Cannot find   module \'x\'." ')).toBe("Cannot find module 'x'");
  });

  it('sorts, dedupes and drops the name itself', () => {
    expect(tidyAliases('a_b', ['b', 'a_b', 'b', ' a  c '])).toEqual(['a c', 'b']);
  });
});
