import { ErrorCode, RingKvError, type OpResult, type Ownership } from '@ringkv/core';
import { errorResult } from './storage-format.js';

/** Keys in doubt beyond this are not tracked one by one: the replicas concerned block every read they replicate. */
const MAX_TRACKED = 100_000;

export interface Doubt {
  key: Buffer;
  hash: number;
  replicas: string[];
}

/**
 * Keys whose last write is applied on this primary but was not acknowledged by some replica
 * (its replication failed, or was refused because a newer map deposed this primary). Such a
 * value may vanish: if this node stops leading the key before that replica has it, the next
 * primary serves the older value. So nothing is answered from it: reads, compare-and-set
 * writes and lock or queue updates of the key get TRY_AGAIN until its outcome is settled,
 * which happens when
 * - a later write of the key is acknowledged by every replica (it overwrites the doubt), or
 * - DoubtRepair re-sends the key's current record to those replicas and they acknowledge it, or
 * - a new map is installed in which every replica that missed it is out of the key's in-sync
 *   set (so every copy that counts has it), or in which this node no longer leads the key.
 * Blind writes (put, delete without a condition) go ahead: they are the client's retry.
 *
 * In memory only: a primary restarted before the coordinator dropped the replica forgets its
 * doubts (the restart is short of a failure timeout, or it would have been dropped itself).
 */
export class WriteDoubts {
  /** Storage key (latin1) -> its key, hash and the replicas that missed its last write (a new entry per miss). */
  readonly #keys = new Map<string, Doubt>();
  /** Called when a key goes into doubt (DoubtRepair schedules itself). */
  onAdded: (() => void) | undefined;
  /** Replicas whose misses overflowed MAX_TRACKED: every key they replicate is in doubt. */
  readonly #all = new Set<string>();

  get size(): number {
    return this.#keys.size;
  }

  /** Nothing in doubt: the check on every read is this one comparison. */
  get empty(): boolean {
    return this.#keys.size === 0 && this.#all.size === 0;
  }

  add(id: string, key: Buffer, hash: number, replicas: string[]): void {
    if (this.#keys.size >= MAX_TRACKED && !this.#keys.has(id)) {
      for (const r of replicas) this.#all.add(r);
    } else {
      this.#keys.set(id, { key, hash, replicas });
    }
    this.onAdded?.();
  }

  /** Up to `limit` keys in doubt, for DoubtRepair. */
  entries(limit: number): Array<[string, Doubt]> {
    const out: Array<[string, Doubt]> = [];
    for (const e of this.#keys) {
      if (out.length >= limit) break;
      out.push(e);
    }
    return out;
  }

  /** Settled by a repair of `doubt`, unless a later miss replaced it meanwhile. */
  clearIf(id: string, doubt: Doubt): void {
    if (this.#keys.get(id) === doubt) this.#keys.delete(id);
  }

  /** A later write of the key reached every replica. */
  clear(id: string): void {
    if (this.#keys.size > 0) this.#keys.delete(id);
  }

  /** The replica whose miss puts key `id` in doubt, if any. */
  blocking(id: string, hash: number, own: Ownership | undefined): string | undefined {
    const d = this.#keys.get(id);
    if (d) return d.replicas[0];
    if (this.#all.size === 0 || !own) return undefined;
    return own.replicationTargetsOf(hash).find((t) => this.#all.has(t));
  }

  /** Why an operation that would depend on a key in doubt is refused. */
  static error(nodeId: string, replica: string): RingKvError {
    return new RingKvError(ErrorCode.TRY_AGAIN,
      `the last write of this key on primary ${nodeId} was not acknowledged by replica ${replica}; its outcome is being settled (failover); retry`);
  }

  /** The answer for an operation that would depend on a key in doubt. */
  static result(nodeId: string, replica: string): OpResult {
    return errorResult(WriteDoubts.error(nodeId, replica));
  }

  /** A new map is in force: drops the doubts it settles (see the class comment). */
  settle(own: Ownership, nodeId: string): void {
    const settled = (hash: number, replicas: string[]) => {
      if (own.ownerOf(hash) !== nodeId) return true;
      const inSync = own.inSyncOf(hash);
      return !replicas.some((r) => inSync.includes(r));
    };
    for (const [id, d] of this.#keys) if (settled(d.hash, d.replicas)) this.#keys.delete(id);
    for (const r of this.#all) if (own.addressOf(r) === undefined || own.replicaState(r) !== 'in_sync') this.#all.delete(r);
  }
}
