import { QueueLane, decodeRecord, encodeDataKey, queueLaneBounds, queueMessageId } from '@ringkv/core';
import type { LevelStore } from './level-store.js';
import { decodeMessage, type MessageHeader } from './queue-record.js';

/** The storage a queue index is loaded from (narrowed so tests can pass a fake). */
export type QueueStore = Pick<LevelStore, 'get' | 'entries'>;

/** What the engine keeps in memory per message: no body. */
export interface Msg extends MessageHeader {
  id: bigint;
  /** Version of the message's record: a receipt names the version of its delivery. */
  version: bigint;
  /** Writes of this message submitted and not yet applied: a pop skips it meanwhile. */
  busy: number;
}

/** Inserts `m` in id order (it almost always goes last). */
export function insertById(lane: Msg[], m: Msg): void {
  let i = lane.length;
  while (i > 0 && lane[i - 1]!.id > m.id) i--;
  if (i > 0 && lane[i - 1]!.id === m.id) lane[i - 1] = m;
  else lane.splice(i, 0, m);
}

export function findIndex(lane: Msg[], id: bigint): number {
  let lo = 0;
  let hi = lane.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = lane[mid]!.id;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** One queue's in-memory index (both lanes), rebuilt from storage after any map change. */
export class QueueState {
  readonly name: string;
  readonly hash: number;
  readonly lanes: [Msg[], Msg[]] = [[], []];
  /** Rebuild from storage before the next operation. */
  stale = true;
  /** Operations waiting for their turn or deciding (their writes may still be in flight after). */
  pending = 0;
  /** Writes submitted and not applied yet. */
  readonly inflight = new Set<Promise<unknown>>();
  /** The highest message id handed out (pushes in flight included). */
  lastId = 0n;
  readonly waiters = new Set<() => void>();
  #tail: Promise<unknown> = Promise.resolve();

  constructor(name: string, hash: number) {
    this.name = name;
    this.hash = hash;
  }

  /** Runs `fn` after every operation queued before it: one operation of a queue at a time. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.#tail.then(fn).finally(() => this.pending--);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once every write submitted so far is applied (before the index is rebuilt). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Rebuilds both lanes from storage (tombstones skipped). */
  async load(store: QueueStore, hash: number): Promise<void> {
    for (const lane of [QueueLane.MAIN, QueueLane.DEAD] as const) {
      const bounds = queueLaneBounds(this.name, lane);
      const msgs: Msg[] = [];
      const range = { gte: encodeDataKey(bounds.gte, hash), lt: encodeDataKey(bounds.lt, hash) };
      for await (const [sk, raw] of store.entries(range)) {
        const record = decodeRecord(raw);
        if (record.tombstone) continue;
        const { body: _body, ...header } = decodeMessage(record.value);
        msgs.push({ id: queueMessageId(sk), version: record.version, busy: 0, ...header });
      }
      this.lanes[lane] = msgs;
    }
    this.stale = false;
  }
}
