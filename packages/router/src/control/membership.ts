import {
  ArcState, ErrorCode, MAX_REPLICATION_FACTOR, leavesArcWithoutInSyncReplica, MAX_SHARD_WEIGHT, Ownership, Ring, checkRingSize, RingKvError, allMembers, arcSize, isMigrating,
  parseHostPort, ringOf, validateShardId,
  type ArcMoveState, type ClusterMap, type ClusterMember, type ReplicaStateEntry,
} from '@ringkv/core';

/** A membership change: the members after it and the arcs whose replicas change. */
export interface MembershipPlan {
  nextMembers: ClusterMember[];
  /** The replication factor after the change. */
  nextReplicationFactor: number;
  /** Replica states to commit with the plan (a forced removal drops the shard from the in-sync sets). */
  replicaStates: ReplicaStateEntry[];
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

/**
 * The minimal set of arcs whose preference list differs between the current members and
 * replication factor and the next ones. Each move is copied by the arc's in-sync primary
 * (`from`) to its new in-sync replicas (`targets`; replicas out of sync catch up later) and
 * then served by its new primary (`to`). An arc that only loses replicas and keeps its
 * primary needs no move: the next map drops the extra copies when the change completes.
 */
export function planMembership(map: ClusterMap, nextMembers: ClusterMember[], nextReplicationFactor = map.replicationFactor): MembershipPlan {
  checkRingSize(nextMembers, map.vnodesPerWeight);
  const before = ringOf(map);
  const after = new Ring(nextMembers.map((m) => ({ id: m.id, weight: m.weight })), map.vnodesPerWeight);
  const outOfSync = new Set(map.replicaStates.map((r) => r.id));
  const moves: ArcMoveState[] = [];
  for (const c of Ring.diffReplicas(before, map.replicationFactor, after, nextReplicationFactor)) {
    const from = c.before.find((id) => !outOfSync.has(id)) ?? c.before[0]!;
    const to = c.after.find((id) => !outOfSync.has(id)) ?? c.after[0]!;
    const targets = c.after.filter((id) => !c.before.includes(id) && !outOfSync.has(id));
    if (targets.length === 0 && to === from) continue;
    moves.push({
      start: c.start, end: c.end, from, to, targets, state: ArcState.PENDING,
      keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
    });
  }
  const fraction = moves.reduce((acc, m) => acc + arcSize(m), 0) / 2 ** 32;
  return { nextMembers, nextReplicationFactor, replicaStates: map.replicaStates, moves, fraction, baseEpoch: map.epoch };
}

/** Changes the replication factor: the new replicas of every arc get a copy. */
export function planReplication(map: ClusterMap, replicationFactor: number): MembershipPlan {
  assertIdle(map);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > MAX_REPLICATION_FACTOR) {
    throw invalid(`replicationFactor must be an integer from 1 to ${MAX_REPLICATION_FACTOR}, got ${replicationFactor}`);
  }
  if (replicationFactor < map.replicationFactor && map.replicaStates.length > 0) {
    const stateOf = (id: string) => map.replicaStates.find((r) => r.id === id)!.state;
    const check = new Ownership({ ...map, replicationFactor });
    if (check.hasArcWithoutInSyncReplica()) {
      throw new RingKvError(ErrorCode.UNAVAILABLE, `lowering replicationFactor to ${replicationFactor} now would leave arcs with no in-sync replica (${map.replicaStates.map((r) => `${r.id} is ${stateOf(r.id)}`).join(', ')}); wait until they are in sync`);
    }
  }
  return planMembership(map, map.members.map((m) => ({ ...m, state: 'active' as const })), replicationFactor);
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

/**
 * Removes a shard. `force`: it will never return, so its arcs are copied from their other
 * in-sync replicas: it is dropped from the in-sync sets in the same commit (refused when an
 * arc would be left with no in-sync replica, which is always the case at replication factor 1).
 */
export function planRemove(map: ClusterMap, id: string, force = false): MembershipPlan {
  assertIdle(map);
  if (!map.members.some((m) => m.id === id)) throw new RingKvError(ErrorCode.UNKNOWN_SHARD, `no shard ${id} in the cluster`);
  if (map.members.length === 1) throw invalid(`cannot remove ${id}: it is the last shard`);
  let base = map;
  if (force && map.replicaStates.find((r) => r.id === id)?.state !== 'out_of_sync') {
    base = { ...map, replicaStates: [...map.replicaStates.filter((r) => r.id !== id), { id, state: 'out_of_sync' }] };
    if (new Ownership(base).hasArcWithoutInSyncReplica()) {
      // At replication factor 1 it can never work (INVALID_ARGUMENT); with replicas it can once
      // the others are back in sync (UNAVAILABLE, retryable).
      if (map.replicationFactor === 1) {
        throw invalid(`cannot force-remove ${id} at replicationFactor 1: its keys have no other copy (bring it back and remove it without --force)`);
      }
      throw new RingKvError(ErrorCode.UNAVAILABLE, `cannot force-remove ${id}: some of its arcs have no other in-sync replica`);
    }
  }
  return planMembership(base, map.members.filter((m) => m.id !== id).map((m) => ({ ...m, state: 'active' as const })));
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
  const next = startPlanUnchecked(map, plan, leaving);
  if (map.replicationFactor > 1 && leavesArcWithoutInSyncReplica({ ...next, epoch: map.epoch + 1n })) {
    throw new RingKvError(ErrorCode.UNAVAILABLE,
      'this change would leave some arcs with no in-sync replica (their replicas out of sync are not copied to); wait until they are back in sync');
  }
  return next;
}

function startPlanUnchecked(map: ClusterMap, plan: MembershipPlan, leaving?: string): Omit<ClusterMap, 'epoch'> {
  if (plan.moves.length === 0) {
    const ids = new Set(plan.nextMembers.map((m) => m.id));
    return {
      ...map, members: plan.nextMembers, nextMembers: [], migrations: [], replicationFactor: plan.nextReplicationFactor,
      nextReplicationFactor: 0, replicaStates: plan.replicaStates.filter((r) => ids.has(r.id)),
    };
  }
  return {
    ...map,
    members: map.members.map((m) => (m.id === leaving ? { ...m, state: 'leaving' as const } : m)),
    nextMembers: plan.nextMembers,
    migrations: plan.moves,
    replicaStates: plan.replicaStates,
    nextReplicationFactor: plan.nextReplicationFactor === map.replicationFactor ? 0 : plan.nextReplicationFactor,
  };
}
