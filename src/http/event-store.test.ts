import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { EventLog, SessionEventStore } from './event-store.js';

const msg = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });

describe('SessionEventStore', () => {
  it('replays the events of the same stream after the given id, skipping priming events', async () => {
    const store = new SessionEventStore();
    const prime = await store.storeEvent('a', {} as JSONRPCMessage);
    await store.storeEvent('b', msg(99));
    const first = await store.storeEvent('a', msg(1));
    await store.storeEvent('a', msg(2));
    const sent: [string, JSONRPCMessage][] = [];
    const stream = await store.replayEventsAfter(prime, { send: async (id, m) => void sent.push([id, m]) });
    expect(stream).toBe('a');
    expect(sent.map(([, m]) => (m as { id: number }).id)).toEqual([1, 2]);
    expect(sent[0]![0]).toBe(first);
    expect(await store.getStreamIdForEventId(first)).toBe('a');
  });

  it('is bounded: the oldest events are dropped', async () => {
    const store = new SessionEventStore(3);
    const oldest = await store.storeEvent('a', msg(1));
    for (let i = 2; i <= 4; i++) await store.storeEvent('a', msg(i));
    expect(await store.getStreamIdForEventId(oldest)).toBeUndefined();
    expect(await store.replayEventsAfter(oldest, { send: async () => undefined })).toBe('');
  });

  it('caps bytes across sessions, dropping the oldest event of any session, and each session replays only its own', async () => {
    const log = new EventLog(10_000);
    const a = log.session();
    const b = log.session();
    const big = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { text: 'x'.repeat(3_000) } });
    const a1 = await a.storeEvent('s', big(1));
    const b1 = await b.storeEvent('s', big(2));
    await a.storeEvent('s', big(3));
    await b.storeEvent('s', big(4));
    expect(log.stats().bytes).toBeLessThanOrEqual(10_000);
    expect(await a.getStreamIdForEventId(a1)).toBeUndefined(); // the oldest went first
    expect(await b.getStreamIdForEventId(b1)).toBe('s');
    expect(await a.getStreamIdForEventId(b1)).toBeUndefined(); // not a's event
    b.forget();
    expect(log.stats().events).toBe(1);
  });

  it('keeps the events of broken streams and of the last stream sent to its end; a completed stream lets the one before go', async () => {
    const log = new EventLog();
    const a = log.session();
    const b = log.session();
    const stream = async (s: SessionEventStore, id: string, requestId: number): Promise<string> => {
      const prime = await s.storeEvent(id, {} as JSONRPCMessage);
      await s.storeEvent(id, msg(requestId));
      return prime;
    };
    const broken = await stream(a, 'broken', 1);
    a.responseEnded([1], false);
    const first = await stream(a, 'first', 2);
    a.responseEnded([2], true);
    const other = await stream(b, 'other', 2);
    b.responseEnded([2], true);
    expect(log.stats().events).toBe(6);
    const second = await stream(a, 'second', 3);
    a.responseEnded([3], true);
    expect(log.stats().events).toBe(6); // 'first' went, 'second' came
    expect(await a.getStreamIdForEventId(first)).toBeUndefined();
    expect(await a.getStreamIdForEventId(second)).toBe('second');
    expect(await b.getStreamIdForEventId(other)).toBe('other'); // another session's last stream stays
    const replayed: JSONRPCMessage[] = [];
    expect(await a.replayEventsAfter(broken, { send: async (_id, m) => void replayed.push(m) })).toBe('broken');
    expect(replayed).toEqual([msg(1)]);
    // a thousand completed requests later, the session holds its broken stream and one completed stream
    for (let i = 10; i < 1010; i++) {
      await stream(a, `s${i}`, i);
      a.responseEnded([i], true);
    }
    expect(log.stats().events).toBe(6);
    expect(await a.getStreamIdForEventId(broken)).toBe('broken');
  });
});
