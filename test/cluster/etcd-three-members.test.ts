import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership } from '@ringkv/core';
import type { EtcdServer } from '@ringkv/cli/internal';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Writers } from '../replication/writers.js';

/**
 * The production shape of etcd: three members. Losing one of them: etcd keeps its quorum, the
 * routers move to the members that answer, writes go on, failover still works, and no other
 * router takes the seat. A follower's loss costs the coordinator nothing; etcd's leader's loss
 * can make it step down for a moment (etcd's election can outlast the session's own deadline)
 * and take its own seat back.
 */
// The session TTL at its default (3 s), a little more room than the other etcd tests' 2 s.
const ARGS = ['--replication-factor', '3', '--failure-timeout-ms', '2000', '--heartbeat-interval-ms', '250', '--election-ttl-s', '3'];

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
  /** How often `router` has logged taking the seat. */
  const elections = (router: string) => env.cluster.log(router).match(/coordinating the cluster/g)?.length ?? 0;

  /**
   * Loses `member` for 8 s under writes: writes must go on every second and no other router
   * may take the seat. `mayReconfirm`: the coordinator may step down for a moment and take its
   * own seat back (its key never left etcd), as when etcd's own election outlasts the session's
   * deadline; otherwise it must not even do that.
   */
  async function loseMember(member: EtcdServer, label: string, mayReconfirm: boolean): Promise<void> {
    const seat = await coordinator();
    const other = ['router', 'router-2'].find((r) => r !== seat)!;
    const [seatElected, otherElected] = [elections(seat), elections(other)];
    const writers = new Writers(client, `${prefix}${label}-`, { writers: 4, keysPerWriter: 25 });
    const run = writers.run(10_000);
    await sleep(1_000);
    await member.kill();
    const acks: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = writers.acked;
      await sleep(1_000);
      acks.push(writers.acked - before);
      expect(await coordinator()).toBe(seat);
    }
    await run;
    const reconfirmed = elections(seat) - seatElected;
    console.log(`[etcd ${label}] ${member.options.name} killed; writes acknowledged per second after: ${acks.join(', ')}; ${writers.failed} failed; the coordinator re-took its seat ${reconfirmed} time(s)`);
    expect(elections(other), 'the other router took the seat').toBe(otherElected);
    expect(reconfirmed).toBeLessThanOrEqual(mayReconfirm ? 1 : 0);
    // Writes flowed in every second after the loss (no stall waiting on the dead member).
    for (const n of acks) expect(n).toBeGreaterThan(20);
    await writers.verify(client);
  }

  it('a follower member SIGKILLed: same coordinator, writes go on, a shard still fails over', async () => {
    const statuses = await Promise.all(env.cluster.etcdMembers.map(etcdLeaderId));
    const follower = env.cluster.etcdMembers.find((_, i) => statuses[i]!.self !== statuses[i]!.leader)!;
    try {
      await loseMember(follower, 'follower', false);
      // The coordinator still commits through the two members left: a dead shard fails over.
      await env.cluster.kill('shard-3', 'SIGKILL');
      await waitUntil('shard-3 failed over', async () => {
        const own = new Ownership(await client.admin.clusterMap());
        return own.replicaState('shard-3') === 'out_of_sync' ? true : undefined;
      }, 15_000, 200);
    } finally {
      await env.cluster.restartEtcd(follower);
    }
    await env.cluster.restart('shard-3');
    await waitUntil('shard-3 back in sync', async () => ((await client.admin.clusterMap()).replicaStates.length === 0 ? true : undefined), 30_000, 200);
  }, 90_000);

  it("etcd's own leader SIGKILLed: etcd elects another, writes go on, and no other router takes the seat", async () => {
    const statuses = await Promise.all(env.cluster.etcdMembers.map(etcdLeaderId));
    const leader = env.cluster.etcdMembers.find((_, i) => statuses[i]!.self === statuses[i]!.leader)!;
    expect(leader).toBeDefined();
    try {
      await loseMember(leader, 'leader', true);
    } finally {
      await env.cluster.restartEtcd(leader);
    }
  }, 90_000);
});
