import type { ClusterMap } from '@ringkv/core';

/** Derives the next map from the current committed one (the epoch is set by the commit). */
export type MapChange = (current: ClusterMap) => Omit<ClusterMap, 'epoch'>;

export interface CommitOptions {
  /** Shards that must install the new map, else the commit stands but rejects with UNAVAILABLE (the caller retries its step). */
  mustAck?: Iterable<string>;
  /** Shards that get the map before the others (migration targets). */
  first?: Iterable<string>;
  /** Shards not waited for (being dropped because they do not answer). */
  later?: Iterable<string>;
  /** The new epoch is at least this (a map recovered from the shards, ahead of the source). */
  minEpoch?: bigint;
}

/**
 * What the coordinator's workers (migrations, failover, catch-up) act through: one commit at a
 * time, each guarded by the leadership, and whether this router still leads.
 */
export interface Committer {
  readonly leading: boolean;
  commit(change: MapChange, options?: CommitOptions): Promise<ClusterMap>;
}
