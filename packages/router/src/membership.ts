import {
  ArcState, ErrorCode, MAX_SHARD_WEIGHT, Ring, checkRingSize, RingKvError, allMembers, arcSize, isMigrating, parseHostPort, ringOf, validateShardId,
  type ArcMoveState, type ClusterMap, type ClusterMember,
} from '@ringkv/core';

/** A membership change: the members after it and the arcs that change owner. */
export interface MembershipPlan {
  nextMembers: ClusterMember[];
  moves: ArcMoveState[];
  /** Fraction of the hash space that moves. */
  fraction: number;
  /** The epoch of the map the plan was computed from: it may only be committed on top of it. */
  baseEpoch: bigint;
}

function invalid(message: string): RingKvError {
  return new RingKvError(ErrorCode.INVALID_ARGUMENT, message);
}

export function assertIdle(map: ClusterMap): void {
  if (isMigrating(map)) {
    const left = map.migrations.filter((m) => m.state !== ArcState.DONE).length;
    throw new RingKvError(ErrorCode.MIGRATION_IN_PROGRESS,
      `a membership change is in progress at epoch ${map.epoch} (${left} of ${map.migrations.length} arcs left); wait for it to finish`);
  }
}

export function validWeight(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 0) throw invalid(`weight must be > 0, got ${weight}`);
  if (weight > MAX_SHARD_WEIGHT) throw invalid(`weight must be at most ${MAX_SHARD_WEIGHT}, got ${weight}`);
  return weight;
}

/** The minimal set of arcs whose owner differs between the current and the next members. */
export function planMembership(map: ClusterMap, nextMembers: ClusterMember[]): MembershipPlan {
  checkRingSize(nextMembers, map.vnodesPerWeight);
  const before = ringOf(map);
  const after = new Ring(nextMembers.map((m) => ({ id: m.id, weight: m.weight })), map.vnodesPerWeight);
  const moves = Ring.diff(before, after).map((c): ArcMoveState => ({
    start: c.start, end: c.end, from: c.from, to: c.to, state: ArcState.PENDING,
    keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
  }));
  const fraction = moves.reduce((acc, m) => acc + arcSize(m), 0) / 2 ** 32;
  return { nextMembers, moves, fraction, baseEpoch: map.epoch };
}

export function planAdd(map: ClusterMap, id: string, address: string, weight: number): MembershipPlan {
  assertIdle(map);
  validateShardId(id);
  parseHostPort(address, `address of shard ${id}`);
  validWeight(weight);
  for (const m of allMembers(map)) {
    if (m.id === id) throw invalid(`shard id ${id} is already in the cluster`);
    if (m.address === address) throw invalid(`address ${address} is already used by shard ${m.id}`);
  }
  const joining: ClusterMember = { id, address, weight, state: 'joining' };
  return planMembership(map, [...map.members.map((m) => ({ ...m, state: 'active' as const })), joining]);
}

export function planRemove(map: ClusterMap, id: string): MembershipPlan {
  assertIdle(map);
  if (!map.members.some((m) => m.id === id)) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${id} in the cluster`);
  if (map.members.length === 1) throw invalid(`cannot remove ${id}: it is the last shard`);
  return planMembership(map, map.members.filter((m) => m.id !== id).map((m) => ({ ...m, state: 'active' as const })));
}

export function planWeight(map: ClusterMap, id: string, weight: number): MembershipPlan {
  assertIdle(map);
  validWeight(weight);
  if (!map.members.some((m) => m.id === id)) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${id} in the cluster`);
  return planMembership(map, map.members.map((m) => ({ ...m, state: 'active' as const, ...(m.id === id ? { weight } : {}) })));
}

/** The map that starts executing a plan (or, for an empty plan, the finished change). */
export function startPlan(map: ClusterMap, plan: MembershipPlan, leaving?: string): Omit<ClusterMap, 'epoch'> {
  // Two changes planned at once both pass assertIdle; only the first may commit, or the
  // second would overwrite the first's migrations mid-way.
  if (map.epoch !== plan.baseEpoch) {
    assertIdle(map);
    throw new RingKvError(ErrorCode.MIGRATION_IN_PROGRESS,
      `the cluster map changed (epoch ${plan.baseEpoch} -> ${map.epoch}) while this change was being planned; try again`);
  }
  if (plan.moves.length === 0) return { ...map, members: plan.nextMembers, nextMembers: [], migrations: [] };
  return {
    ...map,
    members: map.members.map((m) => (m.id === leaving ? { ...m, state: 'leaving' as const } : m)),
    nextMembers: plan.nextMembers,
    migrations: plan.moves,
  };
}
