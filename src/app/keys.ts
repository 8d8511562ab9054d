/**
 * API keys (`docgraph keys`; checked by `docgraph serve` on REST and /mcp).
 * A key is `dg_<id>_<secret>`: the id is public (listed, revoked by it), the
 * secret is 32 random bytes shown once at creation. The index keeps the id,
 * the scopes and the SHA-256 of the secret — a fast hash is enough for a
 * 256-bit random secret, which no dictionary holds — and compares hashes in
 * constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { SCOPES, type ApiKeyRecord, type KeyStore, type Scope } from '../store/keys.js';

export { SCOPES, type Scope } from '../store/keys.js';

const KEY = /^dg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A key as `keys list` shows it: never the secret, nor its hash. */
export interface ApiKeyInfo {
  id: string;
  name: string | null;
  scopes: Scope[];
  createdAt: number;
  revokedAt: number | null;
}

/** Who a request's key says it is. */
export interface Caller {
  /** The key id; `env` for DOCGRAPH_API_KEY, `anonymous` for an open loopback server. */
  id: string;
  scopes: readonly Scope[];
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** True when `scopes` grant `needed`: admin grants everything. */
export function grants(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

function info(k: ApiKeyRecord): ApiKeyInfo {
  return { id: k.id, name: k.name, scopes: k.scopes, createdAt: k.createdAt, revokedAt: k.revokedAt };
}

export class ApiKeys {
  constructor(private readonly store: KeyStore) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. INVALID_INPUT for an unknown scope or a bad name. */
  async create(o: { scopes: readonly string[]; name?: string }): Promise<ApiKeyInfo & { key: string }> {
    const scopes = [...new Set(o.scopes)];
    if (scopes.length === 0) throw new InvalidInputError('a key needs at least one scope', { field: '--scope', allowed: SCOPES.join(', ') });
    for (const s of scopes) if (!SCOPES.includes(s as Scope)) throw new InvalidInputError(`unknown scope "${s}"`, { field: '--scope', allowed: SCOPES.join(', ') });
    const name = o.name?.trim();
    if (name !== undefined && (name === '' || name.length > 100 || /[\u0000-\u001f]/.test(name))) {
      throw new InvalidInputError('a key name is 1–100 printable characters', { field: '--name' });
    }
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const rec: ApiKeyRecord = { id, name: name ?? null, scopes: SCOPES.filter((s) => scopes.includes(s)), hash: sha256(secret), createdAt: Date.now(), revokedAt: null };
    await this.store.insert(rec);
    return { ...info(rec), key: `dg_${id}_${secret}` };
  }

  /** Every key, revoked ones too, oldest first. */
  async list(): Promise<ApiKeyInfo[]> {
    return (await this.store.list()).map(info);
  }

  /** Revokes a key at once. NOT_FOUND when there is no such key, or it was revoked already. */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const key = await this.store.get(id);
    if (!key) throw new NotFoundError(`no API key ${id}`, { hint: 'list keys with `docgraph keys list`' });
    if (key.revokedAt !== null || !(await this.store.revoke(id, Date.now()))) throw new NotFoundError(`API key ${id} is revoked already`);
    return info((await this.store.get(id))!);
  }

  /** The caller a presented key names, or undefined when it is malformed, unknown, revoked or wrong. */
  async verify(token: string): Promise<Caller | undefined> {
    const m = KEY.exec(token);
    if (!m) return undefined;
    const key = await this.store.get(m[1]!);
    if (!key || key.revokedAt !== null) return undefined;
    const a = Buffer.from(sha256(m[2]!), 'hex');
    const b = Buffer.from(key.hash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b) ? { id: key.id, scopes: key.scopes } : undefined;
  }
}
