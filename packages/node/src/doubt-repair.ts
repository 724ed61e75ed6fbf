import type { Logger, Ownership, RawRecord } from '@ringkv/core';
import type { LevelStore } from './level-store.js';
import type { Forward } from './write-apply.js';
import type { Doubt, WriteDoubts } from './write-doubts.js';

/** Keys re-sent per round. */
const BATCH = 1_000;
/** A round that left keys in doubt is tried again after this long. */
const RETRY_MS = 1_000;

export interface DoubtRepairOptions {
  nodeId: string;
  doubts: WriteDoubts;
  store: Pick<LevelStore, 'getMany'>;
  ownership(): Ownership | undefined;
  /** Sends one replication forward; rejects when the replica does not acknowledge it. */
  send(f: Forward): Promise<void>;
  logger?: Logger;
}

/**
 * Settles keys in doubt (WriteDoubts) whose replica did not get dropped: a replica that was
 * slow once, or that refused a write because it had a newer map before this primary did (every
 * map change can do that to the writes in flight). Each round re-sends the current record of
 * each key in doubt to the replicas that missed it, as a primary's replication (last-writer-wins
 * on the replica, so a newer write that overtakes it is kept), and clears the keys they
 * acknowledged, unless a newer miss replaced the doubt meanwhile. Rounds run soon after a key
 * goes into doubt or a map is installed, and every second while any key stays in doubt.
 */
export class DoubtRepair {
  readonly #o: DoubtRepairOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  /** Rounds run and keys settled by them, for tests and logs. */
  readonly stats = { rounds: 0, settled: 0 };

  constructor(options: DoubtRepairOptions) {
    this.#o = options;
    options.doubts.onAdded = () => this.schedule(RETRY_MS);
  }

  /** A round in `delayMs` (unless one is already due). */
  schedule(delayMs = 0): void {
    if (this.#closed || this.#o.doubts.empty) return;
    if (this.#timer) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) this.#running = this.#round().finally(() => {
        this.#running = undefined;
        this.schedule(RETRY_MS);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    const own = this.#o.ownership();
    const batch = this.#o.doubts.entries(BATCH);
    if (!own || batch.length === 0) return;
    this.stats.rounds++;
    let raws: Array<Buffer | undefined>;
    try {
      raws = await this.#o.store.getMany(batch.map(([id]) => Buffer.from(id, 'latin1')));
    } catch {
      return;
    }
    const perReplica = new Map<string, { records: RawRecord[]; keys: Array<[string, Doubt]> }>();
    batch.forEach(([id, d], j) => {
      const raw = raws[j];
      if (!raw) return;
      for (const r of d.replicas) {
        let g = perReplica.get(r);
        if (!g) perReplica.set(r, (g = { records: [], keys: [] }));
        g.records.push({ key: d.key, record: raw });
        g.keys.push([id, d]);
      }
    });
    const acked = new Map<Doubt, number>();
    await Promise.all([...perReplica].map(async ([replica, g]) => {
      try {
        await this.#o.send({ targetId: replica, epoch: own.epoch, records: g.records, moves: new Set(), replicate: true });
        for (const [, d] of g.keys) acked.set(d, (acked.get(d) ?? 0) + 1);
      } catch {
        // Still missing there: the next round, a drop by the coordinator, or a later write settles it.
      }
    }));
    let settled = 0;
    for (const [id, d] of batch) {
      if (acked.get(d) === d.replicas.length) {
        this.#o.doubts.clearIf(id, d);
        settled++;
      }
    }
    this.stats.settled += settled;
    if (settled > 0) this.#o.logger?.info({ settled, left: this.#o.doubts.size }, 'writes in doubt re-sent to their replicas and settled');
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
