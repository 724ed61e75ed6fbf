import { describe, expect, it } from 'vitest';
import type { ClusterMap, RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Churn, KeyModel, readAll, useMigrationFixture, waitMidway, waitSettled } from '../migration/checks.js';
import { replicationRouterArgs } from './writers.js';

/** Live keys each shard should hold: those whose preference list in `map` names it. */
function replicaCounts(map: ClusterMap, live: readonly string[]): Map<string, number> {
  const own = new Ownership(map);
  const out = new Map<string, number>(map.members.map((m) => [m.id, 0]));
  for (const k of live) for (const id of own.replicasOf(hash32(Buffer.from(k)))) out.set(id, out.get(id)! + 1);
  return out;
}

/** Waits until every listed shard holds exactly the live keys its preference lists give it (old replicas cleaned up). */
async function waitForReplicaPlacement(client: RingKvClient, map: ClusterMap, live: readonly string[], shards: readonly string[]): Promise<void> {
  const want = replicaCounts(map, live);
  let got = new Map<string, number>();
  try {
    await waitUntil('replica placement', async () => {
      const status = await client.admin.status({ timeoutMs: 10_000 });
      got = new Map(status.shards.map((s) => [s.id, Number(s.keys)]));
      return shards.every((id) => got.get(id) === want.get(id)) ? true : undefined;
    }, 30_000, 500);
  } finally {
    expect(Object.fromEntries(shards.map((id) => [id, got.get(id)])), 'live keys per shard vs the preference lists of the final map')
      .toEqual(Object.fromEntries(shards.map((id) => [id, want.get(id)])));
  }
}

/**
 * Replication factor 3, 3 -> 4 shards: the primary that is copying an arc to its new replica
 * is SIGKILLed mid-migration and stays down. Its arcs fail over, the copies are restarted from
 * the new primaries, the change completes without it, every acknowledged write reads back,
 * and once it returns and catches up every shard holds exactly its replicas' keys.
 */
describe('SIGKILL of the primary of an arc being migrated (replicationFactor 3)', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: [...replicationRouterArgs, '--migration-rate', '100000', '--migration-arcs', '2'] });
  const model = new KeyModel();
  const fx = useMigrationFixture(env, model, 'rmig', 8_000);

  it('3 -> 4 completes without the killed source; nothing acknowledged is lost; placement is exact after it returns', async () => {
    const plan = await fx.client.admin.addShard('shard-4', fx.node4.address);
    expect(plan.committed).toBe(true);
    const churn = new Churn(fx.client, model, fx.keys.slice(0, 1_000), { workers: 2, maxMs: 90_000, opTimeoutMs: 3_000 });
    const mid = await waitMidway(fx.client, (m) => m.state === 'copying');
    const victim = mid.migrations.find((m) => m.state === 'copying')!.from;
    await env.cluster.kill(victim, 'SIGKILL');
    const map = await waitSettled(fx.client, plan.epoch, 90_000);
    expect(map.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    expect(map.replicaStates).toEqual([{ id: victim, state: 'out_of_sync' }]);
    await sleep(500);
    const stats = await churn.stop();
    const { live, bad } = await readAll(fx.client, model);
    expect(bad, 'keys whose value is not their last acknowledged write').toEqual([]);
    const up = map.members.map((m) => m.id).filter((id) => id !== victim);
    await waitForReplicaPlacement(fx.client, map, live, up);

    await env.cluster.restart(victim);
    await waitUntil(`${victim} back in sync`, async () => ((await fx.client.admin.clusterMap()).replicaStates.length === 0 ? true : undefined), 60_000, 250);
    const final = await fx.client.admin.clusterMap();
    await waitForReplicaPlacement(fx.client, final, live, final.members.map((m) => m.id));
    const again = await readAll(fx.client, model);
    expect(again.bad).toEqual([]);
    process.stdout.write(`primary ${victim} killed mid-copy; churn ${stats.puts} puts ${stats.deletes} deletes ${stats.failed} failed ` +
      `(${JSON.stringify(Object.fromEntries(stats.errors))}); ${live.length} live keys checked\n`);
  }, 240_000);
});
