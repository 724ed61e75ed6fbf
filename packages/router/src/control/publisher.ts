import { ErrorCode, RingKvError, allMembers, type ClusterMap, type Logger } from '@ringkv/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShardClient } from '../shard-client.js';
import type { Topology } from '../topology.js';

export interface PublishOptions {
  /** Shards that get the map before the others (migration targets: they must accept forwarded writes first). */
  first?: Iterable<string>;
  /** Shards not waited for (shards being dropped because they do not answer): they get it in the background. */
  later?: Iterable<string>;
}

/**
 * Pushes committed maps to the storage nodes. Only committed maps are ever pushed, so pushing
 * one again, late, or from a router that is not the coordinator any more is harmless: a node
 * installs only maps newer than its own.
 */
export class MapPublisher {
  readonly #topology: Topology;
  readonly #log: Logger;
  #pushing: Promise<void> | undefined;
  #closed = false;

  constructor(topology: Topology, log: Logger) {
    this.#topology = topology;
    this.#log = log;
  }

  /**
   * Pushes `map` to every shard of the current and the new map; resolves to the ids that did
   * not install it (the `later` ones included). A node that holds a newer map gives it to this
   * router (another commit won meanwhile).
   */
  async publish(map: ClusterMap, options: PublishOptions = {}): Promise<Set<string>> {
    const members = new Map(allMembers(this.#topology.map).concat(allMembers(map)).map((m) => [m.id, m]));
    const temp: ShardClient[] = [];
    const clients = [...members.values()].map((m) => {
      const existing = this.#topology.shards().find((s) => s.id === m.id);
      if (existing && existing.address === m.address) return existing;
      const c = new ShardClient(m, () => map.epoch, this.#topology.shardOptions);
      temp.push(c);
      return c;
    });
    const early = new Set(options.first ?? []);
    const deferred = new Set(options.later ?? []);
    const now = clients.filter((c) => !deferred.has(c.id));
    try {
      const failed = await this.#push(now.filter((c) => early.has(c.id)), map);
      for (const id of await this.#push(now.filter((c) => !early.has(c.id)), map)) failed.add(id);
      for (const c of clients) if (deferred.has(c.id)) failed.add(c.id);
      return failed;
    } finally {
      for (const c of temp) c.close();
    }
  }

  /** Pushes `map` to shards; resolves to the ids that did not take it. */
  async #push(shards: ShardClient[], map: ClusterMap): Promise<Set<string>> {
    const failed = new Set<string>();
    await Promise.all(shards.map(async (s) => {
      try {
        const theirs = await s.updateClusterMap(map);
        if (!theirs || theirs.epoch < map.epoch) failed.add(s.id);
        else if (theirs.epoch > map.epoch) this.#topology.adopt(theirs);
      } catch (err) {
        failed.add(s.id);
        if (err instanceof RingKvError && err.code === ErrorCode.CONFLICT) {
          // The node holds a different map at this epoch: two routers coordinated at once
          // (routers without etcd, both coordinating). Loud: it needs an operator.
          this.#log.error({ shard: s.id, epoch: map.epoch.toString() },
            'a shard holds a different cluster map at this epoch: another router coordinates this cluster too (run several routers on etcd, or the others with --serve-only)');
        }
        this.#log.warn({ shard: s.id, err: (err as Error).message }, 'could not push the cluster map');
      }
    }));
    return failed;
  }

  /**
   * Keeps offering the current map to shards that did not take it (a node started after the
   * router, a transient error), every second for up to `forMs`; one such loop at a time.
   */
  keepPushing(forMs = 60_000): void {
    if (this.#pushing || this.#closed) return;
    this.#pushing = this.pushUntilInstalled(forMs).finally(() => {
      this.#pushing = undefined;
    });
  }

  async pushUntilInstalled(forMs = 60_000): Promise<void> {
    const until = Date.now() + forMs;
    let pending = this.#topology.shards();
    while (pending.length > 0 && !this.#closed) {
      const failed = await this.#push(pending, this.#topology.map);
      pending = this.#topology.shards().filter((s) => failed.has(s.id));
      if (pending.length === 0 || Date.now() > until) return;
      await sleep(1_000, undefined, { ref: false });
    }
  }

  /** Stops the background pushes (one in flight ends at its request deadline; nothing waits for it). */
  close(): void {
    this.#closed = true;
  }
}
