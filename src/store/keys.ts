/**
 * The KeyStore port: API keys kept in the index (`docgraph keys`), so every
 * replica serving one index knows the same keys. Only a key's hash is
 * stored; the key itself is shown once, when it is created (app/keys.ts).
 * Each backend keeps its keys in its own table with its own migrations
 * (component `keys`), apart from the store's and the queue's.
 */

/** What a key may do: `read` the index, `ingest` (queue folders, see jobs), `admin` (everything, the DLQ's retry and purge too). */
export type Scope = 'read' | 'ingest' | 'admin';

export const SCOPES: readonly Scope[] = ['read', 'ingest', 'admin'];

export interface ApiKeyRecord {
  /** Public part of the key (`dgk_<id>_...`), shown by `keys list`. */
  id: string;
  name: string | null;
  scopes: Scope[];
  /** SHA-256 of the secret part, hex. */
  hash: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; null while the key is valid. */
  revokedAt: number | null;
}

export interface KeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, revoked ones too, oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked at `at`; false when there is no such key or it was revoked already. */
  revoke(id: string, at: number): Promise<boolean>;
}

/** An `api_keys` row as both SQL backends store it (scopes as JSON text, times as epoch ms). */
export interface ApiKeyRow {
  id: string;
  name: string | null;
  scopes: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

export function toApiKeyRecord(r: ApiKeyRow): ApiKeyRecord {
  return { id: r.id, name: r.name, scopes: JSON.parse(r.scopes) as Scope[], hash: r.hash, createdAt: r.created_at, revokedAt: r.revoked_at };
}
