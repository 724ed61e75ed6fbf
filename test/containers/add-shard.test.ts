import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { mapLimit, uniquePrefix } from '../helpers/keys.js';
import { keysByOwner } from '../helpers/ownership.js';
import { ContainerCluster } from './cluster.js';

/**
 * A 4th shard container joins a running 3-shard cluster through the CLI, itself run in a
 * container of the image on the cluster's network (`ringkv shard add shard-4 shard-4:7401
 * --wait`), while a writer keeps writing: the migration completes and every key reads back.
 */
describe('adding a shard container with the CLI in a container', () => {
  let cluster: ContainerCluster;
  let client: RingKvClient;
  const prefix = uniquePrefix('add');
  const keys = Array.from({ length: 3_000 }, (_, i) => `${prefix}${i}`);
  const written = new Map<string, string>();

  beforeAll(async () => {
    cluster = await ContainerCluster.start({ shards: 3 });
    client = await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: 10_000 });
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500).map((key) => ({ key, value: `v1:${key}` }));
      await client.batchPut(chunk);
      for (const { key, value } of chunk) written.set(key, value);
    }
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.stop();
  });

  it('the CLI in a container sees the 3-shard cluster', async () => {
    const r = await cluster.cli(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { shards: { id: string; keys: number }[]; migrations: unknown[] };
    expect(status.shards.map((s) => s.id)).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(status.shards.reduce((n, s) => n + s.keys, 0)).toBe(keys.length);
    expect(status.migrations).toEqual([]);
  });

  it('shard add --wait moves the arcs to the new container while writes go on; every key reads back', async () => {
    await cluster.startShard('shard-4');

    // Overwrites during the migration: each acknowledged one must win.
    let stop = false;
    let overwrites = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i = (i + 7) % keys.length) {
        const key = keys[i]!;
        const value = `v2:${overwrites}:${key}`;
        await client.put(key, value);
        written.set(key, value);
        overwrites++;
      }
    })();

    let r;
    try {
      r = await cluster.cli(['shard', 'add', 'shard-4', 'shard-4:7401', '--wait', '--json', '--wait-timeout', '3m'], 240_000);
    } finally {
      stop = true;
      await writer;
    }
    expect(r.exitCode, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { complete?: boolean };
    expect(last.complete).toBe(true);
    expect(overwrites).toBeGreaterThan(0);

    const values = await mapLimit(
      Array.from({ length: Math.ceil(keys.length / 500) }, (_, i) => keys.slice(i * 500, i * 500 + 500)),
      2,
      (chunk) => client.batchGet(chunk),
    );
    const got = values.flat().map((v) => v?.toString());
    expect(got).toEqual(keys.map((k) => written.get(k)));
  });

  it('the new shard holds its share, exactly the keys it owns, and nothing is migrating', async () => {
    const r = await cluster.cli(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as { shards: { id: string; keys: number; state: string }[]; migrations: unknown[] };
    expect(status.migrations).toEqual([]);
    const byId = new Map(status.shards.map((s) => [s.id, s]));
    expect([...byId.keys()].sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    const owners = await keysByOwner(client, keys);
    for (const [id, owned] of owners) {
      expect(byId.get(id)!.state, id).toBe('active');
      expect(byId.get(id)!.keys, id).toBe(owned.length);
    }
    expect(owners.get('shard-4')!.length).toBeGreaterThan(keys.length / 10);
  });
});
