import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  session: number;
  streamId: string;
  /** The message as JSON: a string costs the heap about what it counts, where the parsed object costs 2–3 times more. */
  json: string;
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
 * lost its stream can resume with Last-Event-ID. What a client can still
 * need is the events of a stream that broke; a stream that was sent to its
 * end will not be resumed. So a session keeps the events of streams that
 * broke, and of the last stream it sent to the end (a client whose
 * connection dropped just after the last bytes left can still resume it);
 * completing a stream drops the one completed before it (`completed`).
 * Bounded as well by at most `maxBytes` of messages (as JSON) across all
 * sessions, dropping the oldest event of any session first, and at most
 * `maxPerSession` events per session. A client can only replay its own
 * session's events (see SessionEventStore).
 *
 * Without the first rule every tool result stayed here until the byte cap
 * pushed it out: under sustained load the log sat at its cap (32 MiB of JSON,
 * ~60 MB of heap as objects), and V8 grew the heap to three times that
 * (docs/benchmarks.md, "Load and shedding").
 */
export class EventLog {
  private seq = 0;
  private nextSession = 0;
  /** Insertion order is age order: the first entry is the oldest. */
  private readonly events = new Map<string, StoredEvent>();
  private readonly perSession = new Map<number, string[]>();
  /** Per session, the last stream sent to its end. */
  private readonly lastCompleted = new Map<number, string>();
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
    const json = JSON.stringify(message);
    const bytes = Buffer.byteLength(json) + streamId.length + id.length;
    this.events.set(id, { session, streamId, json, bytes });
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
  get(session: number, eventId: string): { streamId: string } | undefined {
    const e = this.events.get(eventId);
    return e?.session === session ? { streamId: e.streamId } : undefined;
  }

  /** @internal The events of `session` after `eventId`, oldest first. */
  after(session: number, eventId: string): { id: string; streamId: string; message: JSONRPCMessage }[] {
    const ids = this.perSession.get(session) ?? [];
    const at = ids.indexOf(eventId);
    if (at < 0) return [];
    return ids.slice(at + 1).map((id) => {
      const e = this.events.get(id)!;
      return { id, streamId: e.streamId, message: JSON.parse(e.json) as JSONRPCMessage };
    });
  }

  /** @internal A stream of `session` was sent to its end: drop the stream completed before it. */
  completed(session: number, streamId: string): void {
    const before = this.lastCompleted.get(session);
    this.lastCompleted.set(session, streamId);
    if (before === undefined || before === streamId) return;
    for (const id of [...(this.perSession.get(session) ?? [])]) {
      if (this.events.get(id)?.streamId === before) this.drop(id);
    }
  }

  /** Drops every event of a session (it closed). */
  forget(session: number): void {
    for (const id of this.perSession.get(session) ?? []) {
      const e = this.events.get(id);
      if (e) this.bytes -= e.bytes;
      this.events.delete(id);
    }
    this.perSession.delete(session);
    this.lastCompleted.delete(session);
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
  /** The stream that carries the response to each request id, until that request's HTTP response ends. */
  private readonly streamOf = new Map<string | number, string>();

  constructor(log: EventLog | number = 500, id = 0) {
    this.log = typeof log === 'number' ? new EventLog(undefined, log) : log;
    this.id = id;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    if ('id' in message && message.id !== undefined && ('result' in message || 'error' in message)) this.streamOf.set(message.id, streamId);
    return this.log.store(this.id, streamId, message);
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.log.get(this.id, eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.log.get(this.id, lastEventId);
    if (!last) return '';
    for (const e of this.log.after(this.id, lastEventId)) {
      // the empty priming events carry no message to replay
      if (e.streamId === last.streamId && Object.keys(e.message).length > 0) await send(e.id, e.message);
    }
    return last.streamId;
  }

  /**
   * The HTTP response to the requests `ids` has ended: sent to its end
   * (`complete`), or cut off (the client went away; its events stay for a
   * resume). See EventLog for what a completed stream lets go.
   */
  responseEnded(ids: readonly (string | number)[], complete: boolean): void {
    for (const requestId of ids) {
      const stream = this.streamOf.get(requestId);
      this.streamOf.delete(requestId);
      if (complete && stream !== undefined) this.log.completed(this.id, stream);
    }
  }

  /** Drops this session's events from the log. */
  forget(): void {
    this.log.forget(this.id);
    this.streamOf.clear();
  }
}
