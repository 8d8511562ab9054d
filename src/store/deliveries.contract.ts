/**
 * What every DeliveryLog must do (store/deliveries.ts), run by each
 * backend's test: a first delivery is taken, a replay is refused, also
 * through another handle on the same index (another process), of two
 * handles racing one id exactly one takes it, and only the newest `keep`
 * are remembered.
 */
import { describe, expect, it } from 'vitest';
import type { DeliveryLog } from './deliveries.js';

export interface DeliveryLogFixture {
  /** Two handles on one fresh index, remembering at most `keep` deliveries. */
  open(keep: number): Promise<{ a: DeliveryLog; b: DeliveryLog; close: () => Promise<void> }>;
}

export function deliveryLogContract(name: string, fixture: DeliveryLogFixture): void {
  describe(`DeliveryLog contract: ${name}`, () => {
    it('takes a delivery once, and refuses its replay through either handle', async () => {
      const { a, b, close } = await fixture.open(100);
      try {
        expect(await a.remember('github:d-1', 1)).toBe(true);
        expect(await a.remember('github:d-1', 2)).toBe(false);
        expect(await b.remember('github:d-1', 3)).toBe(false);
        expect(await b.remember('gitlab:d-1', 4)).toBe(true);
      } finally {
        await close();
      }
    });

    it('lets exactly one of two racing handles take an id', async () => {
      const { a, b, close } = await fixture.open(100);
      try {
        for (let i = 0; i < 10; i++) {
          const taken = await Promise.all([a.remember(`github:race-${i}`, i), b.remember(`github:race-${i}`, i)]);
          expect(taken.filter(Boolean)).toHaveLength(1);
        }
      } finally {
        await close();
      }
    });

    it('remembers only the newest keep deliveries', async () => {
      const { a, b, close } = await fixture.open(3);
      try {
        for (const id of ['d-1', 'd-2', 'd-3', 'd-4']) expect(await a.remember(id, 1)).toBe(true);
        // d-1 was evicted by d-4; d-2..d-4 are still known
        expect(await b.remember('d-4', 2)).toBe(false);
        expect(await b.remember('d-2', 2)).toBe(false);
        expect(await b.remember('d-1', 2)).toBe(true);
      } finally {
        await close();
      }
    });
  });
}
