import { describe, expect, it } from 'vitest';
import { ArcState, type Ownership } from '@ringkv/core';
import { OwnershipFence } from '../src/ownership-fence.js';
import { move, ownership, sampleHashes } from './helpers/maps.js';

/** A fence with `own` in force and, unless `leased` is false, a coordinator lease of a minute. */
const fenceOf = (nodeId: string, own?: Ownership, leased = true) => {
  const f = new OwnershipFence(nodeId);
  if (own) f.enforce(own);
  if (leased) {
    f.replied('coord', 1n);
    f.heartbeat('coord', 1n, 60_000);
  }
  return f;
};
/** A hash whose primary is `primary` (and, if given, whose preference list holds `replica`). */
const hashLedBy = (own: Ownership, primary: string, replica?: string) =>
  sampleHashes().find((h) => own.ownerOf(h) === primary && (replica === undefined || own.replicasOf(h).includes(replica)))!;
/** A hash of which `id` is not a replica at all. */
const hashNotHeldBy = (own: Ownership, id: string) => sampleHashes().find((h) => !own.replicasOf(h).includes(id))!;

describe('OwnershipFence.check', () => {
  it('refuses everything before the node has a map', () => {
    const f = fenceOf('n1');
    expect(f.check(1n, 5)).toMatchObject({ errorCode: 'WRONG_OWNER', epoch: '0' });
    expect(f.checkReplicaRead(1n, 5)).toMatchObject({ errorCode: 'WRONG_OWNER', epoch: '0' });
    expect(f.epoch).toBe(0n);
    expect(f.owns(5)).toBe(false);
  });

  it('serves the keys it leads, at its epoch or older, and names the owner of the others', () => {
    const own = ownership(['n1', 'n2'], 4n);
    const f = fenceOf('n1', own);
    const mine = hashLedBy(own, 'n1');
    const theirs = hashLedBy(own, 'n2');
    expect(f.check(4n, mine)).toBeUndefined();
    expect(f.check(1n, mine)).toBeUndefined();
    expect(f.owns(mine)).toBe(true);
    // A request from a newer epoch: the sender has a map this node lacks.
    expect(f.check(5n, mine)).toMatchObject({ errorCode: 'WRONG_OWNER', epoch: '4' });
    const other = f.check(4n, theirs)!;
    expect(other).toMatchObject({ errorCode: 'WRONG_OWNER', epoch: '4' });
    expect(other.errorMessage).toContain('belongs to n2');
    expect(f.owns(theirs)).toBe(false);
  });

  it('answers TRY_AGAIN for an arc it hands off, and serves an arc it copies', () => {
    const base = ownership(['n1', 'n2']);
    const h = hashLedBy(base, 'n1');
    const arc = base.ring.arcOf(h);
    const at = (state: ArcState) => fenceOf('n1', ownership(['n1', 'n2'], 2n, { migrations: [move(arc, 'n1', 'n2', state)], nextMembers: base.map.members }));
    expect(at(ArcState.COPYING).check(2n, h)).toBeUndefined();
    expect(at(ArcState.HANDOFF).check(2n, h)).toMatchObject({ errorCode: 'TRY_AGAIN', epoch: '2' });
    // Once done, n2 serves it.
    expect(at(ArcState.DONE).check(2n, h)).toMatchObject({ errorCode: 'WRONG_OWNER' });
  });

  it('serves nothing while this node is not in sync (an arc whose only replica it is)', () => {
    const own = ownership(['n1'], 2n, { replicaStates: [{ id: 'n1', state: 'catching_up', since: 2n }] });
    expect(fenceOf('n1', own).check(2n, 5)).toMatchObject({ errorCode: 'UNAVAILABLE' });
  });
});

describe('the primary lease', () => {
  it('at replication factor > 1 a primary serves only while a confirmed heartbeat reply leases it; TRY_AGAIN otherwise', async () => {
    const own = ownership(['n1', 'n2', 'n3'], 3n, { replicationFactor: 2 });
    const h = hashLedBy(own, 'n1');
    const f = fenceOf('n1', own, false);
    expect(f.check(3n, h)).toMatchObject({ errorCode: 'TRY_AGAIN', epoch: '3' });
    expect(f.lease).toMatchObject({ primary: true, held: false, remainingMs: 0 });
    // A heartbeat that confirms nothing, or a reply we never sent, or another grantor's: no lease.
    f.replied('coord', 1n);
    f.heartbeat('coord', 0n, 1_000);
    f.heartbeat('coord', 2n, 1_000);
    f.heartbeat('other', 1n, 1_000);
    expect(f.check(3n, h)).toMatchObject({ errorCode: 'TRY_AGAIN' });
    // The coordinator confirms the reply it received: the lease runs from when that reply left.
    f.heartbeat('coord', 1n, 80);
    expect(f.check(3n, h)).toBeUndefined();
    expect(f.lease).toMatchObject({ primary: true, held: true, grantor: 'coord', durationMs: 80 });
    expect(f.lease.remainingMs).toBeLessThanOrEqual(80);
    await new Promise((r) => setTimeout(r, 120));
    expect(f.check(3n, h)!.errorMessage).toMatch(/no primary lease/);
    // Replica reads of arcs it does not lead need no lease.
    const theirs = hashLedBy(own, 'n2', 'n1');
    expect(f.checkReplicaRead(3n, theirs)).toBeUndefined();
  });

  it('a shorter grant never shortens the lease; at replication factor 1 no lease is needed', () => {
    const own = ownership(['n1', 'n2'], 2n, { replicationFactor: 2 });
    const h = hashLedBy(own, 'n1');
    const f = fenceOf('n1', own, false);
    f.replied('coord', 5n);
    f.heartbeat('coord', 5n, 60_000);
    f.heartbeat('coord', 5n, 1);
    expect(f.check(2n, h)).toBeUndefined();
    const single = ownership(['n1', 'n2'], 2n);
    const g = fenceOf('n1', single, false);
    expect(g.check(2n, hashLedBy(single, 'n1'))).toBeUndefined();
    expect(g.lease.primary).toBe(false);
  });
});

describe('OwnershipFence.checkReplicaRead', () => {
  it('lets any in-sync replica answer, and no other shard', () => {
    const own = ownership(['n1', 'n2', 'n3'], 3n, { replicationFactor: 2 });
    const h = hashLedBy(own, 'n1', 'n2');
    expect(fenceOf('n2', own).checkReplicaRead(3n, h)).toBeUndefined();
    expect(fenceOf('n1', own).checkReplicaRead(3n, h)).toBeUndefined();
    const outsider = ['n1', 'n2', 'n3'].find((id) => !own.replicasOf(h).includes(id))!;
    expect(fenceOf(outsider, own).checkReplicaRead(3n, h)).toMatchObject({ errorCode: 'WRONG_OWNER', epoch: '3' });
    expect(fenceOf('n2', own).checkReplicaRead(4n, h)).toMatchObject({ errorCode: 'WRONG_OWNER' });
  });

  it('refuses a replica that is out of sync', () => {
    const own = ownership(['n1', 'n2', 'n3'], 3n, { replicationFactor: 2, replicaStates: [{ id: 'n2', state: 'out_of_sync' }] });
    const h = sampleHashes().find((x) => own.replicasOf(x)[1] === 'n2')!;
    expect(fenceOf('n2', own).checkReplicaRead(3n, h)).toMatchObject({ errorCode: 'WRONG_OWNER' });
  });
});

describe('OwnershipFence.acceptsIngest', () => {
  it('takes replication only from the primary in its own map, while in sync or catching up', () => {
    const own = ownership(['n1', 'n2', 'n3'], 2n, { replicationFactor: 2 });
    const h = hashLedBy(own, 'n1', 'n2');
    expect(fenceOf('n2', own).acceptsIngest('n1', h, true)).toBe(true);
    // A deposed primary, or any other shard, is refused.
    expect(fenceOf('n2', own).acceptsIngest('n3', h, true)).toBe(false);
    const outsider = ['n2', 'n3'].find((id) => !own.replicasOf(h).includes(id))!;
    expect(fenceOf(outsider, own).acceptsIngest('n1', h, true)).toBe(false);
    const dropped = ownership(['n1', 'n2', 'n3'], 3n, { replicationFactor: 2, replicaStates: [{ id: 'n2', state: 'out_of_sync' }] });
    const h2 = sampleHashes().find((x) => dropped.replicasOf(x).includes('n2') && dropped.ownerOf(x) === 'n1')!;
    expect(fenceOf('n2', dropped).acceptsIngest('n1', h2, true)).toBe(false);
    const catching = ownership(['n1', 'n2', 'n3'], 3n, { replicationFactor: 2, replicaStates: [{ id: 'n2', state: 'catching_up', since: 3n }] });
    const h3 = sampleHashes().find((x) => catching.replicasOf(x).includes('n2') && catching.ownerOf(x) === 'n1')!;
    expect(fenceOf('n2', catching).acceptsIngest('n1', h3, true)).toBe(true);
    // A catch-up snapshot (not `replicate`) comes from the primary too.
    expect(fenceOf('n2', catching).acceptsIngest('n1', h3, false)).toBe(true);
    expect(fenceOf('n2', own).acceptsIngest('n1', h, false)).toBe(false);
  });

  it('takes a migration copy only from the source of a move to it that is not done', () => {
    const base = ownership(['n1', 'n2']);
    const h = hashLedBy(base, 'n1');
    const arc = base.ring.arcOf(h);
    const at = (state: ArcState) => fenceOf('n2', ownership(['n1', 'n2'], 2n, { migrations: [move(arc, 'n1', 'n2', state)], nextMembers: base.map.members }));
    expect(at(ArcState.PENDING).acceptsIngest('n1', h, false)).toBe(true);
    expect(at(ArcState.COPYING).acceptsIngest('n1', h, false)).toBe(true);
    expect(at(ArcState.HANDOFF).acceptsIngest('n1', h, false)).toBe(true);
    expect(at(ArcState.DONE).acceptsIngest('n1', h, false)).toBe(false);
    expect(at(ArcState.COPYING).acceptsIngest('n3', h, false)).toBe(false);
    expect(fenceOf('n2', base).acceptsIngest('n1', h, false)).toBe(false);
    expect(fenceOf('n2').acceptsIngest('n1', h, true)).toBe(false);
  });

  it('refuses replication of a key it holds no replica of', () => {
    const own = ownership(['n1', 'n2', 'n3'], 2n);
    const h = hashNotHeldBy(own, 'n3');
    expect(fenceOf('n3', own).acceptsIngest(own.ownerOf(h), h, true)).toBe(false);
  });
});

describe('OwnershipFence epochs and the promotion gate', () => {
  it('reports the epoch in force and the settled epoch apart', () => {
    const f = fenceOf('n1', ownership(['n1'], 7n));
    expect(f.epoch).toBe(7n);
    expect(f.settledEpoch).toBe(0n);
    f.settle(7n);
    expect(f.settledEpoch).toBe(7n);
  });

  it('holds writes until the gate is lowered, and a lowered older gate leaves a newer one up', async () => {
    const f = fenceOf('n1');
    expect(f.writeGate).toBeUndefined();
    const lowerFirst = f.raiseWriteGate();
    const first = f.writeGate!;
    const lowerSecond = f.raiseWriteGate();
    const second = f.writeGate!;
    expect(second).not.toBe(first);
    lowerFirst();
    await first;
    expect(f.writeGate).toBe(second);
    let passed = false;
    void second.then(() => (passed = true));
    await new Promise((r) => setImmediate(r));
    expect(passed).toBe(false);
    lowerSecond();
    await second;
    await Promise.resolve();
    expect(passed).toBe(true);
    expect(f.writeGate).toBeUndefined();
  });
});
