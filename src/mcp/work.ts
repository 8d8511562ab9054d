/**
 * Which MCP requests do real work (search, reads from the index) and so go
 * through `docgraph serve`'s load-shedding queue; the rest (initialize,
 * tools/list, ping, notifications, responses) are cheap and never wait.
 */
const WORK_METHODS: ReadonlySet<string> = new Set(['tools/call', 'resources/read']);

function isWorkRequest(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { method, id } = message as { method?: unknown; id?: unknown };
  return typeof method === 'string' && id !== undefined && WORK_METHODS.has(method);
}

/** True when a JSON-RPC message, or any message of a batch, asks for work (tools/call, resources/read). */
export function needsWorkSlot(body: unknown): boolean {
  return Array.isArray(body) ? body.some(isWorkRequest) : isWorkRequest(body);
}

/** The id to answer a single JSON-RPC request with; null for a batch or a message without one. */
export function requestId(body: unknown): string | number | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const { id } = body as { id?: unknown };
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** The ids of the requests in a JSON-RPC message or batch (notifications and responses have none). */
export function requestIds(body: unknown): (string | number)[] {
  const ids: (string | number)[] = [];
  for (const m of Array.isArray(body) ? (body as unknown[]) : [body]) {
    if (typeof m !== 'object' || m === null) continue;
    const { method, id } = m as { method?: unknown; id?: unknown };
    if (typeof method === 'string' && (typeof id === 'string' || typeof id === 'number')) ids.push(id);
  }
  return ids;
}
