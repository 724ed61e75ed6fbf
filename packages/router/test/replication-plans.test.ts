import { describe, expect, it } from 'vitest';
import { Ownership, newClusterMap, type ClusterMap } from '@ringkv/core';
import { planAdd, planRemove, planReplication, planWeight, startPlan } from '../src/control/membership.js';
import { dropReplicas } from '../src/control/failover.js';

const map3 = (rf: number, shards = 3): ClusterMap => ({
  ...newClusterMap('c', Array.from({ length: shards }, (_, i) => ({ id: `s${i + 1}`, address: `127.0.0.1:${7401 + i}`, weight: 1, state: 'active' as const })), 32),
  replicationFactor: rf,
});

const withEpoch = (m: Omit<ClusterMap, 'epoch'>, epoch: bigint): ClusterMap => ({ ...m, epoch });

describe('dropReplicas (failover)', () => {
  it('drops a shard from every in-sync set: each arc it led is now led by its next replica', () => {
    const map = map3(3);
    const { map: next, dropped } = dropReplicas(map, ['s1']);
    expect(dropped).toEqual(['s1']);
    const before = new Ownership(map);
    const after = new Ownership(withEpoch(next, 2n));
    for (const iv of before.intervals()) {
      const h = iv.end;
      expect(after.inSyncOf(h)).not.toContain('s1');
      expect(after.ownerOf(h)).toBe(before.replicasOf(h).filter((r) => r !== 's1')[0]);
    }
  });

  it('never leaves an arc without an in-sync replica: the last copy stays', () => {
    expect(dropReplicas(map3(3), ['s1', 's2', 's3']).dropped).toEqual(['s1', 's2']);
    expect(dropReplicas(map3(1), ['s1']).dropped).toEqual([]);
  });

  it('re-sources the copies of a migration from a dropped primary and sends none to a dropped target', () => {
    const map = map3(3);
    const plan = planAdd(map, 's4', '127.0.0.1:7404', 1);
    const migrating = withEpoch(startPlan(map, plan), 2n);
    const bySource = migrating.migrations.filter((m) => m.from === 's1');
    expect(bySource.length).toBeGreaterThan(0);
    const { map: next } = dropReplicas({ ...migrating, migrations: migrating.migrations.map((m) => ({ ...m, state: 'copying' })) }, ['s1']);
    for (const m of next.migrations) {
      expect(m.from).not.toBe('s1');
      expect(m.targets).not.toContain('s1');
    }
    expect(next.migrations.filter((m) => bySource.some((b) => b.start === m.start)).every((m) => m.state === 'pending')).toBe(true);
  });
});

describe('replication plans', () => {
  it('adding a shard at replicationFactor 3 copies each changed arc from its primary to its new replicas only', () => {
    const map = map3(3);
    const plan = planAdd(map, 's4', '127.0.0.1:7404', 1);
    const before = new Ownership(map);
    for (const m of plan.moves) {
      expect(m.from).toBe(before.ownerOf(m.end));
      expect(m.targets).toEqual(['s4']);
    }
    const done = withEpoch(startPlan(map, plan), 2n);
    const own = new Ownership({ ...done, migrations: done.migrations.map((m) => ({ ...m, state: 'done' })) });
    // Once done, each moved arc is on its new preference list; the others kept theirs.
    for (const m of plan.moves) expect(own.replicasOf(m.end)).toContain('s4');
  });

  it('a reweight can move only a primary: such a move copies nothing', () => {
    const plan = planWeight(map3(3), 's2', 2);
    expect(plan.moves.length).toBeGreaterThan(0);
    expect(plan.moves.every((m) => m.targets.length === 0 && m.from !== m.to)).toBe(true);
  });

  it('raising the replication factor copies to the new replicas; lowering it copies nothing', () => {
    const up = planReplication(map3(1), 3);
    expect(up.moves.length).toBeGreaterThan(0);
    expect(up.moves.every((m) => m.targets.length === 2 && m.from === m.to)).toBe(true);
    const down = planReplication(map3(3), 2);
    expect(down.moves).toEqual([]);
    expect(startPlan(map3(3), down).replicationFactor).toBe(2);
    expect(() => planReplication(map3(3), 6)).toThrow(/1 to 5/);
  });

  it('a forced removal copies from the other in-sync replicas and is refused at replicationFactor 1', () => {
    const plan = planRemove(map3(3, 4), 's2', true);
    expect(plan.moves.every((m) => m.from !== 's2' && !m.targets.includes('s2'))).toBe(true);
    expect(plan.replicaStates).toEqual([{ id: 's2', state: 'out_of_sync' }]);
    expect(() => planRemove(map3(1), 's2', true)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/no other copy/) }));
  });
});
