import { describe, expect, it } from 'vitest';
import { QueueLane, encodeDataKey, encodeRecord, keyHash, queueKey, queueMessageKey } from '@ringkv/core';
import { QueueState, findIndex, insertById, type Msg } from '../src/queue-index.js';
import { encodeMessage } from '../src/queue-record.js';
import { MemoryStore } from './helpers/memory-store.js';

const msg = (id: bigint, version = id): Msg => ({ id, version, busy: 0, visibleAtMs: 0, deliveries: 0, enqueuedAtMs: 0 });
const ids = (lane: Msg[]) => lane.map((m) => m.id);

describe('queue index: lanes in id order', () => {
  it('inserts in id order, last or not, and replaces an entry with the same id', () => {
    const lane: Msg[] = [];
    for (const id of [5n, 9n, 7n, 1n, 10n]) insertById(lane, msg(id));
    expect(ids(lane)).toEqual([1n, 5n, 7n, 9n, 10n]);
    insertById(lane, msg(7n, 70n));
    expect(ids(lane)).toEqual([1n, 5n, 7n, 9n, 10n]);
    expect(lane[2]!.version).toBe(70n);
  });

  it('finds an id by binary search, or -1', () => {
    const lane = [1n, 3n, 5n, 8n, 13n, 21n].map((id) => msg(id));
    lane.forEach((m, i) => expect(findIndex(lane, m.id)).toBe(i));
    for (const id of [0n, 2n, 4n, 22n]) expect(findIndex(lane, id)).toBe(-1);
    expect(findIndex([], 1n)).toBe(-1);
  });
});

describe('QueueState', () => {
  it('runs one operation at a time, in order, and counts the pending ones', async () => {
    const s = new QueueState('q', 1);
    const order: string[] = [];
    let release!: () => void;
    const first = s.serialize(async () => {
      order.push('first start');
      await new Promise<void>((r) => (release = r));
      order.push('first end');
    });
    const second = s.serialize(async () => {
      order.push('second');
    });
    const failing = s.serialize(async () => {
      throw new Error('boom');
    });
    const after = s.serialize(async () => 'after');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['first start']);
    expect(s.pending).toBe(4);
    release();
    await first;
    await second;
    await expect(failing).rejects.toThrow('boom');
    // A failed operation does not stop the ones behind it.
    await expect(after).resolves.toBe('after');
    expect(order).toEqual(['first start', 'first end', 'second']);
    expect(s.pending).toBe(0);
  });

  it('settles once every write in flight is applied, including writes added meanwhile', async () => {
    const s = new QueueState('q', 1);
    let resolveA!: () => void;
    let resolveB!: () => void;
    const a = new Promise<void>((r) => (resolveA = r));
    const b = new Promise<void>((r) => (resolveB = r));
    s.inflight.add(a);
    void a.finally(() => s.inflight.delete(a));
    let settled = false;
    const waiting = s.settled().then(() => {
      settled = true;
    });
    s.inflight.add(b);
    void b.finally(() => s.inflight.delete(b));
    resolveA();
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    resolveB();
    await waiting;
    expect(settled).toBe(true);
  });

  it('wakes every waiter, also ones that remove themselves while woken', () => {
    const s = new QueueState('q', 1);
    const woken: number[] = [];
    for (let i = 0; i < 3; i++) {
      const w = () => {
        woken.push(i);
        s.waiters.delete(w);
      };
      s.waiters.add(w);
    }
    s.wake();
    expect(woken).toEqual([0, 1, 2]);
    expect(s.waiters.size).toBe(0);
  });

  it('loads both lanes from storage in id order, skipping tombstones and other queues', async () => {
    const store = new MemoryStore();
    const hash = keyHash(queueKey('q'));
    const put = (name: string, lane: QueueLane, id: bigint, version: bigint, tombstone = false) =>
      store.put(encodeDataKey(queueMessageKey(name, lane, id), keyHash(queueKey(name))), encodeRecord({
        version, tombstone, expiresAtMs: 0,
        value: tombstone ? Buffer.alloc(0) : encodeMessage({ visibleAtMs: Number(id) * 10, deliveries: Number(id), enqueuedAtMs: 1 }, Buffer.from('body')),
      }));
    put('q', QueueLane.MAIN, 3n, 30n);
    put('q', QueueLane.MAIN, 1n, 11n);
    put('q', QueueLane.MAIN, 2n, 20n, true);
    put('q', QueueLane.DEAD, 7n, 70n);
    put('qq', QueueLane.MAIN, 4n, 40n);
    const s = new QueueState('q', hash);
    expect(s.stale).toBe(true);
    await s.load(store, hash);
    expect(s.stale).toBe(false);
    expect(s.lanes[QueueLane.MAIN]).toEqual([
      { id: 1n, version: 11n, busy: 0, visibleAtMs: 10, deliveries: 1, enqueuedAtMs: 1 },
      { id: 3n, version: 30n, busy: 0, visibleAtMs: 30, deliveries: 3, enqueuedAtMs: 1 },
    ]);
    expect(ids(s.lanes[QueueLane.DEAD])).toEqual([7n]);
  });

  it('fails the load on a corrupt message record', async () => {
    const store = new MemoryStore();
    const hash = keyHash(queueKey('q'));
    store.put(encodeDataKey(queueMessageKey('q', QueueLane.MAIN, 1n), hash),
      encodeRecord({ version: 1n, tombstone: false, expiresAtMs: 0, value: Buffer.from('not a message') }));
    const s = new QueueState('q', hash);
    await expect(s.load(store, hash)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(s.stale).toBe(true);
  });
});
