import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { waitUntil } from '../helpers/wait.js';
import { Writers, replicationRouterArgs, FAILURE_TIMEOUT_MS } from './writers.js';

/**
 * Replication factor 3: SIGKILL one shard under continuous writes from several clients. Its
 * arcs fail over within the failure timeout plus a margin, reads keep succeeding, every
 * acknowledged write is found afterwards, and the shard catches up and rejoins when restarted.
 */
describe.each([3, 4])('replicationFactor 3 on %i shards: SIGKILL of a shard under writes', (shards) => {
  const env = useProcessCluster({ shards, routerArgs: replicationRouterArgs });
  const prefix = uniquePrefix(`fo${shards}`);
  let client: RingKvClient;
  let readers: RingKvClient;
  const victim = 'shard-2';

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 3_000 });
    readers = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await client?.close();
    await readers?.close();
  });

  it('fails over within the detection timeout, loses no acknowledged write, and the shard catches up on restart', async () => {
    const before = new Ownership(await client.admin.clusterMap());
    expect(before.map.replicationFactor).toBe(3);
    const writers = new Writers(client, prefix, { writers: 4, keysPerWriter: 40 });
    const led = writers.keys.filter((k) => before.ownerOf(hash32(Buffer.from(k))) === victim);
    const others = writers.keys.filter((k) => before.ownerOf(hash32(Buffer.from(k))) !== victim);
    expect(led.length).toBeGreaterThan(5);
    const run = writers.run(14_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const killedAt = Date.now();
    await env.cluster.kill(victim, 'SIGKILL');
    // Reads of keys the victim did not lead keep succeeding throughout the failover.
    let readFailures = 0;
    let reads = 0;
    while (Date.now() - killedAt < 6_000) {
      const key = others[reads % others.length]!;
      reads++;
      await readers.get(key, { timeoutMs: 2_000 }).catch(() => readFailures++);
    }
    await run;
    expect(reads).toBeGreaterThan(50);
    expect(readFailures).toBe(0);
    // Writes to the keys it led resumed within the failure timeout plus a margin.
    const resumedAt = writers.firstAckAfter(killedAt, led);
    expect(resumedAt, 'no write to a key the victim led succeeded after the kill').toBeDefined();
    expect(resumedAt! - killedAt).toBeLessThan(FAILURE_TIMEOUT_MS + 4_000);
    console.log(`[failover ${shards} shards] writes to its keys resumed ${resumedAt! - killedAt} ms after the kill; ${writers.acked} acked, ${writers.failed} failed, ${reads} reads`);
    expect(writers.acked).toBeGreaterThan(500);
    // The victim is out of the in-sync sets; every arc still has an in-sync primary.
    const after = new Ownership(await client.admin.clusterMap());
    expect(after.replicaState(victim)).toBe('out_of_sync');
    expect(after.hasArcWithoutInSyncReplica()).toBe(false);
    await writers.verify(readers);

    // The victim returns: it catches up from the primaries and rejoins every in-sync set.
    await env.cluster.restart(victim);
    await waitUntil(`${victim} back in sync`, async () => {
      const map = await client.admin.clusterMap();
      return map.replicaStates.length === 0 ? true : undefined;
    }, 30_000, 200);
    const rejoined = new Ownership(await client.admin.clusterMap());
    expect(rejoined.ownerOf(hash32(Buffer.from(led[0]!)))).toBe(victim);
    // It holds every acknowledged write again: reads from it alone (its keys lead again).
    await writers.verify(readers);
  });
});

/**
 * Two of three shards SIGKILLed at the same moment (replication factor 3): every arc still
 * has one in-sync replica, which holds every acknowledged write and serves alone
 * (under-replicated) until the others return and catch up.
 */
describe('replicationFactor 3 on 3 shards: two shards killed at once', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: replicationRouterArgs });
  const prefix = uniquePrefix('fo2');
  let client: RingKvClient;
  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('the survivor serves every key with every acknowledged write; the others catch up when restarted', async () => {
    const writers = new Writers(client, prefix, { writers: 3, keysPerWriter: 30 });
    const run = writers.run(9_000);
    await new Promise((r) => setTimeout(r, 2_000));
    const killedAt = Date.now();
    await Promise.all([env.cluster.kill('shard-1', 'SIGKILL'), env.cluster.kill('shard-3', 'SIGKILL')]);
    await run;
    const resumedAt = writers.firstAckAfter(killedAt + 100, writers.keys);
    expect(resumedAt, 'no write succeeded after the kills').toBeDefined();
    expect(resumedAt! - killedAt).toBeLessThan(FAILURE_TIMEOUT_MS + 4_000);
    const map = await client.admin.clusterMap();
    expect(map.replicaStates.map((r) => r.id).sort()).toEqual(['shard-1', 'shard-3']);
    await writers.verify(client);
    await Promise.all([env.cluster.restart('shard-1'), env.cluster.restart('shard-3')]);
    await waitUntil('both back in sync', async () => ((await client.admin.clusterMap()).replicaStates.length === 0 ? true : undefined), 40_000, 250);
    await writers.verify(client);
  });
});
