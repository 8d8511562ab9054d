// How graph-aware search reaches sections: names resolved across documents,
// settings found by the words of their names, mention → definition expansion
// and the intent's type prior. A real SQLite index built by the App from
// fixture files; the retrievers are called on its store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { NotFoundError } from '../src/domain/errors.js';
import { loadConfig } from '../src/config/config.js';
import { DEFAULT_FUSION } from '../src/search/fusion.js';
import type { SectionRecord } from '../src/domain/types.js';
import { INCIDENTAL, definitionPrior, entityRetriever, expand } from '../src/search/graph.js';
import { plan } from '../src/search/planner.js';
import { LEXICAL_STANDOUT, namesNotIndexed } from '../src/search/search.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'graph-search');
const root = mkdtempSync(join(tmpdir(), 'dg-graph-search-'));
let app: App;
const byHeading = new Map<string, SectionRecord>();

beforeAll(async () => {
  app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, 'index.db') } }), { create: true });
  await app.ingest(FIXTURE);
  for (const d of await app.store.listDocuments()) {
    for (const s of await app.store.getDocumentSections(d.id)) byHeading.set(s.heading, s);
  }
});
afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

function section(heading: string): string {
  const s = byHeading.get(heading);
  if (!s) throw new Error(`no section ${heading}`);
  return s.id;
}

describe('names resolved across documents', () => {
  it('a guide that writes `__basedir` untyped mentions the entity the reference defines', async () => {
    const guide = section('Module paths in ES modules');
    expect((await app.store.namesIn([guide])).map((n) => n.name)).toEqual(expect.arrayContaining(['__basedir', '__basefile']));
    // named once: the definition leads, the guide's mention is not evidence on its own
    const one = await entityRetriever(app.store, plan('what is __basedir'), 10);
    expect(one.list[0]!.sectionId).toBe(section('`__basedir`'));
    expect(one.list.map((s) => s.sectionId)).not.toContain(guide);
    // lookup_entity lists the guide among the places it is mentioned
    const view = await app.lookupEntity('__basedir');
    expect(view.definedIn.map((c) => c.uri)).toEqual(['reference/api.md']);
    expect(view.mentionedIn).toContainEqual(expect.objectContaining({ uri: 'guides/modules.md', count: 1 }));
    // named together: the section that mentions both is about how they meet
    const both = await entityRetriever(app.store, plan('__basedir and __basefile in an ES module'), 10);
    expect(both.list.map((s) => s.sectionId)).toContain(guide);
    expect(both.via.get(guide)).toEqual(
      expect.arrayContaining([
        { kind: 'entity', entity: '__basedir', type: 'APISymbol', edge: 'MENTIONS' },
        { kind: 'entity', entity: '__basefile', type: 'APISymbol', edge: 'MENTIONS' },
      ]),
    );
  });
});

describe('settings found by the words of their names', () => {
  it('"handshake timeout" finds the section that defines options.handshakeTimeout', async () => {
    const r = await entityRetriever(app.store, plan('how long is the handshake timeout by default?'), 10);
    expect(r.list[0]?.sectionId).toBe(section('`relay.createServer([options])`'));
    expect(r.via.get(r.list[0]!.sectionId)).toContainEqual({ kind: 'entity', entity: 'relay.createServer: options.handshakeTimeout', type: 'ConfigParameter', edge: 'DEFINES' });
    const hit = (await app.search('handshake timeout default', { limit: 3 })).hits[0]!;
    expect(hit).toMatchObject({ uri: 'reference/api.md', heading: '`relay.createServer([options])`' });
    expect(hit.via).toContainEqual(expect.objectContaining({ kind: 'entity', entity: 'relay.createServer: options.handshakeTimeout' }));
  });

  it('one word, or words spread over a name the query spells out, are not evidence of a setting', async () => {
    expect((await entityRetriever(app.store, plan('timeout'), 10)).list).toEqual([]);
    // the words of `handshakeTimeout` written as one name are looked up as that name (none), not as loose words
    expect((await entityRetriever(app.store, plan('set options.handshakeTimeoutMs'), 10)).list).toEqual([]);
  });
});

describe('expansion and the type prior', () => {
  it('follows what a hit mentions to the section that defines it, and says so', async () => {
    const from = section('The relay runs out of memory');
    const r = await expand(app.store, [{ sectionId: from, score: 1, parts: {} }], plan('the relay runs out of memory'), 10);
    const flag = section('`--max-heap-mb=SIZE`');
    expect(r.list.map((s) => s.sectionId)).toContain(flag);
    expect(r.via.get(flag)).toContainEqual({ kind: 'expansion', from, edge: 'DEFINED_BY', hops: 2 });
    // an intent that does not ask for settings does not follow them
    const errors = await expand(app.store, [{ sectionId: from, score: 1, parts: {} }], plan('ERR_RELAY_DOWN'), 10);
    expect(errors.list.map((s) => s.sectionId)).not.toContain(flag);
  });

  it('a config question prefers the candidates that define a setting, each at its rank in the first fusion', async () => {
    const defines = section('`--trace-sync`');
    const options = section('`relay.createServer([options])`'); // defines two options: counts 1/√2
    const prose = section('Connections are refused');
    const candidates = [
      { sectionId: prose, score: 1, parts: {} },
      { sectionId: options, score: 0.8, parts: {} },
      { sectionId: defines, score: 0.5, parts: {} },
    ];
    const r = await definitionPrior(app.store, candidates, plan('which flag prints a trace on synchronous io'));
    expect(r.list).toEqual([
      { sectionId: options, score: expect.closeTo(1 / Math.SQRT2, 6), rank: 2 },
      { sectionId: defines, score: 1, rank: 3 },
    ]);
    expect(r.via.get(defines)).toEqual([{ kind: 'entity', entity: '--trace-sync', type: 'ConfigParameter', edge: 'DEFINES' }]);
    // a concept question has no type prior
    expect((await definitionPrior(app.store, candidates, plan('what is synchronous io'))).list).toEqual([]);
  });

  it('the prior nudges close candidates but does not lift a weak one over the clear first hit', async () => {
    // both retrievers put the deploy section first and its steps second; the upgrade section, another procedure, fourth
    // without the page list, whose credit goes to the best section of each page and would mix a second page in here
    const noPages = { ...DEFAULT_FUSION, weights: { ...DEFAULT_FUSION.weights, page: 0 } };
    const r = await app.search('deploy the relay behind a load balancer', { limit: 5, fusion: noPages });
    expect(r.intent).toBe('howto');
    const headings = r.hits.map((h) => h.heading);
    // the steps (a procedure) may pass their own parent, one rank above; the upgrade steps stay below both
    expect(headings.slice(0, 2).sort()).toEqual(['Deploy the relay behind a load balancer', 'Steps']);
    const upgrade = r.hits.find((h) => h.heading === 'Upgrade the relay')!;
    expect(upgrade.parts.prior).toEqual({ score: 1, rank: upgrade.parts.lexical!.rank });
    expect(upgrade.via).toContainEqual(expect.objectContaining({ kind: 'entity', type: 'Procedure', edge: 'DEFINES' }));
  });
});

describe('error questions', () => {
  it('ask about the message: the exception class they name is context, weighed like a name given in passing', async () => {
    const definition = section('`class RelayError`');
    const explanation = section('The peer rejects the handshake');
    const q = 'RelayError: handshake rejected by peer';
    expect(plan(q).intent).toBe('error');
    // the class is a defined entity (its heading declares it), found by its name, but its definition
    // is evidence of the incidental weight only: it does not answer what the message means
    const found = await entityRetriever(app.store, plan(q), 10);
    expect(found.via.get(definition)).toContainEqual({ kind: 'entity', entity: 'RelayError', type: 'APISymbol', edge: 'DEFINES' });
    expect(found.list.find((s) => s.sectionId === definition)?.score).toBeCloseTo(INCIDENTAL, 6);
    // the section that explains the message and the class both reach the top of the results
    const hits = (await app.search(q, { limit: 5 })).hits.map((h) => h.sectionId);
    expect(hits.slice(0, 2)).toEqual(expect.arrayContaining([explanation, definition]));
  });
});

describe('get_procedure', () => {
  it('finds steps under a generic "Steps" heading as the procedure its parent heading names', async () => {
    const v = await app.getProcedure('deploy the relay behind a load balancer');
    expect(v?.procedure.title).toBe('Deploy the relay behind a load balancer');
    expect(v?.section.headingPath.at(-1)).toBe('Steps');
    expect(v?.steps.map((st) => st.order)).toEqual([1, 2, 3]);
    expect(v?.steps[0]!.text).toMatch(/Open port 8443/);
  });

  it('picks the procedure whose heading and steps cover the task best', async () => {
    const v = await app.getProcedure('put the host back in the pool after replacing the binary');
    expect(v?.procedure.title).toBe('Upgrade the relay');
    expect(await app.getProcedure('bake a sourdough loaf')).toBeUndefined();
  });
});

describe('lookup_entity: any case, and suggestions when not found', () => {
  it('finds a name written in another case', async () => {
    expect((await app.lookupEntity('--TRACE-SYNC')).entity.name).toBe('--trace-sync');
  });

  it('suggests the closest names and the search command, not only the MCP tool', async () => {
    const e = await app.lookupEntity('--trace-synk').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NotFoundError);
    const hint = (e as NotFoundError).hint ?? '';
    expect(hint).toMatch(/did you mean --trace-sync/);
    expect(hint).toContain('docgraph search');
  });
});

describe('a lexical hit that stands out goes first', () => {
  it('a quoted sentence of a guide cites the guide, above the flag definition it names', async () => {
    const q = 'When a busy relay runs out of memory and stops, give it a larger heap with `--max-heap-mb` and watch the memory graphs.';
    const lexical = (await app.search(q, { mode: 'lexical', limit: 2 })).hits;
    expect(lexical[0]!.heading).toBe('The relay runs out of memory');
    expect(lexical[0]!.parts.lexical!.score).toBeGreaterThanOrEqual(LEXICAL_STANDOUT * lexical[1]!.parts.lexical!.score);
    // the entity list puts the flag's definition first; the words single out the guide
    const hits = (await app.search(q, { limit: 3 })).hits;
    expect(hits.map((h) => h.heading)).toEqual(['The relay runs out of memory', '`--max-heap-mb=SIZE`', expect.any(String)]);
  });
});

describe('siblings that fill the top stand for their parent', () => {
  it('a question about the whole command line cites the interface section, not one of its options', async () => {
    const q = 'time a snippet from the command line';
    // the options match through the heading path they share, and each is short: without the rule they lead
    const siblings = ['`-r N`, `--repeat=N`', '`-n N`, `--number=N`', '`-s S`, `--setup=S`'];
    const hits = (await app.search(q, { limit: 5 })).hits.map((h) => h.heading);
    expect(hits[0]).toBe('Command-line interface');
    expect(hits).toEqual(expect.arrayContaining(siblings));
    expect((await app.store.sectionKeys([section(siblings[0]!)]))[0]!.parentId).toBe(section('Command-line interface'));
  });

  it('an option the question names keeps the first place', async () => {
    const hits = (await app.search('how many times to repeat the timing', { limit: 5 })).hits.map((h) => h.heading);
    expect(hits[0]).toBe('`-r N`, `--repeat=N`');
    expect(hits.indexOf('Command-line interface')).not.toBe(0);
  });
});

describe('names the index does not hold', () => {
  it('lists identifiers the query writes that no section holds, and only those, and calls the result weak', async () => {
    // in the fixture: `__basedir` and `--max-heap-mb`; not: relay.shutdownGracefully, ERR_RELAY_GONE
    expect(await namesNotIndexed(app.store, 'does __basedir work with --max-heap-mb')).toEqual([]);
    expect(await namesNotIndexed(app.store, 'relay.shutdownGracefully throws ERR_RELAY_GONE after __basedir')).toEqual(['relay.shutdownGracefully', 'ERR_RELAY_GONE']);
    // words, hyphenated words and numbers are not names
    expect(await namesNotIndexed(app.store, 'a per-project relay 3.11 upgrade')).toEqual([]);
    // nor are places: paths, URLs, file:line
    expect(await namesNotIndexed(app.store, 'failed at /srv/relay/main.js:12:5 see https://example.com/relay_docs and main.js:12')).toEqual([]);
    const r = await app.search('what does ERR_RELAY_GONE mean for the relay', { limit: 5 });
    expect(r.hits.length).toBeGreaterThan(0);
    expect(r).toMatchObject({ weak: true, unknownNames: ['ERR_RELAY_GONE'] });
    expect((await app.search('what does __basedir mean', { limit: 5 })).unknownNames).toBeUndefined();
  });
});
