import { ErrorCode, RingKvError, asRingKvError, type ClusterMap, type Logger, type Ownership } from '@ringkv/core';
import type { PeerPool } from './peer-pool.js';
import type { Forward } from './write-apply.js';

/** After a failed replication, writes that need the replica fail at once for this long instead of waiting again. */
const SUSPECT_MS = 1_000;
/** How long an unreachable replica stays in this node's heartbeat answer (unless the map drops it first). */
const REPORT_MS = 30_000;

export interface ReplicationSenderOptions {
  nodeId: string;
  peers: Pick<PeerPool, 'ingest' | 'updateClusterMap' | 'getClusterMap' | 'reset'>;
  /** The map in force (see OwnershipFence.ownership). */
  ownership(): Ownership | undefined;
  /** How long a replica may take to acknowledge a write (StorageEngineOptions.replicationTimeoutMs). */
  timeoutMs: number;
  /** A replica holds a newer map than ours (we may have been deposed): install it. */
  installNewer(map: ClusterMap): Promise<unknown>;
  logger?: Logger;
}

/**
 * The primary's side of replication: sends the writes of arcs this node leads to one replica
 * at a time. A replica behind our epoch gets our map and the records again; a replica ahead
 * of it makes us fetch its map. A replica that does not answer is remembered as unreachable:
 * reported to the coordinating router (GetClusterMap), and failed at once for a second, until
 * the router drops it from the in-sync set (a new epoch) or it answers again.
 */
export class ReplicationSender {
  readonly #options: ReplicationSenderOptions;
  /** In-sync replicas a replication to failed: id -> the epoch and time of the failure. */
  readonly #unreachable = new Map<string, { epoch: bigint; at: number }>();
  /** Records this node replicated to other replicas (per replica) since it opened. */
  readonly replicated = { records: 0, failures: 0 };

  constructor(options: ReplicationSenderOptions) {
    this.#options = options;
  }

  /** Sends one forward (`replicate` set) to its replica; rejects with a RingKvError when it is not acknowledged. */
  async send(f: Forward): Promise<void> {
    const { nodeId, peers, timeoutMs } = this.#options;
    const own = this.#options.ownership();
    const address = own?.addressOf(f.targetId);
    if (!own || !address) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${f.targetId} in the cluster map`);
    const suspect = this.#unreachable.get(f.targetId);
    if (suspect && suspect.epoch === f.epoch && Date.now() - suspect.at < SUSPECT_MS) {
      this.replicated.failures++;
      throw new RingKvError(ErrorCode.UNAVAILABLE, `replica ${f.targetId} did not answer in the last second`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await peers.ingest(address, f.epoch, nodeId, f.records, true, timeoutMs);
        this.#unreachable.delete(f.targetId);
        this.replicated.records += f.records.length;
        return;
      } catch (err) {
        const e = asRingKvError(err);
        if (e.code === ErrorCode.WRONG_OWNER && e.epoch !== undefined && e.epoch < own.epoch && attempt === 0) {
          const ok = await peers.updateClusterMap(address, own.map, timeoutMs).then(() => true, () => false);
          if (ok) continue;
        } else if (e.code === ErrorCode.WRONG_OWNER && e.epoch !== undefined && e.epoch > own.epoch) {
          // Not awaited: installing waits for the forwards in flight, this one included.
          void peers.getClusterMap(address, timeoutMs)
            .then((theirs) => theirs && this.#options.installNewer(theirs)).catch(() => undefined);
        } else if (e.code !== ErrorCode.WRONG_OWNER) {
          this.#unreachable.set(f.targetId, { epoch: f.epoch, at: Date.now() });
          // A new connection next time: an old one may be stuck in TCP retransmission backoff.
          if (e.code === ErrorCode.DEADLINE_EXCEEDED || e.code === ErrorCode.UNAVAILABLE) peers.reset(address);
          this.#options.logger?.warn({ replica: f.targetId, err: e.message, epoch: f.epoch.toString() }, 'replication failed: asking for the replica to be dropped from the in-sync set');
        }
        this.replicated.failures++;
        throw e;
      }
    }
  }

  /** Replicas this node could not reach at its current epoch (see ClusterMapReply.unreachable). */
  unreachableReplicas(): string[] {
    const own = this.#options.ownership();
    if (!own) return [];
    const now = Date.now();
    return [...this.#unreachable].filter(([id, u]) => u.epoch === own.epoch && now - u.at < REPORT_MS && own.replicaState(id) !== 'out_of_sync')
      .map(([id]) => id);
  }
}
