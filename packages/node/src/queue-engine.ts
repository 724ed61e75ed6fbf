import {
  ErrorCode, QueueLane, RingKvError, asRingKvError, decodeRecord, encodeDataKey, queueMessageKey,
  type OpResult, type QueueOp__Output, type StoredRecord,
} from '@ringkv/core';
import { QueueState, findIndex, insertById, type Msg, type QueueStore } from './queue-index.js';
import { decodeMessage, encodeMessage, type MessageHeader } from './queue-record.js';
import { OK, errorResult } from './storage-format.js';
import type { Updater } from './write-apply.js';

/** What an operation answers, once its writes are applied. */
interface Outcome {
  result: OpResult;
  /** An empty pop: when the next message becomes visible, if any is waiting. */
  nextVisibleAtMs: number | undefined;
}

/** An operation decided and submitted: `done` settles once its writes are applied. */
interface Submitted {
  done: Promise<Outcome>;
}

const answered = (result: OpResult, nextVisibleAtMs?: number): Submitted => ({ done: Promise.resolve({ result, nextVisibleAtMs }) });

/** What the queue engine needs from its storage engine. */
export interface QueueHost {
  readonly store: QueueStore;
  /** Queues an update of `key` through the write queue (fenced at `reqEpoch`, forwarded to migration targets). */
  update(key: Buffer, hash: number, reqEpoch: bigint, updater: Updater): Promise<OpResult>;
  /** A fresh clock value: strictly above every version this node has stamped or ingested. */
  nextId(): bigint;
  /** The ownership fence: a result to answer with when the node may not serve `hash` now. */
  fence(reqEpoch: bigint, hash: number): OpResult | undefined;
}

const laneOf = (op: QueueOp__Output) => (op.deadLetters ? QueueLane.DEAD : QueueLane.MAIN);

const failed = (r: OpResult) => r.errorCode !== '' && r.errorCode !== undefined;

/**
 * The queues a node owns. Every message of a queue is one record under the queue's hash tag,
 * so a queue is placed, migrated, persisted and fenced like any key; each write goes through
 * the node's write queue as an atomic read-modify-write of one message record. The engine
 * keeps an index per queue (ids, versions, visibility; no bodies), serializes the operations
 * of one queue, and rebuilds the index from storage whenever the cluster map changes.
 *
 * Delivery is at-least-once: pop makes a message invisible for its visibility timeout and
 * names that delivery's record version in the receipt; ack deletes the message only if that
 * delivery is still the latest; an unacknowledged message becomes visible again.
 */
export class QueueEngine {
  readonly #host: QueueHost;
  readonly #states = new Map<string, QueueState>();
  #closed = false;

  constructor(host: QueueHost) {
    this.#host = host;
  }

  /**
   * Runs one queue operation (already validated and fenced once by the caller). `signal` ends a
   * blocking pop's wait early (its caller went away): it then answers with no message.
   */
  async run(op: QueueOp__Output, hash: number, reqEpoch: bigint, signal?: AbortSignal): Promise<OpResult> {
    const state = this.#state(op.name, hash);
    try {
      return await this.#run(state, op, hash, reqEpoch, signal);
    } finally {
      // An empty, idle queue's index is dropped: names used once do not stay in memory.
      if (state.pending === 0 && state.inflight.size === 0 && state.waiters.size === 0
        && state.lanes[0].length === 0 && state.lanes[1].length === 0 && this.#states.get(op.name) === state) {
        this.#states.delete(op.name);
      }
    }
  }

  async #run(state: QueueState, op: QueueOp__Output, hash: number, reqEpoch: bigint, signal: AbortSignal | undefined): Promise<OpResult> {
    // The queue's turn covers deciding and submitting an operation's writes, not waiting for
    // them to be applied: the next operation decides against an index that marks the messages
    // with writes in flight, so the operations of one queue share LevelDB batches.
    const once = async (): Promise<Outcome> => {
      const { done } = await state.serialize(async (): Promise<Submitted> => {
        const fenced = this.#host.fence(reqEpoch, hash);
        if (fenced) return answered(fenced);
        try {
          if (state.stale) {
            await state.settled();
            await state.load(this.#host.store, hash);
          }
          return await this.#apply(state, op, hash, reqEpoch);
        } catch (err) {
          // A corrupt record or a failed read: this operation fails, the index is rebuilt next time.
          state.stale = true;
          return answered(errorResult(asRingKvError(err)));
        }
      });
      return done;
    };
    if (op.action !== 'POP' || Number(op.waitMs) === 0) return (await once()).result;
    // A blocking pop: try, then wait outside the queue's turn for a push, the next message
    // to become visible, a map change or the end of the wait, and try again.
    const until = Date.now() + Number(op.waitMs);
    for (;;) {
      const { result, nextVisibleAtMs } = await once();
      const left = until - Date.now();
      if (result.found || failed(result) || left <= 0 || this.#closed || signal?.aborted) return result;
      await this.#wait(state, Math.min(left, nextVisibleAtMs === undefined ? left : Math.max(1, nextVisibleAtMs - Date.now())), signal);
    }
  }

  /**
   * The map changed: the index of every queue whose arc changed hands (or migration state) is
   * rebuilt from storage before its next use, and its blocking pops look again.
   */
  invalidate(changed: (hash: number) => boolean = () => true): void {
    for (const [name, state] of this.#states) {
      if (!changed(state.hash)) continue;
      state.stale = true;
      if (state.pending === 0 && state.waiters.size === 0) this.#states.delete(name);
      else state.wake();
    }
  }

  /**
   * Messages in the in-memory indexes, by lane (queued = ready or in flight): of the queues
   * used since their arc last changed (an index is loaded on a queue's first operation), not
   * of every queue on disk.
   */
  indexedMessages(): { queues: number; queued: number; deadLetters: number } {
    let queued = 0;
    let deadLetters = 0;
    for (const s of this.#states.values()) {
      queued += s.lanes[QueueLane.MAIN].length;
      deadLetters += s.lanes[QueueLane.DEAD].length;
    }
    return { queues: this.#states.size, queued, deadLetters };
  }

  /** Ends blocking pops (they answer with no message). */
  close(): void {
    this.#closed = true;
    for (const state of this.#states.values()) state.wake();
  }

  #state(name: string, hash: number): QueueState {
    let s = this.#states.get(name);
    if (!s) this.#states.set(name, (s = new QueueState(name, hash)));
    return s;
  }

  #wait(state: QueueState, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        state.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      state.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Decides one operation against the index and submits its writes; `done` settles when they are applied. */
  async #apply(state: QueueState, op: QueueOp__Output, hash: number, reqEpoch: bigint): Promise<Submitted> {
    const lane = laneOf(op);
    const msgs = state.lanes[lane];
    // Submitted at once (the write queue keeps their order); tracked until applied. A failed
    // write may still have been applied (UNAVAILABLE: applied here, not yet copied to a
    // migration target): the index is rebuilt from storage before the next operation.
    const update = (id: bigint, l: QueueLane, updater: Updater): Promise<OpResult> => {
      const p = this.#host.update(queueMessageKey(state.name, l, id), hash, reqEpoch, updater).then((result) => {
        if (failed(result)) state.stale = true;
        return result;
      });
      state.inflight.add(p);
      void p.finally(() => state.inflight.delete(p));
      return p;
    };
    switch (op.action) {
      case 'PUSH': {
        const last = msgs[msgs.length - 1]?.id ?? 0n;
        let id = this.#host.nextId();
        if (id <= last) id = last + 1n;
        if (id <= state.lastId) id = state.lastId + 1n;
        state.lastId = id;
        const now = Date.now();
        const header: MessageHeader = { visibleAtMs: 0, deliveries: 0, enqueuedAtMs: now };
        const done = update(id, lane, (current) => (current && !current.tombstone
          ? { error: new RingKvError(ErrorCode.INTERNAL, `queue "${state.name}" already holds message ${id}`) }
          : { write: () => ({ value: encodeMessage(header, op.body) }), reply: (v) => ({ ...OK, id: id.toString(), version: v.toString() }) }))
          .then((result) => {
            if (!failed(result)) {
              insertById(state.lanes[lane], { id, version: BigInt(result.version as string), busy: 0, ...header });
              state.wake();
            }
            return { result, nextVisibleAtMs: undefined };
          });
        return { done };
      }
      case 'POP':
        return this.#pop(state, op, lane, update);
      case 'ACK':
      case 'NACK': {
        const id = BigInt(op.id);
        const version = BigInt(op.version);
        const at = findIndex(msgs, id);
        const msg = at < 0 ? undefined : msgs[at]!;
        if (!msg || msg.version !== version) return answered(staleReceipt(state.name, op, msg === undefined));
        const delay = Number(op.delayMs);
        msg.busy++;
        const done = update(id, lane, (current) => {
          if (!current || current.tombstone || current.version !== version) return { error: staleError(state.name, op, true) };
          if (op.action === 'ACK') return { write: () => ({ value: Buffer.alloc(0), tombstone: true }), reply: () => ({ ...OK, found: true, id: op.id }) };
          const m = decodeMessage(current.value);
          const visibleAtMs = delay > 0 ? Date.now() + delay : 0;
          return {
            write: () => ({ value: encodeMessage({ ...m, visibleAtMs }, m.body) }),
            reply: (v) => ({ ...OK, found: true, id: op.id, version: v.toString() }),
          };
        }).then((result) => {
          msg.busy--;
          if (failed(result)) state.wake();
          if (!failed(result)) {
            if (op.action === 'ACK') {
              const i = findIndex(state.lanes[lane], id);
              if (i >= 0) state.lanes[lane].splice(i, 1);
            } else {
              msg.version = BigInt(result.version as string);
              msg.visibleAtMs = delay > 0 ? Date.now() + delay : 0;
              state.wake();
            }
          }
          return { result, nextVisibleAtMs: undefined };
        });
        return { done };
      }
      case 'STATS': {
        const now = Date.now();
        const ready = msgs.filter((m) => m.visibleAtMs <= now).length;
        const oldest = msgs.reduce((min, m) => Math.min(min, m.enqueuedAtMs), Infinity);
        return answered({
          ...OK,
          found: true,
          queueStats: {
            ready: String(ready),
            inFlight: String(msgs.length - ready),
            deadLetters: String(state.lanes[QueueLane.DEAD].length),
            oldestAgeMs: String(oldest === Infinity ? 0 : Math.max(0, now - oldest)),
          },
        });
      }
      default:
        return answered(errorResult(new RingKvError(ErrorCode.INVALID_ARGUMENT, `unknown queue action ${String(op.action)}`)));
    }
  }

  /**
   * Delivers the visible message with the lowest id (first deliveries are FIFO) that has no
   * write in flight, moving the ones already delivered `maxDeliveries` times to the dead-letter
   * queue on the way (within the queue's turn: a move waits for its two writes).
   */
  async #pop(
    state: QueueState, op: QueueOp__Output, lane: QueueLane,
    update: (id: bigint, lane: QueueLane, updater: Updater) => Promise<OpResult>,
  ): Promise<Submitted> {
    const maxDeliveries = lane === QueueLane.MAIN ? op.maxDeliveries : 0;
    const vt = Number(op.visibilityTimeoutMs);
    for (let i = 0; i < state.lanes[lane].length;) {
      const msgs = state.lanes[lane];
      const msg = msgs[i]!;
      const now = Date.now();
      if (msg.visibleAtMs > now || msg.busy > 0) {
        i++;
        continue;
      }
      if (maxDeliveries > 0 && msg.deliveries >= maxDeliveries) {
        const moved = await this.#deadLetter(state, msg, update);
        if (failed(moved)) return answered(moved);
        // Other operations' writes may have settled meanwhile: look again from the start.
        const j = findIndex(state.lanes[lane], msg.id);
        if (j >= 0) state.lanes[lane].splice(j, 1);
        i = 0;
        continue;
      }
      msg.busy++;
      const done = update(msg.id, lane, (current, at) => {
        if (!current || current.tombstone || current.version !== msg.version) {
          return { error: new RingKvError(ErrorCode.TRY_AGAIN, `queue "${state.name}" changed under its index; reloading`) };
        }
        const m = decodeMessage(current.value);
        const header = { ...m, visibleAtMs: at + vt, deliveries: m.deliveries + 1 };
        return {
          write: () => ({ value: encodeMessage(header, m.body) }),
          reply: (v) => ({
            ...OK, found: true, value: m.body, id: msg.id.toString(), version: v.toString(), deliveries: header.deliveries,
            expiresAtMs: String(header.visibleAtMs),
          }),
        };
      }).then((result) => {
        msg.busy--;
        // Not delivered after all: the message is free again for a waiting pop.
        if (failed(result)) state.wake();
        if (!failed(result)) {
          msg.version = BigInt(result.version as string);
          msg.visibleAtMs = Number(result.expiresAtMs as string);
          msg.deliveries = result.deliveries as number;
        }
        return { result, nextVisibleAtMs: undefined };
      });
      return { done };
    }
    const next = state.lanes[lane].reduce((min, m) => Math.min(min, m.busy > 0 ? Infinity : m.visibleAtMs), Infinity);
    return answered(OK, next === Infinity ? undefined : next);
  }

  /**
   * Moves a message to the dead-letter lane: writes it there, then deletes it here. A crash
   * between the two leaves it in both (delivered again, never lost).
   */
  async #deadLetter(
    state: QueueState, msg: Msg, update: (id: bigint, lane: QueueLane, updater: Updater) => Promise<OpResult>,
  ): Promise<OpResult> {
    const raw = await this.#host.store.get(encodeDataKey(queueMessageKey(state.name, QueueLane.MAIN, msg.id)));
    const record: StoredRecord | undefined = raw ? decodeRecord(raw) : undefined;
    if (!record || record.tombstone || record.version !== msg.version) {
      state.stale = true;
      return errorResult(new RingKvError(ErrorCode.TRY_AGAIN, `queue "${state.name}" changed under its index; reloading`));
    }
    const m = decodeMessage(record.value);
    const header: MessageHeader = { visibleAtMs: 0, deliveries: m.deliveries, enqueuedAtMs: m.enqueuedAtMs };
    const put = await update(msg.id, QueueLane.DEAD, () => ({
      write: () => ({ value: encodeMessage(header, m.body) }), reply: (v) => ({ ...OK, version: v.toString() }),
    }));
    if (failed(put)) return put;
    const del = await update(msg.id, QueueLane.MAIN, (current) => (current && !current.tombstone && current.version === msg.version
      ? { write: () => ({ value: Buffer.alloc(0), tombstone: true }), reply: () => OK }
      : { error: new RingKvError(ErrorCode.TRY_AGAIN, `queue "${state.name}" changed under its index; reloading`) }));
    if (failed(del)) {
      state.stale = true;
      return del;
    }
    const dead = state.lanes[QueueLane.DEAD];
    const entry: Msg = { id: msg.id, version: BigInt(put.version as string), busy: 0, ...header };
    // Already there after a crash between the two writes of an earlier move: replace it.
    const same = findIndex(dead, msg.id);
    const at = dead.findIndex((d) => d.id > msg.id);
    if (same >= 0) dead[same] = entry;
    else if (at < 0) dead.push(entry);
    else dead.splice(at, 0, entry);
    return OK;
  }
}

function staleError(name: string, op: QueueOp__Output, gone: boolean): RingKvError {
  return new RingKvError(ErrorCode.STALE_RECEIPT, gone
    ? `message ${op.id} of queue "${name}" is no longer there (acknowledged, or dead-lettered)`
    : `message ${op.id} of queue "${name}" was delivered again since this receipt (its visibility timeout passed)`);
}

function staleReceipt(name: string, op: QueueOp__Output, gone: boolean): OpResult {
  return errorResult(staleError(name, op, gone));
}
