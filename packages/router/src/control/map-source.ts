import type { ClusterMap } from '@ringkv/core';

/** A committed cluster map and the revision of the store that holds it. */
export interface MapSnapshot {
  map: ClusterMap;
  /**
   * The store's version of the map: etcd's mod_revision of the map key, or the epoch for the
   * file of a lone router. A commit names the revision it was computed from.
   */
  revision: bigint;
}

/**
 * A leadership proof that a commit carries: etcd compares it in the commit's own transaction,
 * so a deposed coordinator's commit fails even if it does not know yet that it was deposed.
 */
export interface LeaderGuard {
  /** The key whose create revision proves the leadership. */
  key: string;
  createRevision: string;
}

/** A watch of committed maps; close() stops it. */
export interface MapWatch {
  close(): void;
}

/**
 * Where the cluster map lives (DESIGN.md "Cluster map, epochs and the control plane"): a file
 * in a lone router's data dir, or a key in etcd. Every change is a compare-and-swap on the
 * revision it was computed from, so two writers can never both win.
 */
export interface MapSource {
  readonly kind: 'file' | 'etcd';
  /** The committed map, read now (etcd: a linearizable read); undefined when there is none yet. */
  load(): Promise<MapSnapshot | undefined>;
  /**
   * Stores `map` as the first map if none exists yet; resolves to the map in force afterwards:
   * `map`, or the one another router created first.
   */
  create(map: ClusterMap): Promise<MapSnapshot>;
  /**
   * Stores `map` if the stored map is still at `expected`; resolves to the new revision.
   * MAP_CHANGED when another commit came first (nothing written), UNAVAILABLE when the store
   * cannot be reached (the commit may or may not have happened: load() tells).
   */
  commit(map: ClusterMap, expected: bigint, guard?: LeaderGuard): Promise<bigint>;
  /**
   * Calls `onMap` with every map committed after `fromRevision`, in commit order, from now
   * until close(). A watch that breaks is resumed from the last revision it delivered.
   */
  watch(fromRevision: bigint, onMap: (snapshot: MapSnapshot) => void): MapWatch;
  close(): Promise<void>;
}
