import { describe, expect, it } from 'vitest';
import type { ClusterMap, RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Churn, KeyModel, readAll, useMigrationFixture, waitSettled } from '../migration/checks.js';
import { replicationRouterArgs } from './writers.js';

/** Live keys each shard should hold: those whose preference list in `map` names it. */
function replicaCounts(map: ClusterMap, live: readonly string[]): Record<string, number> {
  const own = new Ownership(map);
  const out: Record<string, number> = Object.fromEntries(map.members.map((m) => [m.id, 0]));
  for (const k of live) for (const id of own.replicasOf(hash32(Buffer.from(k)))) out[id]! += 1;
  return out;
}

/**
 * Runs a change under churn, polling Status meanwhile: no arc may be under-replicated at any
 * point; afterwards every acknowledged write reads back and every shard holds exactly the
 * keys its preference lists give it (the replicas that left hold none).
 */
async function changeKeepsReplicas(
  client: RingKvClient, model: KeyModel, keys: string[], change: () => Promise<{ epoch: bigint }>,
): Promise<{ polls: number; map: ClusterMap }> {
  const churn = new Churn(client, model, keys, { workers: 2, maxMs: 60_000 });
  const plan = await change();
  let polls = 0;
  const under: string[] = [];
  for (let i = 0; i < 600; i++) {
    const current = await client.admin.clusterMap({ timeoutMs: 5_000 });
    polls++;
    const own = new Ownership(current);
    const short = [...own.intervals()].filter((iv) => iv.inSync.length < Math.min(current.replicationFactor, current.members.length));
    if (short.length > 0) under.push(`epoch ${current.epoch}: ${short.length} intervals`);
    if (current.epoch > plan.epoch && current.migrations.length === 0) break;
    await sleep(100);
  }
  const map = await waitSettled(client, plan.epoch);
  await churn.stop();
  expect(under, 'under-replicated arcs seen during the change').toEqual([]);
  const { live, bad } = await readAll(client, model);
  expect(bad).toEqual([]);
  const want = replicaCounts(map, live);
  let got: Record<string, number> = {};
  await waitUntil('exact replica placement', async () => {
    const status = await client.admin.status({ timeoutMs: 10_000 });
    got = Object.fromEntries(status.shards.map((s) => [s.id, Number(s.keys)]));
    return JSON.stringify(got) === JSON.stringify(want) ? true : undefined;
  }, 30_000, 500).catch(() => undefined);
  expect(got, 'live keys per shard vs the preference lists').toEqual(want);
  return { polls, map };
}

describe('membership changes keep every arc at replicationFactor 3', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: [...replicationRouterArgs, '--migration-rate', '400000'] });
  const model = new KeyModel();
  const fx = useMigrationFixture(env, model, 'rmem', 5_000);

  it('add a shard, reweight one, remove one: never under-replicated, nothing lost, exact placement', async () => {
    const churnKeys = fx.keys.slice(0, 600);
    const add = await changeKeepsReplicas(fx.client, model, churnKeys, () => fx.client.admin.addShard('shard-4', fx.node4.address));
    expect(add.map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    const weight = await changeKeepsReplicas(fx.client, model, churnKeys.filter((k) => !model.isUncertain(k)), () => fx.client.admin.setWeight('shard-2', 2));
    expect(weight.map.members.find((m) => m.id === 'shard-2')!.weight).toBe(2);
    const remove = await changeKeepsReplicas(fx.client, model, churnKeys.filter((k) => !model.isUncertain(k)), () => fx.client.admin.removeShard('shard-1'));
    expect(remove.map.members.map((m) => m.id).sort()).toEqual(['shard-2', 'shard-3', 'shard-4']);
    expect(remove.map.replicationFactor).toBe(3);
    expect(add.polls + weight.polls + remove.polls).toBeGreaterThan(10);
  }, 240_000);
});
