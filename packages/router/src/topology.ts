import { ErrorCode, Ownership, RingKvError, allMembers, type ClusterMap, type Logger, type Ring } from '@ringkv/core';
import { ShardClient, type ShardClientOptions } from './shard-client.js';

/**
 * The router's read view of the cluster: the map it routes with, its ownership, and a client
 * per shard. Maps only move forward (a higher epoch of the same cluster). Adopting a map is
 * synchronous and never waits on the control plane: commits, elections and publishing live in
 * control/, which hands this view every committed map it learns of.
 */
export class Topology {
  readonly #log: Logger;
  readonly #shardOptions: ShardClientOptions;
  readonly #shards = new Map<string, ShardClient>();
  readonly #reconciling = new Map<string, Promise<void>>();
  readonly #adopted: Array<(map: ClusterMap) => void> = [];
  #own: Ownership;
  #closed = false;
  /**
   * Whether this router may give a node that is behind its map: on etcd only the coordinator
   * does (it pushes in the order migrations need: targets before sources); the others wait
   * for its push. @default always
   */
  mayPush: () => boolean = () => true;

  constructor(map: ClusterMap, log: Logger, shardOptions: ShardClientOptions) {
    this.#own = new Ownership(map);
    this.#log = log;
    this.#shardOptions = shardOptions;
    this.#syncShards();
  }

  get map(): ClusterMap {
    return this.#own.map;
  }

  /** How this router's shard clients connect (deadline, credentials), for one-off clients. */
  get shardOptions(): ShardClientOptions {
    return this.#shardOptions;
  }

  get epoch(): bigint {
    return this.#own.epoch;
  }

  /** The ring of the current members (before any migration in progress completes). */
  get ring(): Ring {
    return this.#own.ring;
  }

  get ownership(): Ownership {
    return this.#own;
  }

  shard(id: string): ShardClient {
    const s = this.#shards.get(id);
    if (!s) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${id} at epoch ${this.epoch}`);
    return s;
  }

  /** The shard serving `hash` at the current epoch. */
  ownerOf(hash: number): ShardClient {
    return this.shard(this.#own.ownerOf(hash));
  }

  shards(): ShardClient[] {
    return [...this.#shards.values()];
  }

  /** Called with every map adopted (the control plane keeps a copy, reports the epoch). */
  onAdopted(listener: (map: ClusterMap) => void): void {
    this.#adopted.push(listener);
  }

  /**
   * Routes with `map` from now on if it is a newer map of this cluster; returns whether it did.
   * Only committed maps reach here: from the map source, a commit of this router, or a node
   * (which holds only maps some coordinator committed).
   */
  adopt(map: ClusterMap): boolean {
    if (this.#closed) return false;
    if (map.clusterId !== this.map.clusterId) {
      this.#log.error({ theirs: map.clusterId, ours: this.map.clusterId }, 'ignoring a map of another cluster');
      return false;
    }
    if (map.epoch <= this.epoch) return false;
    this.#own = new Ownership(map);
    this.#syncShards();
    this.#log.info({ epoch: map.epoch.toString() }, 'cluster map adopted');
    for (const l of this.#adopted) l(map);
    return true;
  }

  /**
   * A node answered WRONG_OWNER (or TRY_AGAIN) at `nodeEpoch`: if it is behind, give it our map;
   * if it is ahead, take its map. One reconciliation per shard at a time.
   */
  reconcile(shardId: string, nodeEpoch: bigint): Promise<void> {
    if (nodeEpoch === this.epoch) return Promise.resolve();
    let p = this.#reconciling.get(shardId);
    if (!p) {
      p = this.#reconcile(shardId, nodeEpoch).finally(() => this.#reconciling.delete(shardId));
      this.#reconciling.set(shardId, p);
    }
    return p;
  }

  async #reconcile(shardId: string, nodeEpoch: bigint): Promise<void> {
    const shard = this.#shards.get(shardId);
    if (!shard) return;
    try {
      if (nodeEpoch < this.epoch && !this.mayPush()) return;
      const theirs = nodeEpoch < this.epoch ? await shard.updateClusterMap(this.map) : await shard.getClusterMap();
      if (theirs) this.adopt(theirs);
    } catch (err) {
      this.#log.warn({ err, shard: shardId }, 'map reconciliation failed');
    }
  }

  /** The newest map of this cluster that any shard holds (a router following without etcd). */
  async newestShardMap(timeoutMs: number): Promise<ClusterMap | undefined> {
    const maps = await Promise.all(this.shards().map((s) => s.getClusterMap(timeoutMs).catch(() => undefined)));
    let best: ClusterMap | undefined;
    for (const m of maps) if (m && m.clusterId === this.map.clusterId && (!best || m.epoch > best.epoch)) best = m;
    return best;
  }

  /**
   * Replaces the client of a shard with a new one (a new connection): after a network
   * partition, the old TCP connection may sit in retransmission backoff for many seconds
   * after the network is back, while a new one connects at once.
   */
  resetShard(id: string): void {
    const old = this.#shards.get(id);
    if (!old) return;
    this.#shards.set(id, new ShardClient({ id: old.id, address: old.address }, () => this.epoch, this.#shardOptions));
    // New requests take the new connection; those already sent on the old one get their own
    // answer or DEADLINE_EXCEEDED (never CLOSED, which would misreport a write in doubt).
    old.retire(this.#shardOptions.requestTimeoutMs + 1_000);
  }

  #syncShards(): void {
    const members = allMembers(this.map);
    const wanted = new Map(members.map((m) => [m.id, m]));
    for (const [id, client] of this.#shards) {
      const m = wanted.get(id);
      if (!m || m.address !== client.address) {
        client.close();
        this.#shards.delete(id);
      }
    }
    for (const m of members) {
      if (!this.#shards.has(m.id)) this.#shards.set(m.id, new ShardClient(m, () => this.epoch, this.#shardOptions));
    }
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#shards.values()) s.close();
    this.#shards.clear();
  }
}
