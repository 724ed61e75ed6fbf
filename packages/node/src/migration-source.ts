import {
  arcRanges, dataRangeOfHashes, ErrorCode, RingKvError,
  type Arc, type ArcMoveState, type Ownership, type RawRecord,
} from '@ringkv/core';
import type { LevelStore } from './level-store.js';
import type { PeerPool } from './peer-pool.js';
import type { Forward } from './write-apply.js';
import { arcKey } from './storage-format.js';

export interface ArcProgress {
  /** Index of the arc in the request. */
  arc: number;
  keys: number;
  bytes: number;
  done: boolean;
}

const BATCH_RECORDS = 1000;
const BATCH_BYTES = 1024 * 1024;

/**
 * The source side of arc migration: forwards writes of copying arcs to their targets and
 * streams snapshots. An arc is *clean* once a snapshot that started after its last failed
 * forward has been fully ingested; only clean arcs may finish their hand-off. After a restart
 * nothing is clean, so every unfinished arc is copied again.
 */
export class MigrationSource {
  readonly #nodeId: string;
  readonly #store: LevelStore;
  readonly #peers: PeerPool;
  readonly #ownership: () => Ownership | undefined;
  /** Arcs whose running snapshot has seen no failed forward yet. */
  readonly #pendingClean = new Set<string>();
  readonly #clean = new Set<string>();
  #closed = false;
  /** Records (and their bytes) ingested by targets since start: snapshots, and writes forwarded during a copy. */
  readonly sent = { snapshotKeys: 0, snapshotBytes: 0, forwardedKeys: 0 };

  constructor(nodeId: string, store: LevelStore, peers: PeerPool, ownership: () => Ownership | undefined) {
    this.#nodeId = nodeId;
    this.#store = store;
    this.#peers = peers;
    this.#ownership = ownership;
  }

  /** Whether some target of the arc misses a write: no snapshot to it has completed since its last failed forward. */
  isDirty(arc: Arc, targets: readonly string[]): boolean {
    return targets.some((t) => !this.#clean.has(cleanKey(arc, t)));
  }

  #markDirty(move: Arc, target: string): void {
    const k = cleanKey(move, target);
    this.#pendingClean.delete(k);
    this.#clean.delete(k);
  }

  #addressOf(targetId: string): string {
    const address = this.#ownership()?.addressOf(targetId);
    if (!address) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${targetId} in the cluster map`);
    return address;
  }

  /**
   * Sends each forward; resolves to the keys (`r:ID`, `m:ID`) of those that failed. Migration
   * forwards that fail leave their arcs dirty; replication goes through `replicate`.
   */
  async forward(forwards: Forward[], replicate: (f: Forward) => Promise<void>): Promise<Set<string>> {
    const failed = new Set<string>();
    await Promise.all(forwards.map(async (f) => {
      if (f.replicate) {
        try {
          await replicate(f);
        } catch {
          failed.add(`r:${f.targetId}`);
        }
        return;
      }
      try {
        await this.#peers.ingest(this.#addressOf(f.targetId), f.epoch, this.#nodeId, f.records);
        this.sent.forwardedKeys += f.records.length;
      } catch {
        failed.add(`m:${f.targetId}`);
        for (const m of f.moves) this.#markDirty(m, f.targetId);
      }
    }));
    return failed;
  }

  /**
   * Streams the arcs' records (tombstones included, each arc from one LevelDB snapshot) to the
   * target in batches that may span arcs, at most rateBytesPerSec (0 = unlimited), yielding
   * progress after each batch and when an arc is complete.
   */
  async *snapshot(
    moves: ArcMoveState[], targetId: string, targetAddress: string, epoch: bigint, rateBytesPerSec: number,
    barrier: () => Promise<void>, signal: AbortSignal,
  ): AsyncGenerator<ArcProgress> {
    for (const m of moves) {
      this.#clean.delete(cleanKey(m, targetId));
      this.#pendingClean.add(cleanKey(m, targetId));
    }
    // Every write decided before this point is applied (so in the snapshot) or forwarded.
    await barrier();
    const started = Date.now();
    let total = 0;
    const sent = moves.map(() => ({ keys: 0, bytes: 0 }));
    let pending = moves.map(() => ({ keys: 0, bytes: 0 }));
    let batch: RawRecord[] = [];
    let batchBytes = 0;
    /** Arcs whose every record is in `batch` or already ingested. */
    let complete: number[] = [];
    const flush = async (): Promise<number[]> => {
      if (batch.length > 0) {
        await this.#peers.ingest(targetAddress, epoch, this.#nodeId, batch);
        total += batchBytes;
        this.sent.snapshotKeys += batch.length;
        this.sent.snapshotBytes += batchBytes;
      }
      pending.forEach((p, i) => {
        sent[i]!.keys += p.keys;
        sent[i]!.bytes += p.bytes;
      });
      pending = moves.map(() => ({ keys: 0, bytes: 0 }));
      batch = [];
      batchBytes = 0;
      const done = complete;
      complete = [];
      for (const i of done) {
        const k = cleanKey(moves[i]!, targetId);
        if (this.#pendingClean.delete(k)) this.#clean.add(k);
      }
      if (rateBytesPerSec > 0) {
        const ahead = (total / rateBytesPerSec) * 1000 - (Date.now() - started);
        if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      }
      return done;
    };
    const progress = function* (done: number[], current: number): Generator<ArcProgress> {
      for (const i of done) yield { arc: i, ...sent[i]!, done: true };
      if (current >= 0 && !done.includes(current)) yield { arc: current, ...sent[current]!, done: false };
    };
    for (let i = 0; i < moves.length; i++) {
      for (const [from, to] of arcRanges(moves[i]!)) {
        for await (const [sk, raw] of this.#store.entries(dataRangeOfHashes(from, to))) {
          if (this.#closed || signal.aborted) throw new RingKvError(ErrorCode.CANCELLED, 'migration stream cancelled');
          const size = sk.length - 5 + raw.length;
          batch.push({ key: sk.subarray(5), record: raw });
          batchBytes += size;
          pending[i]!.keys++;
          pending[i]!.bytes += size;
          if (batch.length >= BATCH_RECORDS || batchBytes >= BATCH_BYTES) yield* progress(await flush(), i);
        }
      }
      // Small arcs share batches: an arc is done once the batch holding its last records is in.
      complete.push(i);
    }
    yield* progress(await flush(), -1);
  }

  close(): void {
    this.#closed = true;
  }
}

/** Cleanliness is per (arc, target): a failed forward to one target is not healed by a copy to another. */
function cleanKey(arc: Arc, target: string): string {
  return `${arcKey(arc)}>${target}`;
}
