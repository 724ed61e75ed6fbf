import { ErrorCode, RingKvError, ringOf, type ClusterMap, type Logger, type Ring } from '@ringkv/core';
import { ShardClient, type ShardClientOptions } from './shard-client.js';
import type { MapStore } from './map-store.js';

/**
 * The router's view of the cluster: the current map, its ring, and a client per shard.
 * Maps only move forward (higher epoch, same cluster id) and are persisted before use.
 */
export class Topology {
  readonly #store: MapStore;
  readonly #log: Logger;
  readonly #shardOptions: ShardClientOptions;
  readonly #shards = new Map<string, ShardClient>();
  readonly #reconciling = new Map<string, Promise<void>>();
  #map: ClusterMap;
  #ring: Ring;

  constructor(map: ClusterMap, store: MapStore, log: Logger, shardOptions: ShardClientOptions) {
    this.#map = map;
    this.#ring = ringOf(map);
    this.#store = store;
    this.#log = log;
    this.#shardOptions = shardOptions;
    this.#syncShards();
  }

  get map(): ClusterMap {
    return this.#map;
  }

  get epoch(): bigint {
    return this.#map.epoch;
  }

  get ring(): Ring {
    return this.#ring;
  }

  shard(id: string): ShardClient {
    const s = this.#shards.get(id);
    if (!s) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${id} at epoch ${this.epoch}`);
    return s;
  }

  ownerOf(hash: number): ShardClient {
    return this.shard(this.#ring.ownerOf(hash));
  }

  shards(): ShardClient[] {
    return [...this.#shards.values()];
  }

  /** Adopts a newer map of this cluster; returns whether it changed anything. */
  async adopt(map: ClusterMap): Promise<boolean> {
    if (map.clusterId !== this.#map.clusterId) {
      this.#log.error({ theirs: map.clusterId, ours: this.#map.clusterId }, 'ignoring a map of another cluster');
      return false;
    }
    if (map.epoch <= this.#map.epoch) return false;
    await this.#store.save(map);
    if (map.epoch <= this.#map.epoch) return false;
    this.#map = map;
    this.#ring = ringOf(map);
    this.#syncShards();
    this.#log.info({ epoch: map.epoch.toString() }, 'cluster map adopted');
    return true;
  }

  /**
   * A node answered WRONG_OWNER at `nodeEpoch`: if it is behind, give it our map; if it is
   * ahead, fetch its map. One reconciliation per shard at a time.
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
      const theirs = nodeEpoch < this.epoch ? await shard.updateClusterMap(this.#map) : await shard.getClusterMap();
      if (theirs) await this.adopt(theirs);
    } catch (err) {
      this.#log.warn({ err, shard: shardId }, 'map reconciliation failed');
    }
  }

  /** Offers the current map to every shard (best effort; laggards catch up on WRONG_OWNER). */
  async pushMapToAll(): Promise<void> {
    await Promise.all(this.shards().map(async (s) => {
      try {
        const theirs = await s.updateClusterMap(this.#map);
        if (theirs) await this.adopt(theirs);
      } catch (err) {
        this.#log.warn({ shard: s.id, err: (err as Error).message }, 'could not push the cluster map');
      }
    }));
  }

  #syncShards(): void {
    const wanted = new Map(this.#map.members.map((m) => [m.id, m]));
    for (const [id, client] of this.#shards) {
      const m = wanted.get(id);
      if (!m || m.address !== client.address) {
        client.close();
        this.#shards.delete(id);
      }
    }
    for (const m of this.#map.members) {
      if (!this.#shards.has(m.id)) this.#shards.set(m.id, new ShardClient(m, () => this.epoch, this.#shardOptions));
    }
  }

  close(): void {
    for (const s of this.#shards.values()) s.close();
    this.#shards.clear();
  }
}
