import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { ExtraNode } from '../helpers/extra-node.js';
import { uniquePrefix } from '../helpers/keys.js';
import { addShard, removeShard, waitForMigrations } from '../helpers/membership.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * etcd restored from a backup older than the last membership change: the map in etcd is
 * behind the maps the shards hold. The coordinator notices when it takes over, writes the
 * shards' (newer) map back to etcd at a higher epoch, and later changes work. Without that, it
 * would drive changes from the stale map, and every one would be refused by the shards.
 */
const MAP_KEY = '/ringkv/default/map';

/** etcd's JSON gateway (base64 keys and values), so the test needs no etcd client of its own. */
async function etcdJson(endpoint: string, path: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('etcd restored from an old backup', () => {
  const env = useProcessCluster({ shards: 3, routers: 1, etcd: true, routerArgs: ['--election-ttl-s', '2'] });
  const prefix = uniquePrefix('restore');
  const keys = Array.from({ length: 300 }, (_, i) => `${prefix}${i}`);
  let client: RingKvClient;
  let shard4: ExtraNode;

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: env.cluster.routerAddresses, timeoutMs: 5_000 });
    await client.batchPut(keys.map((key) => ({ key, value: `v:${key}` })));
    shard4 = await ExtraNode.start('shard-4', { root: env.cluster.root });
  });
  afterAll(async () => {
    await client?.close();
    await shard4?.stop();
  });

  it('the coordinator writes the shards\' newer map back to etcd, and the next change goes through', async () => {
    const etcd = env.cluster.etcd.endpoint;
    // The backup: the map value as it is now (3 shards).
    const backup = await etcdJson(etcd, '/v3/kv/range', { key: b64(MAP_KEY) });
    const oldValue = (backup.kvs as Array<{ value: string }>)[0]!.value;
    const oldEpoch = (await client.admin.clusterMap()).epoch;

    await addShard(client, env.cluster.routerAddress, 'shard-4', shard4.address);
    const grown = await waitForMigrations(client, 60_000);
    expect(grown.members).toHaveLength(4);

    // Restore: the router stops, etcd gets the old map back, the router starts again.
    await env.cluster.kill('router', 'SIGKILL');
    await etcdJson(etcd, '/v3/kv/put', { key: b64(MAP_KEY), value: oldValue });
    const logStart = env.cluster.log('router').length;
    await env.cluster.restart('router');

    const recovered = await waitUntil('the map in etcd recovered from the shards', async () => {
      const m = await client.admin.clusterMap({ timeoutMs: 2_000 }).catch(() => undefined);
      return m && m.epoch > grown.epoch ? m : undefined;
    }, 20_000, 100);
    expect(recovered.epoch > oldEpoch).toBe(true);
    expect(recovered.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    // (Logs are written asynchronously: a moment late.)
    await waitUntil('the recovery logged', async () => (
      /older than the shards[\s\S]*cluster map recovered from the shards/.test(env.cluster.log('router').slice(logStart)) ? true : undefined
    ), 5_000, 50);
    // etcd itself holds the recovered map now (not only the router's view).
    const now = await etcdJson(etcd, '/v3/kv/range', { key: b64(MAP_KEY) });
    expect((now.kvs as Array<{ value: string }>)[0]!.value).not.toBe(oldValue);

    // Every key still reads, and a change driven from the recovered map completes.
    expect((await client.batchGet(keys)).map((v) => v?.toString())).toEqual(keys.map((k) => `v:${k}`));
    await removeShard(client, env.cluster.routerAddress, 'shard-4');
    const shrunk = await waitForMigrations(client, 60_000);
    expect(shrunk.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect((await client.batchGet(keys)).map((v) => v?.toString())).toEqual(keys.map((k) => `v:${k}`));
  }, 120_000);
});
