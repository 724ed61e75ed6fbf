import type { ClusterMap as ClusterMapProto, ClusterMap__Output } from './generated/ringkv/v1/ClusterMap.js';
import { ErrorCode, RingKvError } from './errors.js';
import { Ring } from './ring.js';
import { DEFAULT_VNODES_PER_WEIGHT } from './limits.js';

export type MemberState = 'active' | 'joining' | 'leaving';

export interface ClusterMember {
  id: string;
  address: string;
  weight: number;
  state: MemberState;
}

export interface ArcMoveState {
  start: number;
  end: number;
  from: string;
  to: string;
  state: string;
  keysMoved: bigint;
  bytesMoved: bigint;
}

/** The cluster map: every change increments epoch; the ring is a pure function of it. */
export interface ClusterMap {
  clusterId: string;
  epoch: bigint;
  members: ClusterMember[];
  vnodesPerWeight: number;
  replicationFactor: number;
  migrations: ArcMoveState[];
}

export function newClusterMap(clusterId: string, members: ClusterMember[], vnodesPerWeight = DEFAULT_VNODES_PER_WEIGHT): ClusterMap {
  return { clusterId, epoch: 1n, members, vnodesPerWeight, replicationFactor: 1, migrations: [] };
}

/** The ring that decides ownership at this map's epoch. */
export function ringOf(map: ClusterMap): Ring {
  return new Ring(map.members.map((m) => ({ id: m.id, weight: m.weight })), map.vnodesPerWeight);
}

export function clusterMapToProto(map: ClusterMap): ClusterMapProto {
  return {
    clusterId: map.clusterId,
    epoch: map.epoch.toString(),
    members: map.members.map((m) => ({ ...m })),
    vnodesPerWeight: map.vnodesPerWeight,
    replicationFactor: map.replicationFactor,
    migrations: map.migrations.map((a) => ({ ...a, keysMoved: a.keysMoved.toString(), bytesMoved: a.bytesMoved.toString() })),
  };
}

export function clusterMapFromProto(p: ClusterMap__Output): ClusterMap {
  const map: ClusterMap = {
    clusterId: p.clusterId,
    epoch: BigInt(p.epoch),
    members: p.members.map((m) => ({ id: m.id, address: m.address, weight: m.weight, state: m.state as MemberState })),
    vnodesPerWeight: p.vnodesPerWeight,
    replicationFactor: p.replicationFactor || 1,
    migrations: p.migrations.map((a) => ({
      start: a.start, end: a.end, from: a.from, to: a.to, state: a.state,
      keysMoved: BigInt(a.keysMoved), bytesMoved: BigInt(a.bytesMoved),
    })),
  };
  validateClusterMap(map);
  return map;
}

export function validateClusterMap(map: ClusterMap): void {
  const bad = (why: string) => new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid cluster map: ${why}`);
  if (!map.clusterId) throw bad('no cluster id');
  if (map.epoch < 1n) throw bad('epoch must be >= 1');
  if (map.members.length === 0) throw bad('no members');
  if (!Number.isInteger(map.vnodesPerWeight) || map.vnodesPerWeight < 1 || map.vnodesPerWeight > 65536) throw bad('vnodesPerWeight');
  const ids = new Set<string>();
  const addrs = new Set<string>();
  for (const m of map.members) {
    if (ids.has(m.id)) throw bad(`duplicate member id ${m.id}`);
    if (addrs.has(m.address)) throw bad(`duplicate member address ${m.address}`);
    if (!(m.weight > 0) || !Number.isFinite(m.weight)) throw bad(`weight of ${m.id}`);
    ids.add(m.id);
    addrs.add(m.address);
  }
}

/** Serialization for the on-disk copy (router data dir, node metadata). */
export function encodeClusterMapJson(map: ClusterMap): string {
  return JSON.stringify(clusterMapToProto(map), null, 2);
}

export function decodeClusterMapJson(text: string): ClusterMap {
  const p = JSON.parse(text) as ClusterMap__Output;
  return clusterMapFromProto({ ...p, migrations: p.migrations ?? [], members: p.members ?? [] });
}
