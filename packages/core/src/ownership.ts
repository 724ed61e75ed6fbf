import { arcContains } from './arc.js';
import { ringOf, type ArcMoveState, type ClusterMap, type ClusterMember } from './cluster-map.js';
import { firstAtOrAfter, type Ring } from './ring.js';

/** Migration states of one arc, in order. */
export const ArcState = {
  PENDING: 'pending',
  COPYING: 'copying',
  HANDOFF: 'handoff',
  DONE: 'done',
} as const;
export type ArcState = (typeof ArcState)[keyof typeof ArcState];

/**
 * Who serves each hash at one epoch. Without migrations that is the ring of `members`; during
 * one, an arc that is done is served by its `to`, every other hash by its owner on the ring
 * of `members`. Built once per map: boundaries are the ring's tokens plus the migrating
 * arcs' endpoints, so one binary search answers both "owner" and "migrating arc".
 */
export class Ownership {
  readonly map: ClusterMap;
  readonly ring: Ring;
  readonly #bounds: Uint32Array;
  readonly #owners: string[];
  readonly #moves: Int32Array;

  constructor(map: ClusterMap) {
    this.map = map;
    this.ring = ringOf(map);
    const moves = map.migrations;
    const set = new Set<number>(this.ring.tokens);
    for (const m of moves) {
      set.add(m.start);
      set.add(m.end);
    }
    this.#bounds = Uint32Array.from([...set].sort((a, b) => a - b));
    this.#owners = new Array(this.#bounds.length);
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
    this.#bounds.forEach((b, i) => {
      const k = find(b);
      this.#moves[i] = k;
      const move = k >= 0 ? moves[k] : undefined;
      this.#owners[i] = move && move.state === ArcState.DONE ? move.to : this.ring.ownerOf(b);
    });
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

  /** The shard that serves `hash` at this epoch. */
  ownerOf(hash: number): string {
    return this.#owners[this.#index(hash)]!;
  }

  /** The migration moving `hash`, if any. */
  moveOf(hash: number): ArcMoveState | undefined {
    const k = this.#moves[this.#index(hash)]!;
    return k >= 0 ? this.map.migrations[k] : undefined;
  }

  /** Every elementary interval (start, end] with its serving owner, in ring order. */
  *intervals(): Generator<{ start: number; end: number; owner: string }> {
    const n = this.#bounds.length;
    for (let i = 0; i < n; i++) {
      yield { start: this.#bounds[(i + n - 1) % n]!, end: this.#bounds[i]!, owner: this.#owners[i]! };
    }
  }
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
