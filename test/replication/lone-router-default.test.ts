import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { sleep } from '../helpers/wait.js';
import { Writers } from './writers.js';

/**
 * The default shape: one router, replication factor 3, and no other flag (no etcd, default
 * detection timeouts). The lone router coordinates itself, so a shard SIGKILLed under writes
 * fails over by itself and every key is writable again within seconds.
 */
describe('a lone router with no extra flags fails over by default (replication factor 3)', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: ['--replication-factor', '3'] });
  const prefix = uniquePrefix('lone');
  let client: RingKvClient;

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('SIGKILL of a shard: the keys it led are writable again within seconds, nothing acknowledged is lost', async () => {
    const status = await client.admin.status({ counts: false });
    expect(status.controlPlane).toBe('file');
    expect(status.routers.filter((r) => r.coordinator).map((r) => r.id)).toEqual(['router']);
    const before = new Ownership(await client.admin.clusterMap());
    const victim = 'shard-1';
    const writers = new Writers(client, prefix, { writers: 4, keysPerWriter: 30 });
    const led = writers.keys.filter((k) => before.ownerOf(hash32(Buffer.from(k))) === victim);
    expect(led.length).toBeGreaterThan(5);
    const run = writers.run(12_000);
    await sleep(1_500);
    const killedAt = Date.now();
    await env.cluster.kill(victim, 'SIGKILL');
    await run;
    const resumedAt = writers.firstAckAfter(killedAt, led);
    expect(resumedAt, 'no write to a key the victim led succeeded after the kill').toBeDefined();
    // Default failure timeout 3 s, heartbeats every 0.5 s, then one commit.
    expect(resumedAt! - killedAt).toBeLessThan(6_000);
    expect(new Ownership(await client.admin.clusterMap()).replicaState(victim)).toBe('out_of_sync');
    await writers.verify(client);
    await client.batchPut(writers.keys.map((key) => ({ key, value: `after:${key}` })), { timeoutMs: 5_000 });
  });
});
