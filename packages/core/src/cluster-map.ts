import type { ClusterMap as ClusterMapProto, ClusterMap__Output } from './generated/ringkv/v1/ClusterMap.js';
import type { ArcMove, ArcMove__Output } from './generated/ringkv/v1/ArcMove.js';
import { ErrorCode, RingKvError } from './errors.js';
import { Ring, tokenCount } from './ring.js';
import { DEFAULT_VNODES_PER_WEIGHT, MAX_RING_TOKENS, MAX_SHARD_WEIGHT } from './limits.js';
import { parseHostPort, validateShardId } from './address.js';

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
  /** The arc's in-sync primary, which streams the copies. */
  from: string;
  /** The arc's primary once the move is done. */
  to: string;
  /** Shards that receive a copy (new replicas); [to] with replication factor 1. */
  targets: string[];
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
  /** Shards outside the in-sync sets (absent = in sync). */
  replicaStates: ReplicaStateEntry[];
  /** The replication factor once the migrations complete; 0 = unchanged. */
  nextReplicationFactor: number;
}

export type ReplicaCondition = 'out_of_sync' | 'catching_up';

export interface ReplicaStateEntry {
  id: string;
  state: ReplicaCondition;
  /** With 'catching_up': the epoch that started the catch-up. */
  since?: bigint;
}

export const MAX_REPLICATION_FACTOR = 5;

export function newClusterMap(clusterId: string, members: ClusterMember[], vnodesPerWeight = DEFAULT_VNODES_PER_WEIGHT): ClusterMap {
  return {
    clusterId, epoch: 1n, members, vnodesPerWeight, replicationFactor: 1, migrations: [], nextMembers: [],
    replicaStates: [], nextReplicationFactor: 0,
  };
}

const ringCache = new Map<string, Ring>();

/**
 * The ring of the map's members. Rings are pure functions of (members, weights, vnodes) and
 * successive epochs of a migration share one, so the last few are cached.
 */
export function ringOf(map: ClusterMap, which: 'members' | 'nextMembers' = 'members'): Ring {
  const members = map[which].map((m) => ({ id: m.id, weight: m.weight }));
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
    members: map.members.map(memberToProto),
    vnodesPerWeight: map.vnodesPerWeight,
    replicationFactor: map.replicationFactor,
    migrations: map.migrations.map(arcMoveToProto),
    nextMembers: map.nextMembers.map(memberToProto),
    replicaStates: map.replicaStates.map((r) => ({ id: r.id, state: r.state, since: (r.since ?? 0n).toString() })),
    nextReplicationFactor: map.nextReplicationFactor,
  };
}

function memberToProto(m: ClusterMember): ClusterMember {
  return { id: m.id, address: m.address, weight: m.weight, state: m.state };
}

export function arcMoveToProto(a: ArcMoveState): ArcMove {
  // Fields in a fixed order: maps are compared by their JSON (encodeClusterMapJson).
  return {
    start: a.start, end: a.end, from: a.from, to: a.to, state: a.state, targets: [...a.targets],
    keysMoved: a.keysMoved.toString(),
    bytesMoved: a.bytesMoved.toString(),
    estimatedKeys: a.estimatedKeys.toString(),
    estimatedBytes: a.estimatedBytes.toString(),
  };
}

export function arcMoveFromProto(a: ArcMove__Output): ArcMoveState {
  return {
    start: a.start, end: a.end, from: a.from, to: a.to, state: a.state, targets: [...(a.targets ?? [])],
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
    replicaStates: (p.replicaStates ?? []).map((r) => ({
      id: r.id, state: r.state as ReplicaCondition, ...(r.state === 'catching_up' ? { since: BigInt(r.since ?? 0) } : {}),
    })),
    nextReplicationFactor: p.nextReplicationFactor ?? 0,
  };
  // Maps written before replication named no targets: the one target was `to`.
  if (map.replicationFactor === 1) for (const m of map.migrations) if (m.targets.length === 0 && m.from !== m.to) m.targets = [m.to];
  validateClusterMap(map);
  return map;
}

function memberFromProto(m: { id: string; address: string; weight: number; state: string }): ClusterMember {
  return { id: m.id, address: m.address, weight: m.weight, state: m.state as MemberState };
}

const MEMBER_STATES: ReadonlySet<string> = new Set<MemberState>(['active', 'joining', 'leaving']);
const ARC_STATES: ReadonlySet<string> = new Set(['pending', 'copying', 'handoff', 'done']);

/** Throws INVALID_ARGUMENT unless a ring of these members stays within MAX_RING_TOKENS. */
export function checkRingSize(members: readonly { weight: number }[], vnodesPerWeight: number): void {
  const tokens = members.reduce((n, m) => n + tokenCount(m.weight, vnodesPerWeight), 0);
  if (tokens > MAX_RING_TOKENS) {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
      `a ring of ${tokens} virtual nodes exceeds ${MAX_RING_TOKENS} (lower the weights or vnodesPerWeight)`);
  }
}

function checkMembers(list: readonly ClusterMember[], what: string, bad: (why: string) => RingKvError): void {
  const ids = new Set<string>();
  const addrs = new Set<string>();
  for (const m of list) {
    try {
      validateShardId(m.id);
      parseHostPort(m.address, `address of ${m.id}`);
    } catch (err) {
      throw bad(`${what}: ${(err as Error).message}`);
    }
    if (ids.has(m.id)) throw bad(`duplicate member id ${m.id}`);
    if (addrs.has(m.address)) throw bad(`duplicate member address ${m.address}`);
    if (!(m.weight > 0) || !Number.isFinite(m.weight) || m.weight > MAX_SHARD_WEIGHT) throw bad(`weight of ${m.id}`);
    if (!MEMBER_STATES.has(m.state)) throw bad(`state "${m.state}" of ${m.id}`);
    ids.add(m.id);
    addrs.add(m.address);
  }
}

/**
 * Refuses a map no coordinator could have made: a node installs what passes, so a malformed
 * map (members that cannot be routed to, migrations between unknown shards) must fail here,
 * before it can make a node drop data it believes it no longer owns.
 */
export function validateClusterMap(map: ClusterMap): void {
  const bad = (why: string) => new RingKvError(ErrorCode.INVALID_ARGUMENT, `invalid cluster map: ${why}`);
  if (!map.clusterId) throw bad('no cluster id');
  if (map.epoch < 1n) throw bad('epoch must be >= 1');
  if (map.members.length === 0) throw bad('no members');
  if (!Number.isInteger(map.vnodesPerWeight) || map.vnodesPerWeight < 1 || map.vnodesPerWeight > 65536) throw bad('vnodesPerWeight');
  checkMembers(map.members, 'member', bad);
  checkMembers(map.nextMembers, 'next member', bad);
  try {
    checkRingSize(map.members, map.vnodesPerWeight);
    checkRingSize(map.nextMembers, map.vnodesPerWeight);
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (map.migrations.length > 0 && map.nextMembers.length === 0) throw bad('migrations without next members');
  const rfOk = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_REPLICATION_FACTOR;
  if (!rfOk(map.replicationFactor)) throw bad(`replicationFactor ${map.replicationFactor} is not within 1..${MAX_REPLICATION_FACTOR}`);
  if (map.nextReplicationFactor !== 0 && !rfOk(map.nextReplicationFactor)) throw bad(`nextReplicationFactor ${map.nextReplicationFactor}`);
  const from = new Set(map.members.map((m) => m.id));
  const to = new Set(map.nextMembers.map((m) => m.id));
  for (const a of map.migrations) {
    const arc = `arc (${a.start},${a.end}]`;
    if (!isU32(a.start) || !isU32(a.end)) throw bad(`${arc} is not within the 32-bit ring`);
    if (!ARC_STATES.has(a.state)) throw bad(`${arc} in unknown state "${a.state}"`);
    if (!from.has(a.from) || !to.has(a.to) || (a.from === a.to && a.targets.length === 0)) throw bad(`${arc} moves from "${a.from}" to "${a.to}"`);
    if (map.replicationFactor === 1 && (map.nextReplicationFactor || 1) === 1 && (a.from === a.to || a.targets.length !== 1 || a.targets[0] !== a.to)) {
      throw bad(`${arc} moves from "${a.from}" to "${a.to}" copying to [${a.targets.join(', ')}] at replicationFactor 1`);
    }
    if (a.targets.some((t) => !to.has(t) || t === a.from) || new Set(a.targets).size !== a.targets.length) {
      throw bad(`${arc} copies to [${a.targets.join(', ')}]`);
    }
  }
  const all = new Set([...from, ...to]);
  const seen = new Set<string>();
  for (const r of map.replicaStates) {
    if (!all.has(r.id) || seen.has(r.id)) throw bad(`replica state of "${r.id}"`);
    if (r.state !== 'out_of_sync' && r.state !== 'catching_up') throw bad(`replica state "${r.state}" of ${r.id}`);
    seen.add(r.id);
  }
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** Serialization for the on-disk copy (router data dir, node metadata). */
export function encodeClusterMapJson(map: ClusterMap): string {
  return JSON.stringify(clusterMapToProto(map), null, 2);
}

export function decodeClusterMapJson(text: string): ClusterMap {
  const p = JSON.parse(text) as ClusterMap__Output;
  return clusterMapFromProto({
    ...p, migrations: (p.migrations ?? []).map((m) => ({ ...m, targets: m.targets ?? [] })), members: p.members ?? [], nextMembers: p.nextMembers ?? [],
    replicaStates: p.replicaStates ?? [], nextReplicationFactor: p.nextReplicationFactor ?? 0,
  });
}
