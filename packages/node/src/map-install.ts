import {
  ArcState, ErrorCode, Ownership, RingKvError, allMembers, encodeClusterMapJson,
  type Arc, type ArcMoveState, type ClusterMap, type HybridLogicalClock, type Logger,
} from '@ringkv/core';
import type { Housekeeping } from './housekeeping.js';
import type { LevelStore } from './level-store.js';
import { replicatedArcs } from './node-arcs.js';
import type { OwnershipFence } from './ownership-fence.js';
import type { PeerPool } from './peer-pool.js';
import { MAP_KEY } from './storage-format.js';

/** How long a promoted primary's writes wait, at most, for the other in-sync replicas' clocks. */
const CLOCK_SYNC_MS = 1_500;

export interface MapInstallHost {
  nodeId: string;
  store: Pick<LevelStore, 'batch'>;
  fence: OwnershipFence;
  peers: Pick<PeerPool, 'retain' | 'clockOf'>;
  clock: Pick<HybridLogicalClock, 'observe'>;
  housekeeping: Pick<Housekeeping, 'clearRanges' | 'scheduleCleanup'>;
  /** The queue indexes of the queues at hashes where `changed` holds are rebuilt before their next use. */
  invalidateQueues(changed: (hash: number) => boolean): void;
  /** A new map is in force (right after the fence enforces it). */
  installed(own: Ownership): void;
  /** Resolves once every write queued before it has been applied and forwarded. */
  barrier(): Promise<void>;
  logger?: Logger;
}

/**
 * Whether `map` replaces `current`: false when it is not newer (the current map stays).
 * Throws for a map of another cluster, or a different map at the same epoch.
 */
export function isNewerMap(nodeId: string, current: ClusterMap | undefined, map: ClusterMap): boolean {
  if (current && current.clusterId !== map.clusterId) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
      `node ${nodeId} belongs to cluster ${current.clusterId}, not ${map.clusterId}`);
  }
  if (current && map.epoch === current.epoch && encodeClusterMapJson(map) !== encodeClusterMapJson(current)) {
    // Two coordinators committed different maps at one epoch: refuse, so neither is mistaken for the other.
    throw new RingKvError(ErrorCode.CONFLICT, `node ${nodeId} already holds a different map at epoch ${map.epoch}`, { epoch: map.epoch });
  }
  return !current || map.epoch > current.epoch;
}

/** What installing `next` over `previous` takes on this node, decided before anything is done. */
export interface InstallPlan {
  /**
   * This node starts catching up: it clears every arc it replicates before the map is saved
   * and in force, as a migration target does, and the primaries copy them back.
   */
  clearBeforeSave: Arc[] | undefined;
  /** A failover made this node the primary of arcs it did not lead: writes wait for its clock sync. */
  promoted: boolean;
  /** Copies to this node that start with this map: cleared once it is in force. */
  incoming: ArcMoveState[];
  /** Writes decided under the old map must be applied and forwarded before the install completes. */
  barrier: boolean;
  /** Hashes whose owner or migration state changed: queue indexes there are rebuilt. */
  changed(hash: number): boolean;
}

export function planInstall(nodeId: string, previous: Ownership | undefined, own: Ownership): InstallPlan {
  const map = own.map;
  const before = new Map(previous?.map.migrations.map((m) => [`${m.start}:${m.end}`, m.state]) ?? []);
  // A replica that starts catching up clears what it replicates, for the same reason as a
  // migration target (below): the primaries then copy it back. Done before the map is
  // saved and in force, so no copied record can be cleared, and a crash meanwhile redoes it
  // (the coordinating router sends this map here first).
  const since = (o: Ownership | undefined) => o?.map.replicaStates.find((r) => r.id === nodeId)?.since ?? 0n;
  const catchUpStarts = own.replicaState(nodeId) === 'catching_up'
    && (previous?.replicaState(nodeId) !== 'catching_up' || since(previous) !== since(own));
  // Promoted (a failover made this node the primary of arcs it did not lead): versions start
  // above every version the other in-sync replicas hold, so an unacknowledged write the old
  // primary stamped and left on one of them cannot win over this node's acknowledged ones.
  const promoted = previous !== undefined && !sameReplicaStates(previous.map, map)
    && [...own.intervals()].some((iv) => iv.owner === nodeId && previous.ownerOf(iv.end) !== nodeId);
  // A target starts every copy of an arc from empty: whatever it still holds there (an
  // earlier attempt, or the days it owned the arc before) could hold values whose deletes
  // the source has since purged, and last-writer-wins could not undo them. Targets get the
  // COPYING epoch before sources, so nothing is forwarded before this is done.
  const startsCopying = (m: ArcMoveState) => m.state === ArcState.COPYING && before.get(`${m.start}:${m.end}`) !== ArcState.COPYING;
  const incoming = map.migrations.filter((m) => m.targets.includes(nodeId) && startsCopying(m));
  // Only a source that starts forwarding (COPYING) or refusing (HANDOFF) an arc must wait
  // for the writes decided under the old map; everyone else answers at once.
  const sourceChanged = map.migrations.some((m) => m.from === nodeId && before.get(`${m.start}:${m.end}`) !== m.state
    && (m.state === ArcState.COPYING || m.state === ArcState.HANDOFF));
  // A replica promoted to primary first applies the replicated writes it accepted under the
  // old map; a deposed primary finishes the forwards it started.
  const replicasChanged = !previous || !sameReplicaStates(previous.map, map)
    || previous.map.replicationFactor !== map.replicationFactor;
  return {
    clearBeforeSave: catchUpStarts ? replicatedArcs(own, nodeId, () => true) : undefined,
    promoted,
    incoming,
    barrier: sourceChanged || replicasChanged,
    changed: (h) => !previous || previous.ownerOf(h) !== own.ownerOf(h)
      || previous.moveOf(h)?.state !== own.moveOf(h)?.state || previous.moveOf(h)?.to !== own.moveOf(h)?.to,
  };
}

function sameReplicaStates(a: ClusterMap, b: ClusterMap): boolean {
  const key = (m: ClusterMap) => m.replicaStates.map((r) => `${r.id}:${r.state}:${r.since ?? ''}`).join(',');
  return key(a) === key(b);
}

/**
 * Installs cluster maps on a node, one at a time (so an older map can never be persisted
 * after a newer one): validate, plan, clear what a catch-up starts from, raise the write gate
 * of a promotion, save the map, put it in force, clear incoming copies, wait for the writes
 * decided under the old map where that matters, schedule the cleanup, then settle the epoch.
 */
export class MapInstaller {
  readonly #host: MapInstallHost;
  #installs: Promise<unknown> = Promise.resolve();

  constructor(host: MapInstallHost) {
    this.#host = host;
  }

  /**
   * Installs a newer map of the same cluster; returns the map now in force. On a source whose
   * arcs start copying or hand-off, resolves after a write barrier, so every write decided
   * under the old map has been applied and forwarded.
   */
  install(map: ClusterMap): Promise<ClusterMap> {
    const run = this.#installs.then(() => this.#install(map));
    this.#installs = run.catch(() => undefined);
    return run;
  }

  async #install(map: ClusterMap): Promise<ClusterMap> {
    const { nodeId, fence, housekeeping } = this.#host;
    const previous = fence.ownership;
    if (!isNewerMap(nodeId, previous?.map, map)) return previous!.map;
    const own = new Ownership(map);
    const plan = planInstall(nodeId, previous, own);
    if (plan.clearBeforeSave) await housekeeping.clearRanges(plan.clearBeforeSave);
    // Writes wait (reads do not) until the clock is past the other in-sync replicas' clocks:
    // the gate is up before the map is in force and comes down once #syncClock is done.
    const lowerGate = plan.promoted ? fence.raiseWriteGate() : undefined;
    try {
      await this.#enforce(map, own, previous, plan);
    } finally {
      if (lowerGate) void this.#syncClock(own).finally(lowerGate);
    }
    return map;
  }

  /** The rest of an install: save the map, put it in force, clear incoming arcs, barrier, cleanup. */
  async #enforce(map: ClusterMap, own: Ownership, previous: Ownership | undefined, plan: InstallPlan): Promise<void> {
    const { store, fence, housekeeping, peers } = this.#host;
    await store.batch([{ type: 'put', key: MAP_KEY, value: Buffer.from(encodeClusterMapJson(map)) }], true);
    fence.enforce(own);
    this.#host.installed(own);
    this.#host.invalidateQueues(plan.changed);
    this.#host.logger?.info({ epoch: map.epoch.toString(), migrations: map.migrations.length }, 'cluster map installed');
    if (plan.incoming.length > 0) await housekeeping.clearRanges(plan.incoming);
    if (plan.barrier) await this.#host.barrier();
    housekeeping.scheduleCleanup(previous);
    peers.retain(allMembers(map).map((m) => m.address));
    fence.settle(map.epoch);
  }

  /**
   * Observes the clocks of the other in-sync replicas once they have settled `own`'s epoch
   * (by then they refuse the old primary and applied what they took from it). Best effort,
   * at most about 1.5 s: an unreachable replica is being dropped anyway.
   */
  async #syncClock(own: Ownership): Promise<void> {
    const { nodeId, peers, clock } = this.#host;
    const others = allMembers(own.map).filter((m) => m.id !== nodeId && own.replicaState(m.id) === 'in_sync');
    const until = Date.now() + CLOCK_SYNC_MS;
    await Promise.all(others.map(async (m) => {
      while (Date.now() < until) {
        try {
          const { epoch, clock: theirs } = await peers.clockOf(m.address, 500);
          if (epoch >= own.epoch) {
            clock.observe(theirs);
            return;
          }
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    }));
  }
}
