import { describe, expect, it } from 'vitest';
import {
  ErrorCode, RingKvError, decodeRecord, encodeDataKey, encodeRecord, keyHash, queueKey,
  type OpResult, type QueueOp__Output,
} from '@ringkv/core';
import { QueueEngine, type QueueHost } from '../src/queue-engine.js';
import { errorResult } from '../src/storage-format.js';
import type { Updater } from '../src/write-apply.js';
import { MemoryStore } from './helpers/memory-store.js';

/**
 * A host that applies each update at once to an in-memory store, as the write queue would:
 * the updater decides against the current record and the write gets a fresh version.
 */
function host() {
  const store = new MemoryStore();
  let version = 100n;
  let id = 0n;
  const h = {
    store,
    fenced: undefined as OpResult | undefined,
    updates: 0,
    nextId: () => ++id,
    fence: () => h.fenced,
    async update(key: Buffer, hash: number, _reqEpoch: bigint, updater: Updater): Promise<OpResult> {
      h.updates++;
      await Promise.resolve();
      const sk = encodeDataKey(key, hash);
      const raw = await store.get(sk);
      const decision = updater(raw ? decodeRecord(raw) : undefined, Date.now());
      if ('error' in decision) return errorResult(decision.error);
      if (!('write' in decision)) return decision.reply;
      const v = ++version;
      const w = decision.write(v);
      store.put(sk, encodeRecord({ version: v, tombstone: w.tombstone ?? false, expiresAtMs: 0, value: w.value }));
      return decision.reply(v);
    },
  };
  return h satisfies QueueHost;
}

const HASH = keyHash(queueKey('Q'));
const op = (fields: Partial<QueueOp__Output>): QueueOp__Output => ({
  name: 'Q', deadLetters: false, body: Buffer.alloc(0), visibilityTimeoutMs: '1000', waitMs: '0', maxDeliveries: 0, id: '0',
  version: '0', delayMs: '0', ...fields,
}) as QueueOp__Output;
const receipt = (r: OpResult) => ({ id: String(r.id), version: String(r.version) });
const run = (q: QueueEngine, fields: Partial<QueueOp__Output>, signal?: AbortSignal) => q.run(op(fields), HASH, 1n, signal);
const push = (q: QueueEngine, body: string) => run(q, { action: 'PUSH', body: Buffer.from(body) });
const pop = (q: QueueEngine, fields: Partial<QueueOp__Output> = {}, signal?: AbortSignal) => run(q, { action: 'POP', ...fields }, signal);

describe('QueueEngine', () => {
  it('delivers in push order, hides a delivered message, and deletes it on ack', async () => {
    const h = host();
    const q = new QueueEngine(h);
    for (const b of ['a', 'b', 'c']) expect((await push(q, b)).errorCode).toBe('');
    const first = await pop(q);
    expect(first).toMatchObject({ found: true, deliveries: 1 });
    expect(String(first.value)).toBe('a');
    expect(String((await pop(q)).value)).toBe('b');
    expect((await run(q, { action: 'ACK', ...receipt(first) })).found).toBe(true);
    expect(q.indexedMessages()).toEqual({ queues: 1, queued: 2, deadLetters: 0 });
    // The same receipt again: the message is gone.
    expect((await run(q, { action: 'ACK', ...receipt(first) })).errorCode).toBe(ErrorCode.STALE_RECEIPT);
  });

  it('answers with the fence result and touches nothing when the node may not serve the queue', async () => {
    const h = host();
    const q = new QueueEngine(h);
    h.fenced = errorResult(new RingKvError(ErrorCode.WRONG_OWNER, 'not here'), 3n);
    expect(await push(q, 'x')).toMatchObject({ errorCode: 'WRONG_OWNER', epoch: '3' });
    expect(h.updates).toBe(0);
  });

  it('redelivers a nacked message, and refuses the receipt of an earlier delivery', async () => {
    const q = new QueueEngine(host());
    await push(q, 'm');
    const d1 = await pop(q);
    const nacked = await run(q, { action: 'NACK', ...receipt(d1) });
    expect(nacked.found).toBe(true);
    const d2 = await pop(q);
    expect(d2).toMatchObject({ found: true, id: d1.id, deliveries: 2 });
    expect((await run(q, { action: 'ACK', ...receipt(d1) })).errorCode).toBe(ErrorCode.STALE_RECEIPT);
    expect((await run(q, { action: 'ACK', ...receipt(d2) })).found).toBe(true);
  });

  it('moves a message delivered maxDeliveries times to the dead letters on the next pop', async () => {
    const q = new QueueEngine(host());
    await push(q, 'poison');
    const d1 = await pop(q, { maxDeliveries: 1, visibilityTimeoutMs: '1' });
    expect(d1.found).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    expect((await pop(q, { maxDeliveries: 1 })).found).toBe(false);
    const dead = await pop(q, { deadLetters: true });
    expect(String(dead.value)).toBe('poison');
    expect(q.indexedMessages()).toMatchObject({ queued: 0, deadLetters: 1 });
  });

  it('wakes a blocking pop on a push, and ends it on close', async () => {
    const q = new QueueEngine(host());
    const waiting = pop(q, { waitMs: '5000' });
    await new Promise((r) => setTimeout(r, 20));
    await push(q, 'late');
    expect(String((await waiting).value)).toBe('late');
    const blocked = pop(q, { waitMs: '5000' });
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    q.close();
    expect((await blocked).found).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('ends a blocking pop when its signal aborts', async () => {
    const q = new QueueEngine(host());
    const ac = new AbortController();
    const blocked = pop(q, { waitMs: '5000' }, ac.signal);
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    ac.abort();
    expect((await blocked).found).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rebuilds an invalidated index from storage before its next operation', async () => {
    const h = host();
    const q = new QueueEngine(h);
    await push(q, 'a');
    const stats = () => run(q, { action: 'STATS' }).then((r) => r.queueStats!);
    expect((await stats()).ready).toBe('1');
    // Storage changed behind the index (as after a migration brought records in): only a rebuild sees it.
    for (const [k, v] of [...h.store.data]) {
      const r = decodeRecord(v);
      h.store.data.set(k, encodeRecord({ ...r, tombstone: true, value: Buffer.alloc(0) }));
    }
    expect((await stats()).ready).toBe('1');
    q.invalidate((hash) => hash === HASH);
    expect((await stats()).ready).toBe('0');
  });

  it('drops the index of an empty idle queue', async () => {
    const q = new QueueEngine(host());
    const d = await push(q, 'x').then(() => pop(q));
    expect(q.indexedMessages().queues).toBe(1);
    await run(q, { action: 'ACK', ...receipt(d) });
    expect(q.indexedMessages()).toEqual({ queues: 0, queued: 0, deadLetters: 0 });
  });

  it('fails an operation on a corrupt record and rebuilds the index next time', async () => {
    const h = host();
    const q = new QueueEngine(h);
    await push(q, 'a');
    const [[k]] = [...h.store.data];
    h.store.data.set(k!, encodeRecord({ version: 1n, tombstone: false, expiresAtMs: 0, value: Buffer.from('junk') }));
    q.invalidate();
    expect((await pop(q)).errorCode).toBe(ErrorCode.INTERNAL);
    h.store.data.delete(k!);
    expect(await push(q, 'b')).toMatchObject({ errorCode: '' });
    expect(String((await pop(q)).value)).toBe('b');
  });

  it('answers an unknown action with INVALID_ARGUMENT', async () => {
    const q = new QueueEngine(host());
    expect((await run(q, { action: 'BOGUS' as QueueOp__Output['action'] })).errorCode).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
