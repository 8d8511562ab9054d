import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ConfigError } from '../../domain/errors.js';
import type { SharedState, SharedStateStatus } from '../shared-state.js';

/** How long one command may take before it counts as failed (the search goes on without the cache). */
const COMMAND_TIMEOUT_MS = 250;
/** Reconnect delays grow to this and stay there: the server may come back at any time. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * SharedState on Redis (ioredis, loaded lazily: an embedded user never needs
 * it). Commands fail fast while the server is unreachable (no offline queue,
 * no retries, a short timeout) and the client keeps reconnecting; `onChange`
 * hears every change of status, for the log.
 */
export class RedisState implements SharedState {
  private status: SharedStateStatus;
  private readonly subscriptions = new Map<string, ((message: string) => void)[]>();
  private subscriber: RedisClient | undefined;
  private closed = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly makeClient: () => RedisClient,
    location: string,
    private readonly onChange: (s: SharedStateStatus) => void,
  ) {
    this.status = { location, status: 'down', since: new Date().toISOString(), error: 'connecting' };
    client.on('ready', () => this.mark('up'));
    client.on('error', (e: Error) => this.mark('down', e.message));
    client.on('end', () => this.mark('down', 'connection closed'));
    client.on('close', () => this.mark('down', 'connection closed'));
  }

  /**
   * Connects to `url` (redis:// or rediss://). A server that does not answer
   * within `connectTimeoutMs` is not an error: the state starts `down` and the
   * client keeps trying in the background.
   */
  static async open(url: string, location: string, onChange: (s: SharedStateStatus) => void, connectTimeoutMs = 1_000): Promise<RedisState> {
    let Redis: new (url: string, options: RedisOptions) => RedisClient;
    try {
      ({ Redis } = await import('ioredis'));
    } catch {
      throw new ConfigError(`--redis needs the ioredis driver, which is not installed (${location})`, { hint: 'install it with `npm install ioredis` (an optional dependency of docgraph)' });
    }
    const make = (): RedisClient =>
      new Redis(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: COMMAND_TIMEOUT_MS,
        connectTimeout: connectTimeoutMs,
        retryStrategy: (times) => Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(times, 6)),
        lazyConnect: true,
      });
    const client = make();
    const state = new RedisState(client, make, location, onChange);
    await Promise.race([client.connect().catch(() => undefined), new Promise((r) => setTimeout(r, connectTimeoutMs).unref())]);
    return state;
  }

  private mark(status: 'up' | 'down', error?: string): void {
    if (this.closed || this.status.status === status) return;
    this.status = { location: this.status.location, status, since: new Date().toISOString(), ...(error !== undefined ? { error } : {}) };
    this.onChange(this.status);
  }

  state(): SharedStateStatus {
    return { ...this.status };
  }

  async get(key: string): Promise<string | undefined> {
    if (this.status.status !== 'up') return undefined;
    try {
      return (await this.client.get(key)) ?? undefined;
    } catch (e) {
      this.mark('down', (e as Error).message);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (this.status.status !== 'up') return;
    try {
      await this.client.set(key, value, 'EX', Math.max(1, Math.round(ttlSeconds)));
    } catch (e) {
      this.mark('down', (e as Error).message);
    }
  }

  async publish(channel: string, message: string): Promise<void> {
    if (this.status.status !== 'up') return;
    try {
      await this.client.publish(channel, message);
    } catch (e) {
      this.mark('down', (e as Error).message);
    }
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    const list = this.subscriptions.get(channel) ?? [];
    list.push(listener);
    this.subscriptions.set(channel, list);
    if (!this.subscriber) {
      // a connection in subscriber mode can do nothing else; ioredis resubscribes it after a reconnect
      const sub = this.makeClient();
      sub.on('error', () => undefined); // the main client reports the status
      sub.on('message', (ch: string, message: string) => {
        for (const l of this.subscriptions.get(ch) ?? []) l(message);
      });
      this.subscriber = sub;
      await sub.connect().catch(() => undefined);
    }
    await this.subscriber.subscribe(channel).catch(() => undefined);
  }

  rateLimiter(options: { keyPrefix: string; points: number; duration: number; insurance: RateLimiterAbstract }): RateLimiterAbstract {
    // commands fail fast while the server is away (no offline queue, no retries): the insurance answers then
    return new RateLimiterRedis({ storeClient: this.client, keyPrefix: options.keyPrefix, points: options.points, duration: options.duration, insuranceLimiter: options.insurance });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.disconnect();
    this.subscriber?.disconnect();
  }
}
