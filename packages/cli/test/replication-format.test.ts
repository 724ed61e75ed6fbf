import { describe, expect, it } from 'vitest';
import type { ArcGroupStatus, ClusterStatus } from '@ringkv/client';
import { STATUS_GROUPS, moveLabel, sortedGroups, statusJson, statusText } from '../src/format.js';

function group(replicas: string[], inSync: string[], fraction: number, arcs = 1): ArcGroupStatus {
  return { replicas, primary: inSync[0] ?? '', inSync, arcs, fraction, underReplicated: inSync.length < replicas.length };
}

function status(shards: string[], rf: number, arcGroups: ArcGroupStatus[], extra: Partial<ClusterStatus> = {}): ClusterStatus {
  const under = arcGroups.filter((g) => g.underReplicated);
  return {
    clusterId: 'c', epoch: 7n, controlPlane: 'file', routers: [], answeredBy: 'router',
    shards: shards.map((id) => ({
      id, address: `127.0.0.1:${id.slice(6)}`, weight: 1, state: 'active', keys: 5n, bytes: 50n, reachable: true, replicaState: 'in_sync' as const,
    })),
    migrations: [],
    replicationFactor: rf,
    arcGroups,
    underReplicatedArcs: under.reduce((n, g) => n + g.arcs, 0),
    underReplicatedFraction: under.reduce((n, g) => n + g.fraction, 0),
    ...extra,
  };
}

/** 3 shards at replication factor 3: the 6 orders of the three shards. */
const six = [
  ['shard-1', 'shard-2', 'shard-3'], ['shard-1', 'shard-3', 'shard-2'], ['shard-2', 'shard-1', 'shard-3'],
  ['shard-2', 'shard-3', 'shard-1'], ['shard-3', 'shard-1', 'shard-2'], ['shard-3', 'shard-2', 'shard-1'],
];

describe('status: replication', () => {
  it('a healthy cluster: the factor, one row per arc group with its primary, and "none" under-replicated', () => {
    const text = statusText(status(['shard-1', 'shard-2', 'shard-3'], 3, six.map((r, i) => group(r, r, (i + 1) / 21, 10 + i))));
    expect(text).toContain('replication: factor 3, 6 arc groups');
    expect(text).toMatch(/│ shard-2,shard-3,shard-1 │ shard-2 +│ all +│ +13 │ +19\.0% │/);
    expect(text).toContain('under-replicated: none (every arc has 3 in-sync replicas)');
    expect(text).toContain('3 shards, 15 keys, 150 B (every replica counts its keys)');
    expect(text).not.toContain('UNDER-REPLICATED');
    // Shard rows show their replica state.
    expect(text).toMatch(/│ shard-1 │ 127\.0\.0\.1:1 +│ +1 │ active │ in_sync +│ yes/);
  });

  it('a shard out of sync: its groups first, flagged with their in-sync count, and the summary line', () => {
    const groups = six.map((r) => {
      const inSync = r.filter((id) => id !== 'shard-2');
      return group(r, inSync, 1 / 6, 4);
    });
    const s = status(['shard-1', 'shard-2', 'shard-3'], 3, groups, { replicationError: 'catch-up of shard-2 failed: unreachable' });
    s.shards[1]!.replicaState = 'out_of_sync';
    const text = statusText(s);
    expect(text).toMatch(/│ shard-2 │ .* │ out_of_sync │/);
    expect(text).toMatch(/│ shard-2,shard-1,shard-3 │ shard-1 +│ shard-1,shard-3 │ +4 │ +16\.7% │ UNDER-REPLICATED 2\/3 │/);
    expect(text).toContain('replication error (retrying): catch-up of shard-2 failed: unreachable');
    expect(text).toContain('under-replicated: 24 arcs (100.0% of the ring) with fewer than 3 in-sync replicas');
  });

  it('many groups: at most STATUS_GROUPS rows, under-replicated first, and a line for the rest; --json lists all', () => {
    const shards = Array.from({ length: 10 }, (_, i) => `shard-${i + 1}`);
    const groups: ArcGroupStatus[] = [];
    for (let i = 0; i < 30; i++) {
      const r = [shards[i % 10]!, shards[(i + 1) % 10]!, shards[(i + 3) % 10]!];
      groups.push(group(r, i === 29 ? r.slice(0, 2) : r, 1 / 30));
    }
    const s = status(shards, 3, groups);
    const text = statusText(s);
    const rows = text.split('\n').filter((l) => /^│ shard-\d+,/.test(l));
    expect(rows.length).toBe(STATUS_GROUPS);
    expect(rows[0]).toContain('UNDER-REPLICATED 2/3');
    expect(text).toContain(`... ${30 - STATUS_GROUPS} more groups (60.0% of the ring; ringkv status --json lists them all)`);
    // Natural order of ids: shard-2 before shard-10.
    const primaries = sortedGroups(groups).slice(1).map((g) => g.primary);
    expect(primaries.indexOf('shard-2')).toBeLessThan(primaries.indexOf('shard-10'));
    const j = JSON.parse(statusJson(s)) as { arcGroups: ArcGroupStatus[]; underReplicatedArcs: number; replicationFactor: number };
    expect(j.arcGroups.length).toBe(30);
    expect(j.arcGroups[0]).toEqual({ ...groups[29], inSync: groups[29]!.inSync });
    expect(j.underReplicatedArcs).toBe(1);
    expect(j.replicationFactor).toBe(3);
  });

  it('a factor above the number of shards says how many copies there are', () => {
    const text = statusText(status(['shard-1', 'shard-2'], 3, [group(['shard-1', 'shard-2'], ['shard-1', 'shard-2'], 1)]));
    expect(text).toContain('replication: factor 3 (only 2 shards: 2 copies of each key), 1 arc group');
    expect(text).toContain('under-replicated: none (every arc has 2 in-sync replicas)');
  });

  it('moves: from -> to at factor 1, the copies and a changed primary with replicas', () => {
    expect(moveLabel({ from: 'shard-1', to: 'shard-4', targets: ['shard-4'] })).toBe('shard-1 -> shard-4');
    expect(moveLabel({ from: 'shard-1', to: 'shard-1', targets: ['shard-2', 'shard-3'] })).toBe('shard-1 -> shard-2+shard-3');
    expect(moveLabel({ from: 'shard-1', to: 'shard-4', targets: ['shard-4', 'shard-2'] })).toBe('shard-1 -> shard-4+shard-2 (primary shard-4)');
    expect(moveLabel({ from: 'shard-1', to: 'shard-2', targets: [] })).toBe('shard-1 -> shard-2 (hand-off, no copy)');
  });
});
