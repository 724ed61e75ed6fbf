import { arcRanges, dataRangeOfHashes, type Arc, type Logger, type OpResult, type Ownership } from '@ringkv/core';
import type { LevelStore } from './level-store.js';
import { droppedRanges } from './node-arcs.js';
import { EXPIRY_INDEX, TOMBSTONE_INDEX, indexBound, storageKeyOfIndexKey } from './storage-format.js';
import type { WriteItem } from './write-apply.js';

export interface HousekeepingOptions {
  nodeId: string;
  store: Pick<LevelStore, 'entries' | 'batch'>;
  /** Queues an item on the node's write queue: purges and drops are decided when applied, against the map then in force. */
  push(item: WriteItem): void;
  /** The map in force (see OwnershipFence.ownership). */
  ownership(): Ownership | undefined;
  /** How often expired keys and old tombstones are purged. */
  sweepIntervalMs: number;
  /** How long tombstones are kept before purging. */
  tombstoneGraceMs: number;
  logger?: Logger;
}

/**
 * The background work of a node's storage: the sweep (expired keys, tombstones past their
 * grace period, found through their indexes so it never scans the data), the cleanup of
 * ranges the node no longer keeps, and the clearing of ranges a copy is about to fill.
 * `close()` stops it and resolves once the work in progress has stopped.
 */
export class Housekeeping {
  readonly #options: HousekeepingOptions;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #sweep: Promise<void> | undefined;
  #cleanup: Promise<void> | undefined;
  readonly #cleanupQueue: Arc[] = [];

  constructor(options: HousekeepingOptions) {
    this.#options = options;
  }

  /** Starts the periodic sweep and cleans up whatever the map in force says this node does not keep. */
  start(): void {
    this.#running = true;
    this.#timer = setInterval(() => void this.sweep(), this.#options.sweepIntervalMs);
    this.#timer.unref();
    this.scheduleCleanup(undefined);
  }

  /** Purges expired keys and tombstones past their grace period, through the write queue; one sweep at a time. */
  sweep(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    this.#sweep ??= this.#runSweep().finally(() => {
      this.#sweep = undefined;
    });
    return this.#sweep;
  }

  async #runSweep(): Promise<void> {
    const { push, tombstoneGraceMs } = this.#options;
    try {
      const now = Date.now();
      const jobs: Promise<OpResult>[] = [];
      const queue = (prefix: Buffer, keys: Buffer[], tombstone: boolean) => {
        for (const ik of keys) {
          const storageKey = storageKeyOfIndexKey(prefix, ik);
          jobs.push(new Promise((done) => push({ kind: 'purge', storageKey, indexKey: ik, tombstone, done })));
        }
      };
      queue(EXPIRY_INDEX, await this.#indexDue(EXPIRY_INDEX, now), false);
      // Tombstones stay while any arc is migrating, so a delete cannot be undone by a copy.
      const map = this.#options.ownership()?.map;
      if (map && map.migrations.length === 0 && !map.replicaStates.some((r) => r.state === 'catching_up')) {
        queue(TOMBSTONE_INDEX, await this.#indexDue(TOMBSTONE_INDEX, now - tombstoneGraceMs), true);
      }
      await Promise.all(jobs);
    } catch (err) {
      this.#options.logger?.warn({ err }, 'sweep failed');
    }
  }

  async #indexDue(prefix: Buffer, untilMs: number): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for await (const [ik] of this.#options.store.entries({ gte: prefix, lt: indexBound(prefix, untilMs + 1), limit: 1000 })) {
      out.push(ik);
    }
    return out;
  }

  /**
   * Deletes what this node holds but neither serves nor is receiving: an arc's range after it
   * was handed off, or leftovers of an interrupted migration (everything it does not keep, with
   * no `previous` map). Each key is re-checked against the map in force when its delete is applied.
   */
  scheduleCleanup(previous: Ownership | undefined): void {
    const own = this.#options.ownership();
    if (!own) return;
    for (const range of droppedRanges(this.#options.nodeId, previous, own)) this.#cleanupQueue.push(range);
    if (this.#cleanup || this.#cleanupQueue.length === 0 || !this.#running) return;
    this.#cleanup = (async () => {
      try {
        while (this.#cleanupQueue.length > 0 && this.#running) {
          const ranges = this.#cleanupQueue.splice(0);
          try {
            await this.#cleanupRanges(ranges);
          } catch (err) {
            this.#options.logger?.warn({ err }, 'cleanup failed');
          }
        }
      } finally {
        this.#cleanup = undefined;
      }
    })();
  }

  async #cleanupRanges(ranges: Arc[]): Promise<void> {
    const { store, push } = this.#options;
    let dropped = 0;
    for (const iv of ranges) {
      for (const [from, to] of arcRanges(iv)) {
        let batch: Promise<OpResult>[] = [];
        for await (const [sk] of store.entries(dataRangeOfHashes(from, to))) {
          if (!this.#running) return;
          const storageKey = Buffer.from(sk);
          batch.push(new Promise((done) => push({ kind: 'drop', storageKey, hash: sk.readUInt32BE(1), done })));
          if (batch.length >= 1000) {
            dropped += (await Promise.all(batch)).filter((r) => r.found).length;
            batch = [];
          }
        }
        dropped += (await Promise.all(batch)).filter((r) => r.found).length;
      }
    }
    const epoch = this.#options.ownership()?.epoch ?? 0n;
    if (dropped > 0) this.#options.logger?.info({ dropped, epoch: epoch.toString() }, 'deleted keys this node no longer owns');
  }

  /**
   * Deletes every record in the arcs (tombstones included), in batches, straight to the store
   * (not through the write queue): an install does it before anything is copied into them.
   */
  async clearRanges(arcs: Arc[]): Promise<void> {
    const { store } = this.#options;
    let cleared = 0;
    for (const arc of arcs) {
      for (const [from, to] of arcRanges(arc)) {
        let batch: Array<{ type: 'del'; key: Buffer }> = [];
        for await (const [sk] of store.entries(dataRangeOfHashes(from, to))) {
          batch.push({ type: 'del', key: Buffer.from(sk) });
          if (batch.length >= 1000) {
            await store.batch(batch, false);
            cleared += batch.length;
            batch = [];
          }
        }
        if (batch.length > 0) await store.batch(batch, false);
        cleared += batch.length;
      }
    }
    if (cleared > 0) this.#options.logger?.info({ cleared, arcs: arcs.length }, 'cleared incoming arcs before copying');
  }

  /** Stops the sweep timer and the cleanup; resolves once the sweep and cleanup in progress have ended. */
  async close(): Promise<void> {
    this.#running = false;
    clearInterval(this.#timer);
    await Promise.all([this.#sweep, this.#cleanup]);
  }
}
