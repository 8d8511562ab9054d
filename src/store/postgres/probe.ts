import { PG_QUEUE_MIGRATIONS } from '../../queue/postgres/migrations.js';
import type { IndexProbe } from '../readiness.js';
import type { PgDatabase } from './database.js';
import { PG_STORE_MIGRATIONS } from './migrations.js';

const latest = (m: readonly { version: number }[]): number => m[m.length - 1]!.version;

/** Asks the server for the schema versions of the index (one query on the pool, bounded by its timeouts). */
export async function probePgIndex(db: PgDatabase): Promise<IndexProbe> {
  try {
    const rows = await db.query<{ component: string; version: number }>("SELECT component, version FROM docgraph_schema WHERE component IN ('store', 'queue')");
    const v = new Map(rows.map((r) => [r.component, r.version]));
    const migrated = v.get('store') === latest(PG_STORE_MIGRATIONS) && v.get('queue') === latest(PG_QUEUE_MIGRATIONS);
    return migrated ? { reachable: true, migrated } : { reachable: true, migrated, detail: `schema versions store ${v.get('store') ?? 0}, queue ${v.get('queue') ?? 0}` };
  } catch (e) {
    return { reachable: false, migrated: false, detail: e instanceof Error ? e.message : String(e) };
  }
}
