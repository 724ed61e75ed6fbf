import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership } from '@ringkv/core';
import type { EtcdServer } from '@ringkv/cli/internal';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Writers } from '../replication/writers.js';

/**
 * The production shape of etcd: three members. Losing any one of them (a follower or etcd's
 * own leader) is invisible to ringkv: etcd keeps its quorum, the routers move to the members
 * that answer, the coordinator keeps its seat (no flap), writes go on, and failover still works.
 */
const ARGS = ['--replication-factor', '3', '--failure-timeout-ms', '2000', '--heartbeat-interval-ms', '250', '--election-ttl-s', '2'];

/** etcd's own leader, as a member's maintenance status reports it (etcd's JSON gateway). */
async function etcdLeaderId(member: EtcdServer): Promise<{ self: string; leader: string }> {
  const res = await fetch(`${member.endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) });
  const body = (await res.json()) as { header: { member_id: string }; leader: string };
  return { self: body.header.member_id, leader: body.leader };
}

describe('a 3-member etcd: one member lost at a time', () => {
  const env = useProcessCluster({ shards: 4, routers: 2, etcd: true, etcdMembers: 3, routerArgs: ARGS });
  const prefix = uniquePrefix('etcd3m');
  let client: RingKvClient;

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: env.cluster.routerAddresses, timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await client?.close();
  });

  async function coordinator(): Promise<string> {
    return waitUntil('a coordinator', async () => {
      const s = await client.admin.status({ counts: false, timeoutMs: 2_000 }).catch(() => undefined);
      return s?.coordinator?.id;
    }, 15_000, 100);
  }
  const elections = () => ['router', 'router-2'].reduce((n, r) => n + (env.cluster.log(r).match(/coordinating the cluster/g)?.length ?? 0), 0);

  /** Loses `member` for 8 s under writes; the coordinator must not change and writes must go on. */
  async function loseMember(member: EtcdServer, label: string): Promise<void> {
    const seat = await coordinator();
    const elected = elections();
    const writers = new Writers(client, `${prefix}${label}-`, { writers: 4, keysPerWriter: 25 });
    const run = writers.run(10_000);
    await sleep(1_000);
    await member.kill();
    const acks: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = writers.acked;
      await sleep(1_000);
      acks.push(writers.acked - before);
      // The seat is held throughout: status (from either router) names the same coordinator.
      expect(await coordinator()).toBe(seat);
    }
    await run;
    console.log(`[etcd ${label}] ${member.options.name} killed; writes acknowledged per second after: ${acks.join(', ')}; ${writers.failed} failed`);
    expect(elections(), 'a new coordinator was elected').toBe(elected);
    // Writes flowed in every second after the loss (no stall waiting on the dead member).
    for (const n of acks) expect(n).toBeGreaterThan(20);
    await writers.verify(client);
  }

  it('a follower member SIGKILLed: same coordinator, writes go on, a shard still fails over', async () => {
    const statuses = await Promise.all(env.cluster.etcdMembers.map(etcdLeaderId));
    const follower = env.cluster.etcdMembers.find((_, i) => statuses[i]!.self !== statuses[i]!.leader)!;
    await loseMember(follower, 'follower');
    // The coordinator still commits through the two members left: a dead shard fails over.
    await env.cluster.kill('shard-3', 'SIGKILL');
    await waitUntil('shard-3 failed over', async () => {
      const own = new Ownership(await client.admin.clusterMap());
      return own.replicaState('shard-3') === 'out_of_sync' ? true : undefined;
    }, 15_000, 200);
    await env.cluster.restart('shard-3');
    await env.cluster.restartEtcd(follower);
    await waitUntil('shard-3 back in sync', async () => ((await client.admin.clusterMap()).replicaStates.length === 0 ? true : undefined), 30_000, 200);
  }, 90_000);

  it("etcd's own leader SIGKILLed: etcd elects another within its election timeout, and ringkv's coordinator keeps its seat", async () => {
    const statuses = await Promise.all(env.cluster.etcdMembers.map(etcdLeaderId));
    const leader = env.cluster.etcdMembers.find((_, i) => statuses[i]!.self === statuses[i]!.leader)!;
    expect(leader).toBeDefined();
    await loseMember(leader, 'leader');
    await env.cluster.restartEtcd(leader);
  }, 90_000);
});
