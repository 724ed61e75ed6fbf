import type { ClusterMap as ClusterMapProto, ClusterMap__Output } from './generated/ringkv/v1/ClusterMap.js';
import type { ArcMove, ArcMove__Output } from './generated/ringkv/v1/ArcMove.js';
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
  estimatedKeys: bigint;
  estimatedBytes: bigint;
}

/** The cluster map: every change increments epoch; the ring is a pure function of it. */
export interface ClusterMap {
  clusterId: string;
  epoch: bigint;
  members: ClusterMember[];
  vnodesPerWeight: number;
  replicationFactor: number;
  migrations: ArcMoveState[];
  /** The membership once the migrations complete; empty when none is in progress. */
  nextMembers: ClusterMember[];
}

export function newClusterMap(clusterId: string, members: ClusterMember[], vnodesPerWeight = DEFAULT_VNODES_PER_WEIGHT): ClusterMap {
  return { clusterId, epoch: 1n, members, vnodesPerWeight, replicationFactor: 1, migrations: [], nextMembers: [] };
}

const ringCache = new Map<string, Ring>();

/**
 * The ring of the map's members. Rings are pure functions of (members, weights, vnodes) and
 * successive epochs of a migration share one, so the last few are cached.
 */
export function ringOf(map: ClusterMap): Ring {
  const members = map.members.map((m) => ({ id: m.id, weight: m.weight }));
  const key = `${map.vnodesPerWeight}|${members.map((m) => `${m.id}=${m.weight}`).sort().join(',')}`;
  let ring = ringCache.get(key);
  if (!ring) {
    ring = new Ring(members, map.vnodesPerWeight);
    if (ringCache.size >= 8) ringCache.delete(ringCache.keys().next().value!);
    ringCache.set(key, ring);
  }
  return ring;
}

export function clusterMapToProto(map: ClusterMap): ClusterMapProto {
  return {
    clusterId: map.clusterId,
    epoch: map.epoch.toString(),
    members: map.members.map((m) => ({ ...m })),
    vnodesPerWeight: map.vnodesPerWeight,
    replicationFactor: map.replicationFactor,
    migrations: map.migrations.map(arcMoveToProto),
    nextMembers: map.nextMembers.map((m) => ({ ...m })),
  };
}

export function arcMoveToProto(a: ArcMoveState): ArcMove {
  return {
    ...a,
    keysMoved: a.keysMoved.toString(),
    bytesMoved: a.bytesMoved.toString(),
    estimatedKeys: a.estimatedKeys.toString(),
    estimatedBytes: a.estimatedBytes.toString(),
  };
}

export function arcMoveFromProto(a: ArcMove__Output): ArcMoveState {
  return {
    start: a.start, end: a.end, from: a.from, to: a.to, state: a.state,
    keysMoved: BigInt(a.keysMoved), bytesMoved: BigInt(a.bytesMoved),
    estimatedKeys: BigInt(a.estimatedKeys ?? 0), estimatedBytes: BigInt(a.estimatedBytes ?? 0),
  };
}

export function clusterMapFromProto(p: ClusterMap__Output): ClusterMap {
  const map: ClusterMap = {
    clusterId: p.clusterId,
    epoch: BigInt(p.epoch),
    members: p.members.map(memberFromProto),
    nextMembers: (p.nextMembers ?? []).map(memberFromProto),
    vnodesPerWeight: p.vnodesPerWeight,
    replicationFactor: p.replicationFactor || 1,
    migrations: p.migrations.map(arcMoveFromProto),
  };
  validateClusterMap(map);
  return map;
}

function memberFromProto(m: { id: string; address: string; weight: number; state: string }): ClusterMember {
  return { id: m.id, address: m.address, weight: m.weight, state: m.state as MemberState };
}

export function validateClusterMap(map: ClusterMap): void {
  const bad = (why: string) => new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid cluster map: ${why}`);
  if (!map.clusterId) throw bad('no cluster id');
  if (map.epoch < 1n) throw bad('epoch must be >= 1');
  if (map.members.length === 0) throw bad('no members');
  if (!Number.isInteger(map.vnodesPerWeight) || map.vnodesPerWeight < 1 || map.vnodesPerWeight > 65536) throw bad('vnodesPerWeight');
  const ids = new Set<string>();
  const addrs = new Set<string>();
  for (const m of map.nextMembers) {
    if (!(m.weight > 0) || !Number.isFinite(m.weight)) throw bad(`weight of ${m.id}`);
  }
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
  return clusterMapFromProto({ ...p, migrations: p.migrations ?? [], members: p.members ?? [], nextMembers: p.nextMembers ?? [] });
}
