import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, type ReplicaSelection } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { waitUntil } from '../helpers/wait.js';
import { scrape } from '../observability/scrape.js';

// Each node serves metrics on a port of its own choosing and logs it at info level.
process.env.RINGKV_LOG_LEVEL = 'info';

const POLICIES: ReplicaSelection[] = ['random', 'round_robin', 'least_outstanding'];
const KEYS = Array.from({ length: 200 }, (_, i) => `replica-reads/${i}`);
const valueOf = (i: number) => `value-${i}`;
/** Sequential reads of one key per check: with 3 replicas, the chance that random picks land on one shard is 3^-29. */
const SAME_KEY_READS = 30;

/**
 * Three shards, replication factor 3 (every shard holds every key). Replica reads return the
 * values written, and the reads of one single key reach several shards, whereas reads from
 * the primary of that key reach one shard only.
 */
describe('replica reads (3 shards, replication factor 3)', () => {
  const env = useProcessCluster({ shards: 3, routerArgs: ['--replication-factor', '3'], nodeArgs: ['--metrics', '127.0.0.1:0'] });
  let client: RingKvClient;
  const metricsOf = new Map<string, string>();

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    for (const id of env.cluster.shardIds) {
      const address = await waitUntil(`the metrics address of ${id}`, async () =>
        /metrics on http:\/\/([0-9.]+:[0-9]+)\/metrics/.exec(env.cluster.log(id))?.[1], 10_000);
      metricsOf.set(id, address);
    }
    const map = await client.admin.clusterMap();
    expect(map.replicationFactor).toBe(3);
    expect(map.replicaStates).toEqual([]);
    const versions = await client.batchPut(KEYS.map((key, i) => ({ key, value: valueOf(i) })));
    expect(versions).toHaveLength(KEYS.length);
  });

  afterAll(async () => {
    await client?.close();
  });

  /** Gets executed by each shard so far (any outcome). */
  async function getsPerShard(): Promise<Map<string, number>> {
    const entries = await Promise.all(env.cluster.shardIds.map(async (id) =>
      [id, (await scrape(metricsOf.get(id)!)).sum('ringkv_node_ops_total', { op: 'get' })] as const));
    return new Map(entries);
  }

  /** Per shard, the gets it executed while `run` ran. */
  async function getsDuring(run: () => Promise<void>): Promise<Map<string, number>> {
    const before = await getsPerShard();
    await run();
    const after = await getsPerShard();
    return new Map([...after].map(([id, n]) => [id, n - before.get(id)!]));
  }

  const reached = (delta: Map<string, number>) => [...delta].filter(([, n]) => n > 0).map(([id]) => id).sort();

  it('the primaries replicated every write to both other replicas (ringkv_node_replicated_records_total)', async () => {
    const sent = await Promise.all(env.cluster.shardIds.map(async (id) => (await scrape(metricsOf.get(id)!)).sum('ringkv_node_replicated_records_total')));
    // Each of the 200 writes went from its primary to the 2 other replicas.
    expect(sent.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 * KEYS.length);
  });

  it('reads from the primary (the default) go to one shard for one key', async () => {
    const delta = await getsDuring(async () => {
      for (let i = 0; i < SAME_KEY_READS; i++) expect((await client.get(KEYS[7]!))?.toString()).toBe(valueOf(7));
    });
    expect(reached(delta)).toHaveLength(1);
    expect([...delta.values()].reduce((a, b) => a + b, 0)).toBe(SAME_KEY_READS);
  });

  for (const policy of POLICIES) {
    it(`${policy}: all 200 values are right, per call and per client, and one key's reads reach several shards`, async () => {
      // Per call: batchGet and get.
      const values = await client.batchGet(KEYS, { readFrom: 'replica', replicaSelection: policy });
      expect(values.map((v) => v?.toString())).toEqual(KEYS.map((_, i) => valueOf(i)));
      const singles = await Promise.all(KEYS.map((k) => client.get(k, { readFrom: 'replica', replicaSelection: policy })));
      expect(singles.map((v) => v?.toString())).toEqual(KEYS.map((_, i) => valueOf(i)));
      expect(await client.get('replica-reads/absent', { readFrom: 'replica', replicaSelection: policy })).toBeUndefined();

      // Per client: the same key, read one at a time.
      const replicaClient = await RingKvClient.connect({ routers: [env.cluster.routerAddress], readFrom: 'replica', replicaSelection: policy });
      try {
        const delta = await getsDuring(async () => {
          for (let i = 0; i < SAME_KEY_READS; i++) expect((await replicaClient.get(KEYS[7]!))?.toString()).toBe(valueOf(7));
        });
        expect([...delta.values()].reduce((a, b) => a + b, 0)).toBe(SAME_KEY_READS);
        const shards = reached(delta);
        expect(shards.length, `gets per shard: ${JSON.stringify([...delta])}`).toBeGreaterThan(1);
        // Round robin takes each in-sync replica in turn: all three, evenly.
        if (policy === 'round_robin') expect([...delta.values()]).toEqual([10, 10, 10]);
      } finally {
        await replicaClient.close();
      }
    });
  }

  it('in a healthy cluster, a replica read after an acknowledged write returns it (the primary acknowledges once every in-sync replica applied it)', async () => {
    for (let i = 0; i < 20; i++) {
      await client.put(KEYS[3]!, `rewrite-${i}`);
      for (const policy of POLICIES) {
        expect((await client.get(KEYS[3]!, { readFrom: 'replica', replicaSelection: policy }))?.toString()).toBe(`rewrite-${i}`);
      }
    }
  });
});
