import { ArcState, ErrorCode, RingKvError, type OpResult, type Ownership } from '@ringkv/core';
import { errorResult } from './storage-format.js';

/**
 * What this node may serve and accept, from the cluster map in force: the ownership (primaries,
 * replica states, migrations), the newest epoch whose install completed, and the promotion
 * gate that holds writes back while a newly promoted primary raises its clock (MapInstaller
 * raises and lowers it). Every operation passes `check` or `checkReplicaRead` before it touches
 * storage, and again when its write is applied; `acceptsIngest` decides whom a replica or a
 * migration target takes records from. Nothing else in the node decides these.
 */
export class OwnershipFence {
  readonly nodeId: string;
  #own: Ownership | undefined;
  #settledEpoch = 0n;
  #writeGate: Promise<void> | undefined;
  /** Replicated (factor > 1, or going there): serving as a primary needs the lease. */
  #leased = false;
  /** performance.now() until which this node may serve as a primary. */
  #leaseUntil = 0;
  #grantor = '';
  #leaseMs = 0;
  /** When the last replies to the coordinator's heartbeats were sent, oldest first. */
  readonly #replies: Array<{ grantor: string; seq: bigint; at: number }> = [];

  constructor(nodeId: string) {
    this.nodeId = nodeId;
  }

  /** The map in force (undefined before the node has one). */
  get ownership(): Ownership | undefined {
    return this.#own;
  }

  get epoch(): bigint {
    return this.#own?.epoch ?? 0n;
  }

  /** The newest epoch whose install completed (see ClusterMapReply.settled_epoch). */
  get settledEpoch(): bigint {
    return this.#settledEpoch;
  }

  /** Puts a map in force: from now on every check answers from it. */
  enforce(own: Ownership): void {
    this.#own = own;
    this.#leased = own.map.replicationFactor > 1 || own.map.nextReplicationFactor > 1;
  }

  /**
   * A coordinator heartbeat: `confirmedSeq` names the newest reply of ours it received, so the
   * lease runs `leaseMs` from when we sent that reply (never later than when the coordinator,
   * which fails nobody over before its own copy of that bound, got it).
   */
  heartbeat(grantor: string, confirmedSeq: bigint, leaseMs: number): void {
    if (!grantor || leaseMs <= 0) return;
    const reply = this.#replies.find((r) => r.grantor === grantor && r.seq === confirmedSeq);
    if (!reply) return;
    const until = reply.at + leaseMs;
    if (until > this.#leaseUntil) {
      this.#leaseUntil = until;
      this.#grantor = grantor;
      this.#leaseMs = leaseMs;
    }
  }

  /** Records that the reply to heartbeat `seq` of `grantor` leaves now (call just before sending it). */
  replied(grantor: string, seq: bigint): void {
    if (!grantor) return;
    this.#replies.push({ grantor, seq, at: performance.now() });
    if (this.#replies.length > 16) this.#replies.shift();
  }

  /** The lease as Stats reports it. */
  get lease(): { primary: boolean; held: boolean; remainingMs: number; grantor: string; durationMs: number } {
    const remaining = Math.max(0, this.#leaseUntil - performance.now());
    return { primary: this.#leased, held: remaining > 0, remainingMs: Math.floor(remaining), grantor: this.#grantor, durationMs: this.#leaseMs };
  }

  /** Marks the install of `epoch` complete (the map stored at startup counts as settled). */
  settle(epoch: bigint): void {
    this.#settledEpoch = epoch;
  }

  /** Whether this node is the primary of `hash` in the map in force. */
  owns(hash: number): boolean {
    return this.#own?.ownerOf(hash) === this.nodeId;
  }

  /** The ownership fence: undefined if this node may serve `hash` for a request at `reqEpoch`. */
  check(reqEpoch: bigint, hash: number): OpResult | undefined {
    const own = this.#own;
    if (!own) return errorResult(new RingKvError(ErrorCode.WRONG_OWNER, `node ${this.nodeId} has no cluster map yet`), 0n);
    if (reqEpoch > own.epoch) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `node ${this.nodeId} is at epoch ${own.epoch}, request at ${reqEpoch}`), own.epoch);
    }
    const owner = own.ownerOf(hash);
    if (owner !== this.nodeId) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `key belongs to ${owner} at epoch ${own.epoch}, not ${this.nodeId}`), own.epoch);
    }
    // No in-sync replica (only a coordinator bug could commit that): nobody may serve it.
    if (own.map.replicaStates.length > 0 && own.replicaState(this.nodeId) !== 'in_sync') {
      return errorResult(new RingKvError(ErrorCode.UNAVAILABLE, `no in-sync replica of this key at epoch ${own.epoch}`), own.epoch);
    }
    const move = own.moveOf(hash);
    if (move && move.state === ArcState.HANDOFF && move.from === this.nodeId) {
      return errorResult(new RingKvError(ErrorCode.TRY_AGAIN, `arc is being handed off to ${move.to}`), own.epoch);
    }
    const lapsed = this.leaseLapsed();
    return lapsed ? errorResult(lapsed, own.epoch) : undefined;
  }

  /**
   * Without a live lease (at replication factor > 1) a failover may already have made another
   * replica the primary: a read here could miss a write it acknowledged. Nothing was done, so
   * TRY_AGAIN. Undefined while the lease holds or none is needed.
   */
  leaseLapsed(): RingKvError | undefined {
    if (!this.#leased || performance.now() < this.#leaseUntil) return undefined;
    return new RingKvError(ErrorCode.TRY_AGAIN,
      `node ${this.nodeId} holds no primary lease right now (no confirmed coordinator heartbeat): a failover may be under way`);
  }

  /** The fence of a replica read: any in-sync replica of `hash` may answer. */
  checkReplicaRead(reqEpoch: bigint, hash: number): OpResult | undefined {
    const own = this.#own;
    if (!own || reqEpoch > own.epoch || own.ownerOf(hash) === this.nodeId) return this.check(reqEpoch, hash);
    if (!own.inSyncOf(hash).includes(this.nodeId)) {
      return errorResult(new RingKvError(ErrorCode.WRONG_OWNER,
        `node ${this.nodeId} is not an in-sync replica of this key at epoch ${own.epoch}`), own.epoch);
    }
    return undefined;
  }

  /**
   * Whether this node takes a record of `hash` from `from`. Replication (`replicate`): only
   * from the key's primary in this node's own map, while this node is in sync or catching up,
   * so a deposed primary is refused as soon as this node has the map that deposed it.
   * Otherwise: from the source of a migration copying the arc here, or from the primary while
   * this node catches up.
   */
  acceptsIngest(from: string, hash: number, replicate: boolean): boolean {
    const own = this.#own;
    if (!own) return false;
    const state = own.replicaState(this.nodeId);
    const fromPrimary = own.ownerOf(hash) === from && own.replicasOf(hash).includes(this.nodeId);
    if (replicate) return fromPrimary && state !== 'out_of_sync';
    const move = own.moveOf(hash);
    return (move !== undefined && move.targets.includes(this.nodeId) && move.from === from && move.state !== ArcState.DONE)
      || (fromPrimary && state === 'catching_up');
  }

  /** Set while a promoted primary raises its clock: writes (not reads) wait for it. */
  get writeGate(): Promise<void> | undefined {
    return this.#writeGate;
  }

  /** Holds writes back until the returned function is called. */
  raiseWriteGate(): () => void {
    let lower!: () => void;
    const gate = new Promise<void>((resolve) => {
      lower = resolve;
    });
    this.#writeGate = gate;
    void gate.then(() => {
      if (this.#writeGate === gate) this.#writeGate = undefined;
    });
    return lower;
  }
}
