import { describe, expect, it } from 'vitest';
import { newClusterMap, type ClusterMap } from '@ringkv/core';
import { planAdd, planRemove, planWeight, startPlan } from '../src/control/membership.js';

const map: ClusterMap = newClusterMap('c', ['shard-1', 'shard-2', 'shard-3'].map((id, i) => ({
  id, address: `127.0.0.1:${7401 + i}`, weight: 1, state: 'active' as const,
})));

describe('startPlan: one membership change at a time, even when two are planned at once', () => {
  it('commits a plan on top of the map it was computed from', () => {
    const next = startPlan(map, planAdd(map, 'shard-4', '127.0.0.1:7404', 1));
    expect(next.nextMembers.map((m) => m.id)).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    expect(next.migrations.length).toBeGreaterThan(0);
  });

  it('refuses a plan whose base map has meanwhile started another change', () => {
    const add = planAdd(map, 'shard-4', '127.0.0.1:7404', 1);
    const remove = planRemove(map, 'shard-2');
    const afterRemove: ClusterMap = { ...startPlan(map, remove, 'shard-2'), epoch: map.epoch + 1n };
    expect(() => startPlan(afterRemove, add)).toThrow(expect.objectContaining({ code: 'MIGRATION_IN_PROGRESS' }));
  });

  it('refuses a plan computed from an older epoch even when the cluster is idle again', () => {
    const weight = planWeight(map, 'shard-1', 2);
    const later: ClusterMap = { ...map, epoch: map.epoch + 5n };
    expect(() => startPlan(later, weight)).toThrow(expect.objectContaining({ code: 'MIGRATION_IN_PROGRESS', message: expect.stringMatching(/changed \(epoch 1 -> 6\)/) }));
  });
});
