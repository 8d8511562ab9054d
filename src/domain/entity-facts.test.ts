import { describe, expect, it } from 'vitest';
import { prng } from '../embed/builtin/linalg.js';
import { factChangesEntity, mergeFacts, type EntityFact } from './entity-facts.js';

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
