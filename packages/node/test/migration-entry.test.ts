import { describe, expect, it } from 'vitest';
import { ArcState, arcContains, type Arc } from '@ringkv/core';
import { catchUpMoves, copyingMoves, handoffMoves } from '../src/migration-entry.js';
import { move, ownership, sampleHashes } from './helpers/maps.js';

const base = ownership(['n1', 'n2', 'n3']);
const arcOf = (owner: string): Arc => base.ring.arcOf(sampleHashes().find((h) => base.ownerOf(h) === owner)!);
const a1 = arcOf('n1');
const a2 = arcOf('n2');
const migrating = (epoch: bigint, ...moves: ReturnType<typeof move>[]) =>
  ownership(['n1', 'n2', 'n3'], epoch, { migrations: moves, nextMembers: base.map.members });

describe('copyingMoves', () => {
  it('returns the moves of arcs this node copies to the target', () => {
    const own = migrating(2n, move(a1, 'n1', 'n3', ArcState.COPYING));
    expect(copyingMoves(own, 'n1', [a1], 'n3')).toEqual([own.map.migrations[0]]);
  });

  it.each([
    ['another target', move(a1, 'n1', 'n3', ArcState.COPYING), 'n1', 'n2'],
    ['another source', move(a1, 'n1', 'n3', ArcState.COPYING), 'n2', 'n3'],
    ['a move not copying yet', move(a1, 'n1', 'n3', ArcState.PENDING), 'n1', 'n3'],
    ['a move in hand-off', move(a1, 'n1', 'n3', ArcState.HANDOFF), 'n1', 'n3'],
  ])('refuses %s with INVALID_ARGUMENT', (_name, m, nodeId, target) => {
    expect(() => copyingMoves(migrating(2n, m), nodeId, [a1], target)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuses an arc that is not migrating', () => {
    expect(() => copyingMoves(migrating(2n, move(a1, 'n1', 'n3', ArcState.COPYING)), 'n1', [a2], 'n3'))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('catchUpMoves', () => {
  const rf = { replicationFactor: 2 };
  const catching = (epoch: bigint) => ownership(['n1', 'n2', 'n3'], epoch, { ...rf, replicaStates: [{ id: 'n3', state: 'catching_up', since: epoch }] });

  it('copies every arc this node leads and the target replicates, whole', () => {
    const own = catching(3n);
    const moves = catchUpMoves(own, 'n1', 3n, 'n3');
    expect(moves.length).toBeGreaterThan(0);
    expect(moves.every((m) => m.from === 'n1' && m.to === 'n3' && m.targets.join() === 'n3' && m.state === ArcState.COPYING)).toBe(true);
    for (const h of sampleHashes()) {
      const expected = own.ownerOf(h) === 'n1' && own.replicasOf(h).includes('n3');
      expect(moves.some((m) => arcContains(m, h)), `hash ${h}`).toBe(expected);
    }
  });

  it('runs at exactly the epoch asked, for a shard that is catching up', () => {
    expect(() => catchUpMoves(catching(4n), 'n1', 3n, 'n3')).toThrow(expect.objectContaining({ code: 'WRONG_OWNER', epoch: 4n }));
    expect(() => catchUpMoves(catching(3n), 'n1', 3n, 'n2')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('handoffMoves', () => {
  it('returns the moves of arcs this node hands off, in request order', () => {
    const own = migrating(5n, move(a2, 'n2', 'n3', ArcState.HANDOFF), move(a1, 'n1', 'n3', ArcState.HANDOFF));
    expect(handoffMoves(own, 'n1', 5n, [a1])).toEqual([own.map.migrations[1]]);
    expect(handoffMoves(own, 'n1', 4n, [])).toEqual([]);
    expect(handoffMoves(undefined, 'n1', 4n, [])).toEqual([]);
  });

  it('answers WRONG_OWNER, with its epoch, for anything else', () => {
    const own = migrating(5n, move(a1, 'n1', 'n3', ArcState.COPYING), move(a2, 'n2', 'n3', ArcState.HANDOFF));
    for (const [nodeId, epoch, arc] of [['n1', 5n, a1], ['n1', 5n, a2], ['n2', 6n, a2]] as const) {
      expect(() => handoffMoves(own, nodeId, epoch, [arc])).toThrow(expect.objectContaining({ code: 'WRONG_OWNER', epoch: 5n }));
    }
    expect(() => handoffMoves(undefined, 'n1', 1n, [a1])).toThrow(expect.objectContaining({ code: 'WRONG_OWNER', epoch: 0n }));
  });
});
