import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  session: number;
  streamId: string;
  message: JSONRPCMessage;
  bytes: number;
}

/** What the event log holds now, for /health. */
export interface EventLogStats {
  events: number;
  bytes: number;
  max_bytes: number;
}

/**
 * The SSE events of every MCP session of one server, kept so a client that
 * lost its stream can resume with Last-Event-ID. Bounded twice: at most
 * `maxBytes` of messages (as JSON) across all sessions, dropping the oldest
 * event of any session first, and at most `maxPerSession` events per
 * session. A client can only replay its own session's events (see
 * SessionEventStore).
 */
export class EventLog {
  private seq = 0;
  private nextSession = 0;
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly events = new Map<string, StoredEvent>();
  private readonly perSession = new Map<number, string[]>();
  private bytes = 0;

  constructor(
    readonly maxBytes = 32 * 1024 * 1024,
    readonly maxPerSession = 500,
  ) {}

  /** A new session's view of the log. */
  session(): SessionEventStore {
    return new SessionEventStore(this, this.nextSession++);
  }

  stats(): EventLogStats {
    return { events: this.events.size, bytes: this.bytes, max_bytes: this.maxBytes };
  }

  /** @internal */
  store(session: number, streamId: string, message: JSONRPCMessage): string {
    const id = `e${++this.seq}`;
    const bytes = Buffer.byteLength(JSON.stringify(message)) + streamId.length + id.length;
    this.events.set(id, { session, streamId, message, bytes });
    this.bytes += bytes;
    const mine = this.perSession.get(session) ?? [];
    mine.push(id);
    this.perSession.set(session, mine);
    if (mine.length > this.maxPerSession) this.drop(mine[0]!);
    // at most every stored event: each turn removes one
    while (this.bytes > this.maxBytes && this.events.size > 0) this.drop(this.events.keys().next().value!);
    return id;
  }

  /** @internal */
  get(session: number, eventId: string): StoredEvent | undefined {
    const e = this.events.get(eventId);
    return e?.session === session ? e : undefined;
  }

  /** @internal The events of `session` after `eventId`, oldest first. */
  after(session: number, eventId: string): [string, StoredEvent][] {
    const ids = this.perSession.get(session) ?? [];
    const at = ids.indexOf(eventId);
    return at < 0 ? [] : ids.slice(at + 1).map((id) => [id, this.events.get(id)!] as [string, StoredEvent]);
  }

  /** Drops every event of a session (it closed). */
  forget(session: number): void {
    for (const id of this.perSession.get(session) ?? []) {
      const e = this.events.get(id);
      if (e) this.bytes -= e.bytes;
      this.events.delete(id);
    }
    this.perSession.delete(session);
  }

  private drop(id: string): void {
    const e = this.events.get(id);
    if (!e) return;
    this.events.delete(id);
    this.bytes -= e.bytes;
    const mine = this.perSession.get(e.session);
    if (mine) {
      // the oldest of a session is at the front, so this is O(1) in practice
      const at = mine.indexOf(id);
      if (at >= 0) mine.splice(at, 1);
    }
  }
}

/**
 * One MCP session's view of the shared EventLog: it stores into the log and
 * replays only its own events. `new SessionEventStore()` alone makes a
 * private log (for tests and single sessions).
 */
export class SessionEventStore implements EventStore {
  private readonly log: EventLog;
  private readonly id: number;

  constructor(log: EventLog | number = 500, id = 0) {
    this.log = typeof log === 'number' ? new EventLog(undefined, log) : log;
    this.id = id;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    return this.log.store(this.id, streamId, message);
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.log.get(this.id, eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.log.get(this.id, lastEventId);
    if (!last) return '';
    for (const [id, e] of this.log.after(this.id, lastEventId)) {
      // the empty priming events carry no message to replay
      if (e.streamId === last.streamId && Object.keys(e.message).length > 0) await send(id, e.message);
    }
    return last.streamId;
  }

  /** Drops this session's events from the log. */
  forget(): void {
    this.log.forget(this.id);
  }
}
