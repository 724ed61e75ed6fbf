import { ArcState, ErrorCode, RingKvError, type Arc, type ArcMoveState, type Ownership } from '@ringkv/core';
import { replicatedArcs } from './node-arcs.js';

/*
 * What a node's migration entry points (MigrateArc, CatchUp, FinishHandoff) may act on, checked
 * against the map in force before anything is streamed or waited for. StorageEngine checks
 * that it is open first.
 */

/** The moves of `arcs`, each copying from `nodeId` to `targetId`; INVALID_ARGUMENT for any other arc. */
export function copyingMoves(own: Ownership, nodeId: string, arcs: Arc[], targetId: string): ArcMoveState[] {
  return arcs.map((arc) => {
    const move = own.map.migrations.find((m) => m.start === arc.start && m.end === arc.end);
    if (!move || move.from !== nodeId || !move.targets.includes(targetId) || move.state !== ArcState.COPYING) {
      throw new RingKvError(ErrorCode.INVALID_ARGUMENT,
        `no copying migration of arc (${arc.start},${arc.end}] from ${nodeId} to ${targetId} at epoch ${own.epoch}`);
    }
    return move;
  });
}

/**
 * The arcs `nodeId` leads and `targetId` replicates, as moves to copy, when `targetId` is
 * catching up at exactly `reqEpoch` (the coordinator counts on the primaries of that epoch).
 */
export function catchUpMoves(own: Ownership, nodeId: string, reqEpoch: bigint, targetId: string): ArcMoveState[] {
  if (own.epoch !== reqEpoch) {
    throw new RingKvError(ErrorCode.WRONG_OWNER, `node ${nodeId} is at epoch ${own.epoch}, catch-up asked at ${reqEpoch}`, { epoch: own.epoch });
  }
  if (own.replicaState(targetId) !== 'catching_up') {
    throw new RingKvError(ErrorCode.INVALID_ARGUMENT, `shard ${targetId} is not catching up at epoch ${own.epoch}`);
  }
  return replicatedArcs(own, targetId, (owner) => owner === nodeId).map((a): ArcMoveState => ({
    ...a, from: nodeId, to: targetId, targets: [targetId], state: ArcState.COPYING,
    keysMoved: 0n, bytesMoved: 0n, estimatedKeys: 0n, estimatedBytes: 0n,
  }));
}

/** The moves of `arcs`, each in hand-off from `nodeId` at `reqEpoch` or later; WRONG_OWNER for any other arc. */
export function handoffMoves(own: Ownership | undefined, nodeId: string, reqEpoch: bigint, arcs: Arc[]): ArcMoveState[] {
  return arcs.map((arc) => {
    const move = own?.map.migrations.find((m) => m.start === arc.start && m.end === arc.end);
    if (!own || own.epoch < reqEpoch || !move || move.from !== nodeId || move.state !== ArcState.HANDOFF) {
      throw new RingKvError(ErrorCode.WRONG_OWNER,
        `node ${nodeId} at epoch ${own?.epoch ?? 0n} has no hand-off of arc (${arc.start},${arc.end}]`, { epoch: own?.epoch ?? 0n });
    }
    return move;
  });
}
