import { describe, expect, it } from 'vitest';
import { prng } from '../embed/builtin/linalg.js';
import { contestedKeys, factChangesEntity, mergeFacts, mergesBefore, type EntityFact } from './entity-facts.js';

/** Small random facts over a few aliases, keys and values, so collisions (and conflicts) are common. */
function randomFact(rand: () => number, docId: string): EntityFact {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const aliases = ['a', 'b', 'c', 'd'].filter(() => rand() < 0.3);
  const attributes: Record<string, unknown> = {};
  for (const k of ['default', 'type', 'since', 'values']) {
    if (rand() < 0.5) continue;
    attributes[k] = rand() < 0.4 ? ['x', 'y', 'z'].filter(() => rand() < 0.5) : pick(['1', '2', 3, true, null]);
  }
  return { defines: rand() < 0.3, docId, aliases, attributes };
}

describe('factChangesEntity', () => {
  it('says false only when merging the fact in leaves the entity as it was, wherever the fact falls in the merge order', () => {
    const rand = prng(7);
    let unchanged = 0;
    for (let n = 0; n < 5000; n++) {
      const facts = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, i) => randomFact(rand, `d${Math.floor(rand() * 100)}_${i}`));
      const entity = mergeFacts(facts);
      const fact = randomFact(rand, `d${Math.floor(rand() * 100)}_new`);
      const own = mergeFacts([fact]);
      const after = mergeFacts([...facts, fact]);
      if (!factChangesEntity(entity, own)) {
        unchanged++;
        expect(after).toEqual(entity);
      }
    }
    // the property was exercised, not vacuously true
    expect(unchanged).toBeGreaterThan(200);
  });

  it('says true for a new alias, a new array value or a different value', () => {
    const entity = mergeFacts([{ defines: true, docId: 'd1', aliases: ['a'], attributes: { default: '5', values: ['x'] } }]);
    expect(factChangesEntity(entity, { aliases: [], attributes: {} })).toBe(false);
    expect(factChangesEntity(entity, { aliases: ['a'], attributes: { default: '5', values: ['x'] } })).toBe(false);
    expect(factChangesEntity(entity, { aliases: ['b'], attributes: {} })).toBe(true);
    expect(factChangesEntity(entity, { aliases: [], attributes: { values: ['y'] } })).toBe(true);
    expect(factChangesEntity(entity, { aliases: [], attributes: { default: '6' } })).toBe(true);
    expect(factChangesEntity(entity, { aliases: [], attributes: { since: 'v2' } })).toBe(true);
  });
});

describe('contestedKeys', () => {
  it('with the facts that merge before the new one, says exactly whether merging it in changes the entity', () => {
    const rand = prng(11);
    const seen = { unchanged: 0, changed: 0, settledByEarlier: 0 };
    for (let n = 0; n < 5000; n++) {
      const facts = Array.from({ length: 1 + Math.floor(rand() * 5) }, (_, i) => randomFact(rand, `d${Math.floor(rand() * 100)}_${i}`));
      const entity = mergeFacts(facts);
      const fact = randomFact(rand, `d${Math.floor(rand() * 100)}_new`);
      const contested = contestedKeys(entity, mergeFacts([fact]));
      const earlier = facts.filter((f) => mergesBefore(f, fact));
      const changes = contested === true || contested.some((k) => !earlier.some((f) => f.attributes[k] !== undefined));
      const after = mergeFacts([...facts, fact]);
      if (changes) {
        seen.changed++;
        expect(after).not.toEqual(entity);
      } else {
        seen.unchanged++;
        expect(after).toEqual(entity);
        if (Array.isArray(contested) && contested.length > 0) seen.settledByEarlier++;
      }
    }
    // both answers, and values settled by an earlier fact (where factChangesEntity says true), were exercised
    expect(seen.changed).toBeGreaterThan(200);
    expect(seen.unchanged).toBeGreaterThan(200);
    expect(seen.settledByEarlier).toBeGreaterThan(200);
  });

  it('orders facts as mergeFacts does: defining documents first, then by document id', () => {
    expect(mergesBefore({ defines: true, docId: 'd9' }, { defines: false, docId: 'd1' })).toBe(true);
    expect(mergesBefore({ defines: false, docId: 'd1' }, { defines: true, docId: 'd9' })).toBe(false);
    expect(mergesBefore({ defines: false, docId: 'd1' }, { defines: false, docId: 'd2' })).toBe(true);
    expect(mergesBefore({ defines: false, docId: 'd2' }, { defines: false, docId: 'd1' })).toBe(false);
    const facts: EntityFact[] = [
      { defines: false, docId: 'd1', aliases: [], attributes: { kind: 'method' } },
      { defines: true, docId: 'd9', aliases: [], attributes: { kind: 'function' } },
    ];
    expect(mergeFacts(facts).attributes.kind).toBe('function');
  });
});
