import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SSE events of one MCP session, kept so a client that lost its stream can
 * resume with Last-Event-ID. Bounded: the oldest events go first once `max`
 * are held. One store per session, so a client can never replay another
 * session's messages.
 */
export class SessionEventStore implements EventStore {
  private seq = 0;
  private readonly events = new Map<string, { streamId: string; message: JSONRPCMessage }>();

  constructor(private readonly max = 500) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `e${++this.seq}`;
    this.events.set(id, { streamId, message });
    if (this.events.size > this.max) this.events.delete(this.events.keys().next().value!);
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.events.get(lastEventId);
    if (!last) return '';
    let after = false;
    for (const [id, e] of this.events) {
      if (id === lastEventId) after = true;
      // the empty priming events carry no message to replay
      else if (after && e.streamId === last.streamId && Object.keys(e.message).length > 0) await send(id, e.message);
    }
    return last.streamId;
  }
}
