import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { keysByOwner } from '../helpers/ownership.js';
import { sleep } from '../helpers/wait.js';

/** Keys land on the shard the ring says, spread over all of them, and status counts them. */
describe('key spread and status counts', () => {
  const env = useProcessCluster({ shards: 3 });
  let client: RingKvClient;
  const keys = Array.from({ length: 3_000 }, (_, i) => `spread/${i}`);

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress] });
  });
  afterAll(async () => {
    await client?.close();
  });

  async function keyCounts(): Promise<Map<string, number>> {
    const status = await client.admin.status();
    for (const s of status.shards) expect(s.reachable, `${s.id}: ${s.error ?? ''}`).toBe(true);
    return new Map(status.shards.map((s) => [s.id, Number(s.keys)]));
  }

  it('after 3,000 writes every shard holds keys, exactly as the ring assigns them, summing to 3,000', async () => {
    for (let i = 0; i < keys.length; i += 500) {
      await client.batchPut(keys.slice(i, i + 500).map((key) => ({ key, value: 'v'.repeat(10) })));
    }
    const counts = await keyCounts();
    expect([...counts.keys()].sort()).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(3_000);
    for (const [id, n] of counts) expect(n, id).toBeGreaterThan(3_000 / 3 / 2);
    const expected = await keysByOwner(client, keys);
    for (const [id, n] of counts) expect(n, id).toBe(expected.get(id)!.length);
    const status = await client.admin.status();
    expect(status.epoch >= 1n).toBe(true);
    expect(status.migrations).toEqual([]);
    for (const s of status.shards) {
      expect(s.address).toBe(env.cluster.address(s.id));
      expect(s.weight).toBe(1);
      expect(s.state).toBe('active');
      expect(s.bytes > 0n).toBe(true);
    }
  });

  it('counts live keys only: deletes and expired keys drop out', async () => {
    const before = await keyCounts();
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    await Promise.all(keys.slice(0, 100).map((k) => client.delete(k)));
    await client.batchPut(Array.from({ length: 50 }, (_, i) => ({ key: `spread-ttl/${i}`, value: 'x', ttlMs: 300 })));
    expect(total(await keyCounts())).toBe(total(before) - 100 + 50);
    await sleep(600);
    expect(total(await keyCounts())).toBe(total(before) - 100);
  });
});
