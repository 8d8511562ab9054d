/**
 * The DeliveryLog port: the webhook deliveries an index has taken
 * (`POST /webhooks/github|gitlab`), by delivery id, so a replay is refused
 * by every process serving the index and after a restart. Bounded: the
 * newest `DELIVERIES_KEPT` are kept, older ones evicted as new ones arrive.
 * Each backend keeps them in its own table with its own migrations
 * (component `webhooks`), apart from the store's and the queue's, as the
 * API keys are.
 */

/** Deliveries remembered per index (GitHub redelivers within days; a busy repository sends a few hundred a day). */
export const DELIVERIES_KEPT = 10_000;

export interface DeliveryLog {
  /**
   * Records a delivery (`provider:id`) taken at `at` (epoch ms): true the
   * first time, false when it was recorded before (a replay). Atomic across
   * processes: of two racing the same id, one gets true.
   */
  remember(key: string, at: number): Promise<boolean>;
}
