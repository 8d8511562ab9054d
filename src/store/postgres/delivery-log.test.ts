import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { freshSchema } from '../../../test/helpers/postgres.js';
import { deliveryLogContract } from '../deliveries.contract.js';
import { PgDatabase } from './database.js';
import { PG_DELIVERY_MIGRATIONS, PgDeliveryLog } from './delivery-log.js';

deliveryLogContract('postgres', {
  open: async (keep) => {
    const s = await freshSchema('dgdeliv');
    const one = await PgDatabase.open({ url: s.url, schema: s.schema });
    const two = await PgDatabase.open({ url: s.url, schema: s.schema });
    return {
      a: new PgDeliveryLog(one, keep),
      b: new PgDeliveryLog(two, keep),
      close: async () => {
        await one.close();
        await two.close();
        await s.drop();
      },
    };
  },
});

it('keeps the shipped delivery migrations as they were (append-only)', () => {
  const pinned = ['c1283ab6'];
  expect(PG_DELIVERY_MIGRATIONS.map((m) => createHash('sha256').update(m.sql).digest('hex').slice(0, 8))).toEqual(pinned);
});
