import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { ExtraNode } from '../helpers/extra-node.js';
import { uniquePrefix } from '../helpers/keys.js';
import { addShard, removeShard, waitForMigrations } from '../helpers/membership.js';
import { keysByOwner } from '../helpers/ownership.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Two routers over the same shards; membership changes go through router A. Router B follows
 * through the epoch fence (data) and its periodic map refresh (status), and never becomes a
 * second coordinator.
 */
describe('a membership change through one router, seen by another', () => {
  const env = useProcessCluster({ shards: 3, routers: 2 });
  const prefix = uniquePrefix('mr');
  const keys = Array.from({ length: 400 }, (_, i) => `${prefix}${i}`);
  let viaA: RingKvClient;
  let viaB: RingKvClient;
  let shard4: ExtraNode;

  beforeAll(async () => {
    const [a, b] = env.cluster.routerAddresses as [string, string];
    viaA = await RingKvClient.connect({ routers: [a], timeoutMs: 5_000 });
    viaB = await RingKvClient.connect({ routers: [b], timeoutMs: 5_000 });
    await viaB.batchPut(keys.map((key) => ({ key, value: `one:${key}`.padEnd(300, '.') })));
    shard4 = await ExtraNode.start('shard-4', { root: env.cluster.root });
  });
  afterAll(async () => {
    await viaA?.close();
    await viaB?.close();
    await shard4?.stop();
  });

  it('router B recovered the map router A bootstrapped (same cluster, same epoch)', async () => {
    const [mapA, mapB] = [await viaA.admin.clusterMap(), await viaB.admin.clusterMap()];
    expect(mapB.clusterId).toBe(mapA.clusterId);
    expect(mapB.epoch).toBe(mapA.epoch);
  });

  it('after shard add through A, B serves the keys that moved and its status shows 4 shards', async () => {
    const before = await viaB.admin.clusterMap();
    await addShard(viaA, env.cluster.routerAddress, 'shard-4', shard4.address);
    const done = await waitForMigrations(viaA, 60_000);
    const moved = (await keysByOwner(viaA, keys)).get('shard-4')!;
    expect(moved.length).toBeGreaterThan(40);
    // Data through B right away: B's old epoch is fenced (WRONG_OWNER) and it reconciles.
    const values = await viaB.batchGet(moved);
    expect(values.map((v) => v?.toString())).toEqual(moved.map((k) => `one:${k}`.padEnd(300, '.')));
    await viaB.batchPut(moved.map((key) => ({ key, value: `two:${key}`.padEnd(300, '.') })));
    expect((await viaA.batchGet(moved)).map((v) => v?.toString())).toEqual(moved.map((k) => `two:${k}`.padEnd(300, '.')));
    // Status through B catches up by itself within a few refreshes.
    const status = await waitUntil('B showing 4 shards', async () => {
      const s = await viaB.admin.status({ counts: false });
      return s.shards.length === 4 && s.epoch === done.epoch ? s : undefined;
    }, 5_000);
    expect(status.epoch > before.epoch).toBe(true);
    expect(status.shards.map((s) => s.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
  });

  it('B restarted while A drives a change does not resume it (one coordinator); the change finishes', async () => {
    // Slow A's migration down so that it is still running when B starts again.
    await env.cluster.kill('router', 'SIGTERM');
    await env.cluster.restart('router', { args: [...env.cluster.argsOf('router'), '--migration-rate', '2000'] });
    await waitUntil('A answering', () => viaA.admin.clusterMap({ timeoutMs: 2_000 }), 15_000);
    await removeShard(viaA, env.cluster.routerAddress, 'shard-4');
    // B persists the migrating map (its refresh), so that it restarts with a change in its map.
    await waitUntil('B seeing the change', async () => ((await viaB.admin.clusterMap()).migrations.length > 0 ? true : undefined), 5_000, 50);
    const logStart = env.cluster.log('router-2').length;
    await env.cluster.kill('router-2', 'SIGKILL');
    await env.cluster.restart('router-2');
    // The change was still running when B came back.
    const left = (await viaA.admin.clusterMap()).migrations.filter((m) => m.state !== 'done').length;
    expect(left).toBeGreaterThan(0);
    await waitForMigrations(viaA, 60_000);
    const bLog = env.cluster.log('router-2').slice(logStart);
    // B serves only (the lone coordinator is A): it came back on the migrating map and left the change to A.
    expect(bLog).toMatch(/"role":"serve-only"/);
    expect(bLog).not.toMatch(/arcs migrated|membership change complete/);
    expect(env.cluster.log('router')).toMatch(/membership change complete/);
    const values = await viaB.batchGet(keys);
    expect(values.every((v, i) => v !== undefined && v.toString().slice(4, 4 + keys[i]!.length) === keys[i])).toBe(true);
    await waitUntil('B showing 3 shards', async () => ((await viaB.admin.status({ counts: false })).shards.length === 3 ? true : undefined), 5_000);
  });
});
