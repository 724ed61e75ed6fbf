import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, type ClusterMap } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { waitUntil } from '../helpers/wait.js';

/** The router's cluster map outlives the router, and --shard flags only ever bootstrap. */
describe('router restarts', () => {
  const env = useProcessCluster({ shards: 3 });
  const prefix = uniquePrefix('rr');
  const keys = Array.from({ length: 200 }, (_, i) => `${prefix}${i}`);
  let client: RingKvClient;
  let original: ClusterMap;

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
    await client.batchPut(keys.map((key) => ({ key, value: key })));
    original = await client.admin.clusterMap();
  });
  afterAll(async () => {
    await client?.close();
  });

  const memberView = (m: ClusterMap) => m.members.map((x) => `${x.id}=${x.address}`).sort();

  async function restartRouter(args?: string[]): Promise<void> {
    await env.cluster.kill('router', 'SIGTERM');
    await env.cluster.restart('router', args ? { args } : {});
    await waitUntil('the restarted router answering', () => client.admin.clusterMap({ timeoutMs: 2_000 }), 15_000);
  }

  async function expectAllKeys(): Promise<void> {
    const values = await client.batchGet(keys);
    expect(values.map((v) => v?.toString())).toEqual(keys);
  }

  it('the bootstrap map has the 3 shards at their addresses', () => {
    expect(original.epoch >= 1n).toBe(true);
    expect(memberView(original)).toEqual(env.cluster.shardIds.map((id) => `${id}=${env.cluster.address(id)}`).sort());
    expect(original.clusterId).not.toBe('');
  });

  it('a restart with the same --shard flags keeps the map and warns that the flags are ignored', async () => {
    const logBefore = env.cluster.log('router').length;
    await restartRouter();
    const map = await client.admin.clusterMap();
    expect(map.clusterId).toBe(original.clusterId);
    expect(map.epoch).toBe(original.epoch);
    expect(memberView(map)).toEqual(memberView(original));
    const newLog = env.cluster.log('router').slice(logBefore);
    expect(newLog).toMatch(/--shard flags ignored/);
    await expectAllKeys();
  });

  it('a restart with different --shard flags still keeps the stored map', async () => {
    const args = env.cluster.argsOf('router').filter((a, i, all) => a !== '--shard' && all[i - 1] !== '--shard');
    args.push('--shard', 'other-1=127.0.0.1:1', '--shard', 'other-2=127.0.0.1:2');
    const logBefore = env.cluster.log('router').length;
    await restartRouter(args);
    const map = await client.admin.clusterMap();
    expect(map.clusterId).toBe(original.clusterId);
    expect(memberView(map)).toEqual(memberView(original));
    expect(env.cluster.log('router').slice(logBefore)).toMatch(/--shard flags ignored/);
    await expectAllKeys();
  });

  it('a restart without any --shard flags serves from the stored map', async () => {
    const args = env.cluster.argsOf('router').filter((a, i, all) => a !== '--shard' && all[i - 1] !== '--shard');
    await restartRouter(args);
    expect((await client.admin.clusterMap()).clusterId).toBe(original.clusterId);
    await expectAllKeys();
  });

  it('a router that lost its data dir recovers the map from the shards', async () => {
    await env.cluster.kill('router', 'SIGKILL');
    rmSync(env.cluster.dataDir('router'), { recursive: true, force: true });
    await env.cluster.restart('router');
    await waitUntil('the restarted router answering', () => client.admin.clusterMap({ timeoutMs: 2_000 }), 15_000);
    const map = await client.admin.clusterMap();
    expect(map.clusterId).toBe(original.clusterId);
    expect(map.epoch).toBe(original.epoch);
    await expectAllKeys();
  });
});
