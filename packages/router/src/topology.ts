import { ErrorCode, Ownership, RingKvError, allMembers, encodeClusterMapJson, validateClusterMap, type ClusterMap, type Logger, type Ring } from '@ringkv/core';
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
  #own: Ownership;
  #commits: Promise<unknown> = Promise.resolve();
  #closed = false;
  #pushing: Promise<void> | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;

  constructor(map: ClusterMap, store: MapStore, log: Logger, shardOptions: ShardClientOptions) {
    this.#own = new Ownership(map);
    this.#store = store;
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

  /** Adopts a newer map of this cluster; returns whether it changed anything. */
  async adopt(map: ClusterMap, save = true, replaceSameEpoch = false): Promise<boolean> {
    if (map.clusterId !== this.map.clusterId) {
      this.#log.error({ theirs: map.clusterId, ours: this.map.clusterId }, 'ignoring a map of another cluster');
      return false;
    }
    const newer = map.epoch > this.epoch || (replaceSameEpoch && map.epoch === this.epoch);
    if (!newer) return false;
    const own = new Ownership(map);
    if (save) await this.#store.save(map, replaceSameEpoch);
    if (map.epoch < this.epoch || (map.epoch === this.epoch && !replaceSameEpoch)) return false;
    this.#own = own;
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
      const theirs = nodeEpoch < this.epoch ? await shard.updateClusterMap(this.map) : await shard.getClusterMap();
      if (theirs) await this.adopt(theirs);
    } catch (err) {
      this.#log.warn({ err, shard: shardId }, 'map reconciliation failed');
    }
  }

  /**
   * Every `intervalMs`, asks each shard for its map and adopts a newer one (a change made
   * through another router). Cheap: one small unary call per shard, skipped while the
   * previous round runs; the timer does not keep the process alive.
   */
  startRefresh(intervalMs: number): void {
    if (this.#refreshTimer || this.#closed) return;
    let running = false;
    this.#refreshTimer = setInterval(() => {
      if (running || this.#closed) return;
      running = true;
      this.refreshFromShards(Math.min(intervalMs, 1_000)).finally(() => {
        running = false;
      });
    }, intervalMs);
    this.#refreshTimer.unref();
  }

  /** One refresh round (see startRefresh); resolves to whether a newer map was adopted. */
  async refreshFromShards(timeoutMs: number): Promise<boolean> {
    const maps = await Promise.all(this.shards().map((s) => s.getClusterMap(timeoutMs).catch(() => undefined)));
    let best: ClusterMap | undefined;
    for (const m of maps) if (m && m.clusterId === this.map.clusterId && (!best || m.epoch > best.epoch)) best = m;
    if (!best || best.epoch <= this.epoch || this.#closed) return false;
    try {
      return await this.adopt(best);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'could not adopt a newer map from the shards');
      return false;
    }
  }

  /**
   * Pushes the map to every shard, retrying the ones that did not take it (a node started
   * after its router) every second for up to `forMs`, so that nodes know their map before
   * the first request reaches them.
   */
  #keepPushing(): void {
    if (this.#pushing) return;
    this.#pushing = this.pushMapUntilInstalled().finally(() => {
      this.#pushing = undefined;
    });
  }

  async pushMapUntilInstalled(forMs = 60_000): Promise<void> {
    const until = Date.now() + forMs;
    let pending = this.shards();
    while (pending.length > 0 && !this.#closed) {
      const map = this.map;
      const failed = await this.#push(pending, map);
      pending = this.shards().filter((s) => failed.has(s.id));
      if (pending.length === 0 || Date.now() > until) return;
      await new Promise((r) => setTimeout(r, 1_000).unref());
    }
  }

  /** Pushes `map` to shards; resolves to the ids that did not take it. */
  async #push(shards: ShardClient[], map: ClusterMap): Promise<Set<string>> {
    const failed = new Set<string>();
    await Promise.all(shards.map(async (s) => {
      try {
        const theirs = await s.updateClusterMap(map);
        if (!theirs || theirs.epoch < map.epoch) failed.add(s.id);
        else if (theirs.epoch > map.epoch) await this.adopt(theirs);
      } catch (err) {
        failed.add(s.id);
        if (err instanceof RingKvError && err.code === ErrorCode.CONFLICT) {
          // The node holds a different map at this epoch: take the cluster's, not ours.
          const theirs = await s.getClusterMap().catch(() => undefined);
          if (theirs) await this.adopt(theirs, true, true);
        }
        this.#log.warn({ shard: s.id, err: (err as Error).message }, 'could not push the cluster map');
      }
    }));
    return failed;
  }

  /**
   * Commits the next epoch: `change` derives the new map from the current one; it is persisted,
   * adopted and pushed to every shard of the old and new map. Rejects with UNAVAILABLE if a
   * shard in `mustAck` did not install it (the commit stands; the caller retries its step).
   * Shards in `first` get the map before the others (for example migration targets, which
   * must accept forwarded writes as soon as a source starts sending them). Shards in `later`
   * (for example shards being dropped because they do not answer) are not waited for: they
   * get the map in the background, after this router has adopted it. Commits are serialized.
   */
  commit(
    change: (current: ClusterMap) => Omit<ClusterMap, 'epoch'>, mustAck: Iterable<string> = [], first: Iterable<string> = [],
    later: Iterable<string> = [],
  ): Promise<ClusterMap> {
    const run = this.#commits.then(async () => {
      const next: ClusterMap = { ...change(this.map), epoch: this.epoch + 1n };
      validateClusterMap(next);
      new Ownership(next); // builds the ring: fails here, before anything is written
      await this.#store.save(next);
      // Nodes first, then this router: until it switches, it routes at the old epoch, which
      // nodes that already have the new one still serve wherever ownership did not change.
      const targets = new Map(allMembers(this.map).concat(allMembers(next)).map((m) => [m.id, m]));
      const temp: ShardClient[] = [];
      const clients = [...targets.values()].map((m) => {
        const existing = this.#shards.get(m.id);
        if (existing && existing.address === m.address) return existing;
        const c = new ShardClient(m, () => next.epoch, this.#shardOptions);
        temp.push(c);
        return c;
      });
      const early = new Set(first);
      const deferred = new Set(later);
      const now = clients.filter((c) => !deferred.has(c.id));
      const failed = await this.#push(now.filter((c) => early.has(c.id)), next);
      for (const id of await this.#push(now.filter((c) => !early.has(c.id)), next)) failed.add(id);
      for (const c of clients) if (deferred.has(c.id)) failed.add(c.id);
      for (const c of temp) c.close();
      // Our own map may already be in force (a reconcile adopted it from a node that had it).
      const ours = this.epoch === next.epoch && encodeClusterMapJson(this.map) === encodeClusterMapJson(next);
      if (this.epoch >= next.epoch && !ours) {
        // A node held a newer map (or another at this epoch): another router changed the
        // cluster meanwhile. Ours is void; the newer one was adopted by #push.
        throw new RingKvError(ErrorCode.CONFLICT,
          `the cluster map moved to epoch ${this.epoch} through another router; this change was not applied — retry`);
      }
      await this.adopt(next, false);
      // A shard that missed this epoch (a transient error) keeps getting it in the background:
      // a source that missed a DONE would otherwise refuse its old arc with TRY_AGAIN for good.
      if (failed.size > 0) this.#keepPushing();
      const missing = [...mustAck].filter((id) => failed.has(id));
      if (missing.length > 0) {
        throw new RingKvError(ErrorCode.UNAVAILABLE, `epoch ${next.epoch} not installed on ${missing.join(', ')}`);
      }
      return next;
    });
    this.#commits = run.catch(() => undefined);
    return run;
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
    old.close();
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
    clearInterval(this.#refreshTimer);
    for (const s of this.#shards.values()) s.close();
    this.#shards.clear();
  }
}
