import { describe, expect, it } from 'vitest';
import { embedderContract } from '../embedder.contract.js';
import { BuiltinEmbedder } from './builtin.js';
import { deserializeModel, fingerprint, fitModel, serializeModel } from './model.js';

/** A small corpus with a few topics, each using its own vocabulary in several sections. */
const CORPUS = [
  'Rotate the TLS certificate before it expires. Agents refuse an expired certificate.',
  'The server certificate chain and private key are PEM files; rotate them without downtime.',
  'Check when the certificate expires with openssl x509 -enddate.',
  'x509: certificate has expired. Renew the certificate and restart the server.',
  'A rolling release updates deploy.max_parallel hosts at a time and checks their health.',
  'A canary release updates a few hosts first and watches their error rate.',
  'Blue-green releases start the new release beside the old one, then switch traffic.',
  'Roll back a release with acme rollback --to r-0040; a rollback is itself a release.',
  'ACME_E1042: health check timed out. Raise deploy.health_timeout or fix the start-up crash.',
  'The health check sends GET /healthz to the new release until it answers 200.',
  'log.format json writes one JSON object per line for log shippers.',
  'Set log.level to debug to see every request the agent makes.',
  'EADDRINUSE: another process listens on port 8443; change server.listen.',
  'ECONNREFUSED: the CLI could not reach acme-server; check ACME_SERVER_URL.',
  'Install the CLI with brew install acme or the install script on Linux.',
  'The agent registers in its target group and sends heartbeats every 10 seconds.',
];

const fitted = (): BuiltinEmbedder => new BuiltinEmbedder(fitModel(CORPUS));

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

embedderContract('builtin', fitted);

describe('builtin model fitting', () => {
  it('is deterministic: the same texts give a byte-identical model and the same fingerprint', () => {
    const a = fitModel(CORPUS);
    const b = fitModel([...CORPUS]);
    expect(fingerprint(a)).toBe(fingerprint(b));
    expect(Buffer.compare(serializeModel(a), serializeModel(b))).toBe(0);
    expect(new BuiltinEmbedder(a).info().id).toBe(new BuiltinEmbedder(b).info().id);
  });

  it('a different corpus gives a different fingerprint, hence a different vector-space id', () => {
    const a = fitModel(CORPUS);
    const b = fitModel([...CORPUS, 'A new section about database migrations and schema upgrades.']);
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(new BuiltinEmbedder(a).info().id).not.toBe(new BuiltinEmbedder(b).info().id);
  });

  it('names itself builtin with the model shape in info()', () => {
    const info = fitted().info();
    expect(info).toMatchObject({ provider: 'builtin', model: 'lsa64+hash320', dimensions: 384 });
    expect(info.id).toMatch(/^builtin:v1:[0-9a-f]{12}$/);
  });

  it('fits on tiny inputs without failing (one text, no texts)', () => {
    for (const texts of [[], ['only one section']]) {
      const e = new BuiltinEmbedder(fitModel(texts));
      const v = e.embedOne('only one section');
      expect(v.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('builtin model serialization', () => {
  it('round-trips every field, and the restored embedder gives identical vectors', () => {
    const model = fitModel(CORPUS);
    const restored = deserializeModel(serializeModel(model));
    expect(restored).toEqual(model);
    expect(fingerprint(restored)).toBe(fingerprint(model));
    const before = new BuiltinEmbedder(model).embedOne('rotate the certificate');
    const after = new BuiltinEmbedder(restored).embedOne('rotate the certificate');
    expect([...after]).toEqual([...before]);
  });

  it('reads a model from a view into a larger buffer (as blobs come back from a store)', () => {
    const bytes = serializeModel(fitModel(CORPUS));
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    const restored = deserializeModel(padded.subarray(3, 3 + bytes.length));
    expect(fingerprint(restored)).toBe(fingerprint(fitModel(CORPUS)));
  });
});

describe('builtin vectors', () => {
  it('are unit length, including for text with no known term', () => {
    const e = fitted();
    for (const t of [CORPUS[0]!, 'zzz qqq unknownterm', 'x']) {
      const v = e.embedOne(t);
      expect(Math.sqrt(cosine(v, v))).toBeCloseTo(1, 5);
    }
  });

  it('put a query closer to the section that shares its words than to an unrelated one', () => {
    const e = fitted();
    const query = e.embedOne('how do I rotate an expired TLS certificate');
    const related = e.embedOne(CORPUS[0]!);
    const unrelated = e.embedOne(CORPUS[10]!);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.1);
  });

  it('match identifiers exactly: an error code finds its section first', () => {
    const e = fitted();
    const query = e.embedOne('ACME_E1042');
    const ranked = CORPUS.map((t, i) => ({ i, s: cosine(query, e.embedOne(t)) })).sort((a, b) => b.s - a.s);
    expect(ranked[0]!.i).toBe(8);
  });

  it('bring sections of one topic together through the semantic part, with no shared term', () => {
    const e = fitted();
    // "renew", "openssl" and "x509" co-occur with "certificate" in sections 2 and 3;
    // sections 0 and 1 are about certificates too but share no term with the query
    const query = e.embedOne('renew x509 openssl');
    const sameTopic = [0, 1].map((i) => cosine(query, e.embedOne(CORPUS[i]!)));
    const otherTopic = [10, 11, 14].map((i) => cosine(query, e.embedOne(CORPUS[i]!)));
    expect(Math.min(...sameTopic)).toBeGreaterThan(Math.max(...otherTopic));
  });
});

describe('term counts from the fit', () => {
  it('give the same vectors as counting again, each used once, and are all dropped at the first query', async () => {
    const termCounts = new Map<string, Map<string, number>>();
    const model = fitModel(CORPUS, { termCounts });
    expect(termCounts.size).toBe(CORPUS.length);
    expect(fingerprint(model)).toBe(fingerprint(fitModel(CORPUS)));
    const plain = new BuiltinEmbedder(model);
    const reusing = new BuiltinEmbedder(model, termCounts);
    // a changed count is used as given: the counts are read, not recomputed
    termCounts.set(CORPUS[0]!, new Map([['release', 3]]));
    expect(reusing.embedOne(CORPUS[0]!)).not.toEqual(plain.embedOne(CORPUS[0]!));
    // ...once: the text's counts left the map when it was embedded
    expect(termCounts.has(CORPUS[0]!)).toBe(false);
    expect(reusing.embedOne(CORPUS[0]!)).toEqual(plain.embedOne(CORPUS[0]!));
    // a text they do not hold (one the fit did not sample) is counted, and the others stay
    expect(reusing.embedOne('rotate the certificate')).toEqual(plain.embedOne('rotate the certificate'));
    expect(termCounts.size).toBe(CORPUS.length - 1);
    for (const t of CORPUS.slice(1, 5)) expect(reusing.embedOne(t)).toEqual(plain.embedOne(t));
    expect(termCounts.size).toBe(CORPUS.length - 5);
    // a query drops them all: a changed count is no longer read
    termCounts.set(CORPUS[6]!, new Map([['release', 3]]));
    const [q] = await reusing.embed(['renew the certificate'], 'query');
    expect(q).toEqual(plain.embedOne('renew the certificate'));
    expect(reusing.embedOne(CORPUS[6]!)).toEqual(plain.embedOne(CORPUS[6]!));
  });

  it('a sampled fit records the sections it stands for', () => {
    expect(fitModel(CORPUS).fittedOn).toBe(CORPUS.length);
    expect(fitModel(CORPUS, { fittedOn: 1000 }).fittedOn).toBe(1000);
  });
});
