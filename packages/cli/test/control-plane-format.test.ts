import { describe, expect, it } from 'vitest';
import type { ArcGroupStatus, ClusterStatus, PrimaryLeaseStatus, RouterStatus } from '@ringkv/client';
import { statusJson, statusText } from '../src/format.js';
import { STATUS_LEASES, STATUS_ROUTERS } from '../src/format-control-plane.js';

const lease = (held: boolean, remainingMs: number, grantor = '3f9a1c2b7d10'): PrimaryLeaseStatus =>
  ({ primary: true, held, remainingMs, grantor, durationMs: 2400 });

function router(id: string, epoch: bigint, coordinator: boolean, reportedMsAgo: number): RouterStatus {
  return { id, address: `127.0.0.1:74${id.length}${epoch}`, epoch, coordinator, version: '0.1.0', reportedMsAgo };
}

/** The table rows of `text` that match `re`. */
const rows = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));

/** 3 shards at replication factor 3 on etcd, with two routers: router-2 coordinates. */
function replicated(extra: Partial<ClusterStatus> = {}): ClusterStatus {
  const ids = ['shard-1', 'shard-2', 'shard-3'];
  const groups: ArcGroupStatus[] = ids.map((p, i) => {
    const replicas = [p, ids[(i + 1) % 3]!, ids[(i + 2) % 3]!];
    return { replicas, primary: p, inSync: replicas, arcs: 4, fraction: 1 / 3, underReplicated: false };
  });
  return {
    clusterId: 'c', epoch: 9n, replicationFactor: 3, arcGroups: groups, underReplicatedArcs: 0, underReplicatedFraction: 0, migrations: [],
    shards: ids.map((id, i) => ({
      id, address: `127.0.0.1:750${i}`, weight: 1, state: 'active', keys: 5n, bytes: 50n, reachable: true, replicaState: 'in_sync' as const,
      lease: lease(true, 2100 - i * 100),
    })),
    controlPlane: 'etcd',
    coordinator: { id: 'router-2', address: '127.0.0.1:7482' },
    routers: [router('router', 9n, false, 0), { ...router('router-2', 9n, true, 1234), address: '127.0.0.1:7482' }],
    answeredBy: 'router',
    ...extra,
  };
}

/** One router on its data dir at replication factor 1: the shape of `ringkv dev`. */
function lone(): ClusterStatus {
  return {
    clusterId: 'c', epoch: 3n, replicationFactor: 1, migrations: [], underReplicatedArcs: 0, underReplicatedFraction: 0,
    arcGroups: [{ replicas: ['shard-1'], primary: 'shard-1', inSync: ['shard-1'], arcs: 1, fraction: 1, underReplicated: false }],
    shards: [{
      id: 'shard-1', address: '127.0.0.1:7401', weight: 1, state: 'active', keys: 1n, bytes: 10n, reachable: true, replicaState: 'in_sync',
      lease: { primary: false, held: false, remainingMs: 0, grantor: '', durationMs: 0 },
    }],
    controlPlane: 'file',
    coordinator: { id: 'router', address: '127.0.0.1:7400' },
    routers: [{ id: 'router', address: '127.0.0.1:7400', epoch: 3n, coordinator: true, version: '0.1.0', reportedMsAgo: 0 }],
    answeredBy: 'router',
  };
}

describe('status: control plane and primary leases', () => {
  it('etcd with 2 routers: the coordinator, a row per router with its epoch and when it reported it, a lease per shard', () => {
    const text = statusText(replicated());
    expect(text).toContain('control plane: etcd, coordinator router-2 (127.0.0.1:7482)\n');
    expect(text).toContain('routers: 2, all at epoch 9\n');
    // The coordinator first; the router that answered says so.
    const routerRows = rows(text, /^│ router/);
    expect(routerRows).toHaveLength(3);
    expect(routerRows[0]).toMatch(/│ router +│ address +│ +epoch │ coordinator │ reported +│/);
    expect(routerRows[1]).toMatch(/│ router-2 │ 127\.0\.0\.1:7482 +│ +9 │ yes +│ 1\.2 s ago +│/);
    expect(routerRows[2]).toMatch(/│ router +│ 127\.0\.0\.1:7469 +│ +9 │ +│ answered +│/);
    expect(text).toContain('primary leases: all 3 primaries hold one (2400 ms each, granted by 3f9a1c2b7d10)\n');
    expect(text).toMatch(/│ shard-1 │ held +│ +2100 ms │ +2400 ms │ 3f9a1c2b7d10 │/);
    expect(text).toMatch(/│ shard-3 │ held +│ +1900 ms │ +2400 ms │ 3f9a1c2b7d10 │/);
    expect(text).not.toContain('NOT HELD');
    expect(text).not.toContain('control plane error');
    // The sections follow replication, in this order.
    const at = (s: string) => text.indexOf(s);
    expect(at('under-replicated:')).toBeLessThan(at('primary leases:'));
    expect(at('primary leases:')).toBeLessThan(at('control plane:'));
  });

  it('a primary without its lease stands out and comes first; a router behind is marked; a lost coordinator says why', () => {
    const s = replicated({ coordinator: undefined, controlPlaneError: 'etcd: cannot renew the session lease' });
    s.shards[1]!.lease = lease(false, 0, 'aa00bb11cc22dd33');
    s.shards[2] = { ...s.shards[2]!, reachable: false, error: 'connect ECONNREFUSED' };
    delete s.shards[2].lease;
    s.routers = [router('router', 9n, false, 0), { ...router('router-2', 8n, false, 45_000) }];
    const text = statusText(s);
    expect(text).toContain('control plane: etcd, coordinator: none elected\ncontrol plane error: etcd: cannot renew the session lease\n');
    expect(text).toContain('routers: 2, 1 behind epoch 9\n');
    expect(text).toMatch(/│ router-2 │ [\d.:]+ +│ 8 \(behind\) │ +│ 45\.0 s ago +│/);
    expect(text).toContain('primary leases: 2 of 3 primaries NOT HELD (shard-2, shard-3): they answer TRY_AGAIN\n');
    const leaseRows = rows(text, /^│ shard-\d │ (held|NOT HELD|unknown)/);
    expect(leaseRows.map((r) => r.split('│')[1]!.trim())).toEqual(['shard-2', 'shard-3', 'shard-1']);
    expect(leaseRows[0]).toMatch(/│ shard-2 │ NOT HELD │ +0 ms │ +2400 ms │ aa00bb11cc2… +│/);
    expect(leaseRows[1]).toMatch(/│ shard-3 │ unknown +│ +│ +│ \(unreachable\) │/);
    // The summary line is about the missing leases, not who granted the others.
    expect(text).not.toContain('granted by');
  });

  it('long lists are bounded; --json has every router and every lease', () => {
    const s = replicated();
    const shards = Array.from({ length: STATUS_LEASES + 3 }, (_, i) => ({ ...s.shards[0]!, id: `shard-${i + 1}`, lease: lease(true, 1000) }));
    const routers = Array.from({ length: STATUS_ROUTERS + 2 }, (_, i) => router(i === 0 ? 'router' : `router-${i + 1}`, 9n, i === 1, 10 * i));
    const text = statusText({ ...s, shards, routers });
    expect(rows(text, /^│ shard-\d+ +│ held/)).toHaveLength(STATUS_LEASES);
    expect(text).toContain('... 3 more shards (ringkv status --json lists every lease)');
    expect(rows(text, /^│ router(-\d+)? +│ 127/)).toHaveLength(STATUS_ROUTERS);
    expect(text).toContain('... 2 more routers (ringkv status --json lists them all)');
    const j = JSON.parse(statusJson({ ...s, shards, routers })) as { shards: Array<{ lease: PrimaryLeaseStatus }>; routers: unknown[]; coordinator: unknown };
    expect(j.routers).toHaveLength(STATUS_ROUTERS + 2);
    expect(j.shards).toHaveLength(STATUS_LEASES + 3);
    expect(j.shards[0]!.lease).toEqual({ primary: true, held: true, remainingMs: 1000, grantor: '3f9a1c2b7d10', durationMs: 2400 });
    expect(j.coordinator).toEqual({ id: 'router-2', address: '127.0.0.1:7482' });
  });

  it('a lone router at replication factor 1: one control-plane line, no router table, no lease section', () => {
    const text = statusText(lone());
    expect(text).toContain('control plane: file (the router\'s data dir), coordinator router (127.0.0.1:7400); 1 router at epoch 3\n');
    expect(text).not.toContain('primary leases');
    expect(text).not.toContain('routers:');
    expect(text).not.toMatch(/│ router/);
    // Header, shard table (5 lines), totals, migrations, replication (line, 5-line table,
    // summary): 15 lines before the control plane, which adds one.
    expect(text.trimEnd().split('\n')).toHaveLength(16);
    // `ringkv dev` names its lone router by its address: said once.
    const dev = lone();
    dev.coordinator = { id: '127.0.0.1:7400', address: '127.0.0.1:7400' };
    dev.routers = [{ ...dev.routers[0]!, id: '127.0.0.1:7400' }];
    dev.answeredBy = '127.0.0.1:7400';
    expect(statusText(dev)).toContain('coordinator 127.0.0.1:7400; 1 router at epoch 3\n');
  });

  it('a --serve-only router on a file: it names itself and says it only serves', () => {
    const s: ClusterStatus = { ...lone(), coordinator: undefined };
    s.routers = [{ ...s.routers[0]!, id: 'router-b', coordinator: false }];
    s.answeredBy = 'router-b';
    expect(statusText(s)).toContain('control plane: file (the router\'s data dir), coordinator: not this router (it only serves); 1 router router-b (127.0.0.1:7400) at epoch 3\n');
  });
});
