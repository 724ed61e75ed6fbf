import { arcContains } from './arc.js';
import { ringOf, type ArcMoveState, type ClusterMap, type ClusterMember, type ReplicaCondition } from './cluster-map.js';
import { firstAtOrAfter, type Ring } from './ring.js';

/** Migration states of one arc, in order. */
export const ArcState = {
  PENDING: 'pending',
  COPYING: 'copying',
  HANDOFF: 'handoff',
  DONE: 'done',
} as const;
export type ArcState = (typeof ArcState)[keyof typeof ArcState];

export type ReplicaStateName = 'in_sync' | ReplicaCondition;

/** The replicas of one elementary interval at one epoch. */
interface Placement {
  /** The preference list: the first replicationFactor distinct shards clockwise. */
  replicas: readonly string[];
  /** The in-sync replicas, in preference order (the primary first). */
  inSync: readonly string[];
  /** Where the primary sends every write before acknowledging it: the other in-sync replicas, then the replicas catching up. */
  targets: readonly string[];
  /** The first in-sync replica (the first replica when none is in sync: nobody may serve). */
  primary: string;
}

/**
 * Who serves each hash at one epoch. Each hash has a preference list of replicationFactor
 * shards on the ring of `members` (or, inside a migrating arc that is done, on the ring of
 * `nextMembers` with the next replication factor); its in-sync set is that list minus the
 * shards named in `replicaStates`, and its primary (the serving owner) is the first in-sync
 * replica. Built once per map: boundaries are the ring's tokens plus the migrating arcs'
 * endpoints, so one binary search answers "primary", "replicas" and "migrating arc".
 */
export class Ownership {
  readonly map: ClusterMap;
  readonly ring: Ring;
  readonly #bounds: Uint32Array;
  readonly #placements: Placement[];
  readonly #moves: Int32Array;
  readonly #states: ReadonlyMap<string, ReplicaCondition>;
  #addresses: Map<string, string> | undefined;

  constructor(map: ClusterMap) {
    this.map = map;
    this.ring = ringOf(map);
    this.#states = new Map(map.replicaStates.map((r) => [r.id, r.state]));
    const moves = map.migrations;
    const set = new Set<number>(this.ring.tokens);
    for (const m of moves) {
      set.add(m.start);
      set.add(m.end);
    }
    this.#bounds = Uint32Array.from([...set].sort((a, b) => a - b));
    this.#placements = new Array(this.#bounds.length);
    this.#moves = new Int32Array(this.#bounds.length).fill(-1);
    // Migrating arcs are disjoint: sort the non-wrapping ones by end and binary-search them.
    const plain = moves.map((m, k) => k).filter((k) => moves[k]!.start < moves[k]!.end)
      .sort((a, b) => moves[a]!.end - moves[b]!.end);
    const other = moves.map((m, k) => k).filter((k) => !(moves[k]!.start < moves[k]!.end));
    const find = (b: number): number => {
      let lo = 0;
      let hi = plain.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (moves[plain[mid]!]!.end < b) lo = mid + 1;
        else hi = mid;
      }
      if (lo < plain.length && arcContains(moves[plain[lo]!]!, b)) return plain[lo]!;
      return other.find((k) => arcContains(moves[k]!, b)) ?? -1;
    };
    const rf = map.replicationFactor;
    const nextRf = map.nextReplicationFactor || rf;
    const nextRing = map.nextMembers.length > 0 ? ringOf(map, 'nextMembers') : this.ring;
    const interned = new Map<string, Placement>();
    this.#bounds.forEach((b, i) => {
      const k = find(b);
      this.#moves[i] = k;
      const move = k >= 0 ? moves[k] : undefined;
      // Once done, an arc is placed on the next ring (with one replica, on the move's target).
      const replicas = !move || move.state !== ArcState.DONE ? this.ring.preferenceList(b, rf)
        : nextRf === 1 ? [move.to] : nextRing.preferenceList(b, nextRf);
      const id = replicas.join('\u0000');
      let p = interned.get(id);
      if (!p) interned.set(id, (p = this.#placement(replicas)));
      this.#placements[i] = p;
    });
  }

  #placement(replicas: string[]): Placement {
    const inSync = replicas.filter((r) => !this.#states.has(r));
    const catchingUp = replicas.filter((r) => this.#states.get(r) === 'catching_up');
    return { replicas, inSync, targets: [...inSync.slice(1), ...catchingUp], primary: inSync[0] ?? replicas[0]! };
  }

  static of(map: ClusterMap): Ownership {
    return new Ownership(map);
  }

  get epoch(): bigint {
    return this.map.epoch;
  }

  #index(hash: number): number {
    return firstAtOrAfter(this.#bounds, hash);
  }

  /** The shard that serves `hash` at this epoch: its primary. */
  ownerOf(hash: number): string {
    return this.#placements[this.#index(hash)]!.primary;
  }

  /** The preference list of `hash` at this epoch (primary or not, in sync or not). */
  replicasOf(hash: number): readonly string[] {
    return this.#placements[this.#index(hash)]!.replicas;
  }

  /** The in-sync replicas of `hash`, the primary first: where a replica read may go. */
  inSyncOf(hash: number): readonly string[] {
    return this.#placements[this.#index(hash)]!.inSync;
  }

  /**
   * Where the primary of `hash` sends each write before acknowledging it: the other in-sync
   * replicas and the replicas catching up.
   */
  replicationTargetsOf(hash: number): readonly string[] {
    return this.#placements[this.#index(hash)]!.targets;
  }

  /** The address of a shard of this map (members or next members). */
  addressOf(id: string): string | undefined {
    this.#addresses ??= new Map(allMembers(this.map).map((m) => [m.id, m.address]));
    return this.#addresses.get(id);
  }

  /** A shard's replica state: in sync unless the map says otherwise. */
  replicaState(id: string): ReplicaStateName {
    return this.#states.get(id) ?? 'in_sync';
  }

  /** The migration moving `hash`, if any. */
  moveOf(hash: number): ArcMoveState | undefined {
    const k = this.#moves[this.#index(hash)]!;
    return k >= 0 ? this.map.migrations[k] : undefined;
  }

  /** Every elementary interval (start, end] with its primary and replicas, in ring order. */
  *intervals(): Generator<{ start: number; end: number; owner: string; replicas: readonly string[]; inSync: readonly string[] }> {
    const n = this.#bounds.length;
    for (let i = 0; i < n; i++) {
      const p = this.#placements[i]!;
      yield { start: this.#bounds[(i + n - 1) % n]!, end: this.#bounds[i]!, owner: p.primary, replicas: p.replicas, inSync: p.inSync };
    }
  }

  /** True when some hash has no in-sync replica: a map that must not be committed. */
  hasArcWithoutInSyncReplica(): boolean {
    return this.#placements.some((p) => p.inSync.length === 0);
  }

  /**
   * Whether `nodeId` holds `hash` at this epoch: it is one of its replicas, or a target of a
   * migration copying it.
   */
  keeps(nodeId: string, hash: number): boolean {
    const i = this.#index(hash);
    if (this.#placements[i]!.replicas.includes(nodeId)) return true;
    const k = this.#moves[i]!;
    const move = k >= 0 ? this.map.migrations[k] : undefined;
    return move !== undefined && move.state !== ArcState.DONE && move.targets.includes(nodeId);
  }
}

/**
 * True when some arc has no in-sync replica in `map`, or will have none once its migrations
 * complete: a map no coordinator may commit (a failover must not drop, and a plan must not
 * move an arc onto, shards none of which is in sync).
 */
export function leavesArcWithoutInSyncReplica(map: ClusterMap): boolean {
  if (new Ownership(map).hasArcWithoutInSyncReplica()) return true;
  if (!isMigrating(map)) return false;
  const ids = new Set(map.nextMembers.map((m) => m.id));
  const finished: ClusterMap = {
    ...map, members: map.nextMembers, nextMembers: [], migrations: [],
    replicationFactor: map.nextReplicationFactor || map.replicationFactor, nextReplicationFactor: 0,
    replicaStates: map.replicaStates.filter((r) => ids.has(r.id)),
  };
  return new Ownership(finished).hasArcWithoutInSyncReplica();
}

/** members plus next members (a joining shard is only in the latter), each id once. */
export function allMembers(map: ClusterMap): ClusterMember[] {
  const out = new Map<string, ClusterMember>();
  for (const m of map.members) out.set(m.id, m);
  for (const m of map.nextMembers) if (!out.has(m.id)) out.set(m.id, m);
  return [...out.values()];
}

export function isMigrating(map: ClusterMap): boolean {
  return map.migrations.length > 0 || map.nextMembers.length > 0;
}

/** True when every migrating arc is done. */
export function migrationsDone(moves: readonly ArcMoveState[]): boolean {
  return moves.every((m) => m.state === ArcState.DONE);
}
