import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { keysByOwner } from '../helpers/ownership.js';
import { waitUntil } from '../helpers/wait.js';

async function failure(p: Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RingKvError);
    return { code: (err as RingKvError).code, ms: Date.now() - started };
  }
  throw new Error('expected the call to fail');
}

/** One shard down: its keys fail fast with UNAVAILABLE, the others keep serving. */
describe('a storage node that is down', () => {
  const env = useProcessCluster({ shards: 3 });
  const victim = 'shard-2';
  const prefix = uniquePrefix('down');
  let client: RingKvClient;
  let downKeys: string[] = [];
  let upKeys: string[] = [];

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: [env.cluster.routerAddress], timeoutMs: 2_000 });
    const keys = Array.from({ length: 300 }, (_, i) => `${prefix}${i}`);
    await client.batchPut(keys.map((key) => ({ key, value: `before:${key}` })));
    const owners = await keysByOwner(client, keys);
    downKeys = owners.get(victim)!;
    upKeys = keys.filter((k) => !downKeys.includes(k));
    expect(downKeys.length).toBeGreaterThan(30);
    expect(upKeys.length).toBeGreaterThan(60);
    await env.cluster.kill(victim, 'SIGKILL');
  });
  afterAll(async () => {
    await client?.close();
  });

  it('gets of its keys fail with UNAVAILABLE well within the 2 s deadline', async () => {
    for (const key of downKeys.slice(0, 5)) {
      const { code, ms } = await failure(client.get(key, { timeoutMs: 2_000 }));
      expect(code).toBe('UNAVAILABLE');
      expect(ms).toBeLessThan(3_000);
    }
  });

  it('puts and deletes of its keys fail with UNAVAILABLE too', async () => {
    const put = await failure(client.put(downKeys[0]!, 'during outage', { timeoutMs: 2_000 }));
    expect(put.code).toBe('UNAVAILABLE');
    expect(put.ms).toBeLessThan(3_000);
    const del = await failure(client.delete(downKeys[1]!, { timeoutMs: 2_000 }));
    expect(del.code).toBe('UNAVAILABLE');
    expect(del.ms).toBeLessThan(3_000);
  });

  it('keys of the other shards keep working, single and batched', async () => {
    for (const key of upKeys.slice(0, 20)) expect((await client.get(key))!.toString()).toBe(`before:${key}`);
    const some = upKeys.slice(20, 40);
    await client.batchPut(some.map((key) => ({ key, value: `during:${key}` })));
    expect((await client.batchGet(some)).map((v) => v!.toString())).toEqual(some.map((k) => `during:${k}`));
  });

  it('a batch touching the down shard fails with UNAVAILABLE within the deadline', async () => {
    const { code, ms } = await failure(client.batchGet([upKeys[0]!, downKeys[2]!, upKeys[1]!], { timeoutMs: 2_000 }));
    expect(code).toBe('UNAVAILABLE');
    expect(ms).toBeLessThan(3_000);
  });

  it('a scan that reaches the down shard fails with UNAVAILABLE rather than skipping its keys', async () => {
    const { code } = await failure(
      (async () => {
        let n = 0;
        for await (const _ of client.scan({ prefix, timeoutMs: 2_000 })) n++;
        return n;
      })(),
    );
    expect(code).toBe('UNAVAILABLE');
  });

  it('status reports the shard unreachable and the others reachable', async () => {
    const status = await client.admin.status({ timeoutMs: 5_000 });
    const byId = new Map(status.shards.map((s) => [s.id, s]));
    expect(byId.get(victim)!.reachable).toBe(false);
    for (const id of env.cluster.shardIds.filter((s) => s !== victim)) expect(byId.get(id)!.reachable).toBe(true);
  });

  it('after a restart its keys are back, and the failed writes were not applied', async () => {
    await env.cluster.restart(victim);
    await waitUntil('the restarted shard serving', () => client.get(downKeys[0]!), 15_000);
    const values = await client.batchGet(downKeys);
    expect(values.map((v) => v?.toString())).toEqual(downKeys.map((k) => `before:${k}`));
    await client.put(downKeys[0]!, 'after');
    expect((await client.get(downKeys[0]!))!.toString()).toBe('after');
  });
});
