import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/errors.js';
import { loadConfig, parseBool, searchThreads, serverLimits } from './config.js';
import { configKeys, configTable } from './reference.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'dg-config-'));

describe('loadConfig', () => {
  it('works with zero configuration', () => {
    const cwd = tmp();
    const c = loadConfig({ cwd, env: {} });
    expect(c.index).toBe(join(cwd, '.docgraph/index.db'));
    expect(c.embedder.provider).toBe('builtin');
    expect(c.ingest.maxSectionTokens).toBe(400);
  });

  it('applies file, then env, then flags', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'index: from-file.db\ningest:\n  maxSectionTokens: 300\n');
    expect(loadConfig({ cwd, env: {} }).index).toBe(join(cwd, 'from-file.db'));
    expect(loadConfig({ cwd, env: {} }).ingest.maxSectionTokens).toBe(300);
    expect(loadConfig({ cwd, env: { DOCGRAPH_INDEX: 'from-env.db' } }).index).toBe(join(cwd, 'from-env.db'));
    expect(loadConfig({ cwd, env: { DOCGRAPH_INDEX: 'from-env.db' }, overrides: { index: 'flag.db' } }).index).toBe(join(cwd, 'flag.db'));
  });

  it('store names the index: a path overrides index (resolved), a URL is kept as it is; redis must be a redis:// URL', () => {
    const cwd = tmp();
    expect(loadConfig({ cwd, env: {} }).store).toBe(join(cwd, '.docgraph/index.db'));
    const byPath = loadConfig({ cwd, env: { DOCGRAPH_INDEX: 'ignored.db', DOCGRAPH_STORE: 'data/store.db' } });
    expect(byPath).toMatchObject({ index: join(cwd, 'data/store.db'), store: join(cwd, 'data/store.db') });
    expect(loadConfig({ cwd, env: { DOCGRAPH_STORE: 'env.db' }, overrides: { store: 'flag.db' } }).index).toBe(join(cwd, 'flag.db'));
    const byUrl = loadConfig({ cwd, env: { DOCGRAPH_STORE: 'postgres://127.0.0.1/docs', DOCGRAPH_REDIS: 'redis://127.0.0.1:6379' } });
    expect(byUrl).toMatchObject({ store: 'postgres://127.0.0.1/docs', redis: 'redis://127.0.0.1:6379', index: join(cwd, '.docgraph/index.db') });
    expect(() => loadConfig({ cwd, env: { DOCGRAPH_REDIS: '127.0.0.1:6379' } })).toThrow(/invalid configuration at redis: a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('names the bad key and refuses unknown keys', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ ingest: { maxSectionTokens: 5 } }));
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/ingest\.maxSectionTokens/);
    writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ idnex: 'typo.db' }));
    expect(() => loadConfig({ cwd, env: {} })).toThrow(ConfigError);
  });

  it('reads search synonyms, builtin ones on by default, and refuses a group without a variant or a variant of several words', () => {
    const cwd = tmp();
    expect(loadConfig({ cwd, env: {} }).search).toEqual({ synonyms: [], builtinSynonyms: true });
    writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ search: { synonyms: [['kubernetes', 'k8s'], ['virtual environment', 'venv']], builtinSynonyms: false } }));
    expect(loadConfig({ cwd, env: {} }).search).toEqual({ synonyms: [['kubernetes', 'k8s'], ['virtual environment', 'venv']], builtinSynonyms: false });
    writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ search: { synonyms: [['kubernetes']] } }));
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/search\.synonyms\.0.*at least one variant/);
    writeFileSync(join(cwd, 'docgraph.config.json'), JSON.stringify({ search: { synonyms: [['kubernetes', 'kube ctl']] } }));
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/search\.synonyms\.0.*single words of letters and digits/);
  });

  it('refuses a website source\'s crawl limit out of range, saying what is allowed', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'sources:\n  - location: https://docs.example.com/\n    maxPages: 0\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/invalid configuration at sources\.0\.maxPages: 0 is out of range \(a whole number from 1 to 1000000\)/);
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'sources:\n  - location: https://docs.example.com/\n    rate: fast\n    allowPrivate: true\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/invalid configuration at sources\.0\.rate: "fast" is not a number from 0\.01 to 1000/);
  });

  it('reports an unreadable config file clearly', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'index: [unclosed');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ cwd, env: {}, file: 'missing.yaml' })).toThrow(/config file not found/);
  });

  it('reads server settings from env and flags, and refuses a bad port', () => {
    const c = loadConfig({ cwd: tmp(), env: { DOCGRAPH_PORT: '9000', DOCGRAPH_TOKEN_BUDGET: '1200', DOCGRAPH_API_KEY: 'k'.repeat(20) } });
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 9000, tokenBudget: 1200, apiKey: 'k'.repeat(20) });
    expect(loadConfig({ cwd: tmp(), env: { DOCGRAPH_PORT: '9000' }, overrides: { server: { port: 0, host: '0.0.0.0' } } }).server).toMatchObject({ port: 0, host: '0.0.0.0' });
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_PORT: 'http' } })).toThrow(/DOCGRAPH_PORT/);
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_PORT: '70000' } })).toThrow(/server\.port/);
  });

  it('reads the load-shedding limits from file and env, derives their defaults from the cores, and refuses bad ones', () => {
    const defaults = loadConfig({ cwd: tmp(), env: {} });
    // builtin embedder: one slot per search thread (by default one per core, at most 4)
    expect(serverLimits(defaults, 2)).toEqual({ maxConcurrent: 2, maxQueue: 100, queueDeadlineMs: 1000 });
    expect(serverLimits(defaults, 1)).toEqual({ maxConcurrent: 1, maxQueue: 50, queueDeadlineMs: 1000 });
    expect(serverLimits(defaults, 16)).toMatchObject({ maxConcurrent: 4 });
    expect(serverLimits(loadConfig({ cwd: tmp(), env: { DOCGRAPH_SEARCH_THREADS: '0' } }), 2)).toMatchObject({ maxConcurrent: 1 });
    expect(serverLimits(loadConfig({ cwd: tmp(), env: { DOCGRAPH_SEARCH_THREADS: '3' } }), 2)).toMatchObject({ maxConcurrent: 3 });
    const remote = loadConfig({ cwd: tmp(), env: { DOCGRAPH_EMBEDDER: 'openai' } });
    expect(serverLimits(remote, 2)).toEqual({ maxConcurrent: 8, maxQueue: 100, queueDeadlineMs: 1000 });
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'server:\n  maxConcurrent: 3\n  maxQueue: 0\n');
    const c = loadConfig({ cwd, env: { DOCGRAPH_QUEUE_DEADLINE_MS: '250' } });
    expect(serverLimits(c, 8)).toEqual({ maxConcurrent: 3, maxQueue: 0, queueDeadlineMs: 250 });
    expect(serverLimits(loadConfig({ cwd: tmp(), env: { DOCGRAPH_MAX_CONCURRENT: '7', DOCGRAPH_MAX_QUEUE: '9' } }), 2)).toMatchObject({ maxConcurrent: 7, maxQueue: 9 });
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_MAX_CONCURRENT: '0' } })).toThrow(/server\.maxConcurrent/);
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_MAX_QUEUE: 'lots' } })).toThrow(/DOCGRAPH_MAX_QUEUE/);
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_QUEUE_DEADLINE_MS: '0' } })).toThrow(/server\.queueDeadlineMs/);
  });

  it('search threads: the cores up to 4 by default, from the file or DOCGRAPH_SEARCH_THREADS, 0–64 (0: the event loop)', () => {
    expect(searchThreads(loadConfig({ cwd: tmp(), env: {} }), 2)).toBe(2);
    expect(searchThreads(loadConfig({ cwd: tmp(), env: {} }), 12)).toBe(4);
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'server:\n  searchThreads: 0\n');
    expect(searchThreads(loadConfig({ cwd, env: {} }), 2)).toBe(0);
    expect(searchThreads(loadConfig({ cwd, env: { DOCGRAPH_SEARCH_THREADS: '3' } }), 2)).toBe(3);
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_SEARCH_THREADS: 'all' } })).toThrow(/DOCGRAPH_SEARCH_THREADS/);
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_SEARCH_THREADS: '65' } })).toThrow(/server\.searchThreads/);
  });

  it('parse threads: 0 (as many as the cores) by default, from the file or DOCGRAPH_PARSE_THREADS, 0–64', () => {
    expect(loadConfig({ cwd: tmp(), env: {} }).ingest.parseThreads).toBe(0);
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'ingest:\n  parseThreads: 3\n  maxSectionTokens: 300\n');
    expect(loadConfig({ cwd, env: {} }).ingest).toMatchObject({ parseThreads: 3, maxSectionTokens: 300 });
    expect(loadConfig({ cwd, env: { DOCGRAPH_PARSE_THREADS: '1' } }).ingest).toMatchObject({ parseThreads: 1, maxSectionTokens: 300 });
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_PARSE_THREADS: 'many' } })).toThrow(/DOCGRAPH_PARSE_THREADS/);
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_PARSE_THREADS: '65' } })).toThrow(/ingest\.parseThreads/);
  });

  it('reads queue, worker and watch settings from file, env and flags, and checks the marks and the heartbeat', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'queue:\n  leaseMs: 5000\n  maxAttempts: 3\nworker:\n  concurrency: 2\nwatch: [docs]\n');
    const c = loadConfig({ cwd, env: { DOCGRAPH_QUEUE_MAX_SIZE: '500', DOCGRAPH_WORKER_GRACE_MS: '100' }, overrides: { concurrency: 4 } });
    expect(c.queue).toMatchObject({ leaseMs: 5000, maxAttempts: 3, maxSize: 500, highWater: 0.8, lowWater: 0.6 });
    expect(c.worker).toMatchObject({ concurrency: 4, graceMs: 100, pollMs: 250 });
    expect(c.watch).toEqual([join(cwd, 'docs')]);
    expect(loadConfig({ cwd: tmp(), env: { DOCGRAPH_WATCH: ['a', 'b'].join(delimiter) } }).watch).toHaveLength(2);
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_QUEUE_LEASE_MS: 'soon' } })).toThrow(/DOCGRAPH_QUEUE_LEASE_MS/);
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'queue:\n  highWater: 0.5\n  lowWater: 0.5\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/queue\.lowWater/);
    writeFileSync(join(cwd, 'docgraph.config.yaml'), 'queue:\n  leaseMs: 2000\n  heartbeatMs: 2000\n');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/queue\.heartbeatMs/);
  });

  it('rejects an unknown provider from the environment', () => {
    expect(() => loadConfig({ cwd: tmp(), env: { DOCGRAPH_EMBEDDER: 'magic' } })).toThrow(/embedder\.provider/);
  });
});

describe('parseBool', () => {
  it('is strict', () => {
    expect(parseBool('X', 'off')).toBe(false);
    expect(parseBool('X', '0')).toBe(false);
    expect(parseBool('X', 'TRUE')).toBe(true);
    expect(() => parseBool('X', 'maybe')).toThrow(/not a boolean/);
  });
});

describe('docs/configuration.md', () => {
  it('documents every key exactly as the schema defines it (run `npm run docs:config` to update)', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(doc).toContain(configTable());
    expect(configKeys().length).toBeGreaterThan(5);
  });
});
