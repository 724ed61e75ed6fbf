import { Ownership, newClusterMap, type ArcMoveState, type ClusterMap, type ClusterMember } from '@ringkv/core';

/** A member n<i> on 127.0.0.1:74<i> (nothing listens there: tests that reach no peer). */
export const member = (id: string): ClusterMember => ({ id, address: `127.0.0.1:${7400 + Number(id.slice(1))}`, weight: 1, state: 'active' });

/** A map of members `ids` at `epoch` with `extra` fields (replication factor, states, migrations). */
export function mapOf(ids: string[], epoch = 1n, extra: Partial<ClusterMap> = {}): ClusterMap {
  return { ...newClusterMap('c1', ids.map(member)), epoch, ...extra };
}

export const ownership = (ids: string[], epoch = 1n, extra: Partial<ClusterMap> = {}) => new Ownership(mapOf(ids, epoch, extra));

/** A move of `arc` in `state`, from `from` to `to` (its only target). */
export function move(arc: { start: number; end: number }, from: string, to: string, state: ArcMoveState['state']): ArcMoveState {
  return {
    start: arc.start, end: arc.end, from, to, targets: [to], state,
    keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
  };
}

/** Hashes spread over the ring, the ends of the hash space included. */
export const sampleHashes = (n = 2000): number[] =>
  [0, 1, 0xffffffff, ...Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) / n) * 2 ** 32) >>> 0)];
