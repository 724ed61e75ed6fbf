import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { uniquePrefix } from '../helpers/keys.js';
import { keysByOwner } from '../helpers/ownership.js';
import { waitUntil } from '../helpers/wait.js';
import { ContainerCluster } from './cluster.js';

const DEADLINE_MS = 2_000;

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

/**
 * A shard container that is killed (SIGKILL) or stopped (SIGTERM): its keys fail with
 * UNAVAILABLE within the deadline, the other shards' keys keep working; started again (same
 * container, same /data volume) every write it acknowledged is back.
 */
describe.each([
  { how: 'killed (docker kill, SIGKILL)', victim: 'shard-2', down: (c: ContainerCluster, id: string) => c.kill(id) },
  { how: 'stopped (docker stop, SIGTERM)', victim: 'shard-3', down: (c: ContainerCluster, id: string) => c.stopShard(id) },
])('a shard container $how', ({ victim, down }) => {
  let cluster: ContainerCluster;
  let client: RingKvClient;
  const prefix = uniquePrefix('down');
  let downKeys: string[] = [];
  let upKeys: string[] = [];

  beforeAll(async () => {
    cluster = await ContainerCluster.start({ shards: 3 });
    client = await RingKvClient.connect({ routers: [cluster.routerAddress], timeoutMs: DEADLINE_MS });
    const keys = Array.from({ length: 600 }, (_, i) => `${prefix}${i}`);
    await client.batchPut(keys.map((key) => ({ key, value: `before:${key}` })));
    const owners = await keysByOwner(client, keys);
    downKeys = owners.get(victim)!;
    upKeys = keys.filter((k) => !downKeys.includes(k));
    expect(downKeys.length).toBeGreaterThan(60);
    // The last acknowledged writes just before it goes down must survive too.
    for (const key of downKeys.slice(0, 20)) await client.put(key, `last:${key}`);
    await down(cluster, victim);
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.stop();
  });

  const expected = (k: string, i: number) => (i < 20 ? `last:${k}` : `before:${k}`);

  it(`gets, puts and deletes of its keys fail with UNAVAILABLE within the ${DEADLINE_MS} ms deadline`, async () => {
    for (const key of downKeys.slice(30, 35)) {
      const { code, ms } = await failure(client.get(key, { timeoutMs: DEADLINE_MS }));
      expect(code).toBe('UNAVAILABLE');
      expect(ms).toBeLessThan(DEADLINE_MS + 500);
    }
    const put = await failure(client.put(downKeys[40]!, 'during outage', { timeoutMs: DEADLINE_MS }));
    expect(put.code).toBe('UNAVAILABLE');
    expect(put.ms).toBeLessThan(DEADLINE_MS + 500);
    const del = await failure(client.delete(downKeys[41]!, { timeoutMs: DEADLINE_MS }));
    expect(del.code).toBe('UNAVAILABLE');
    expect(del.ms).toBeLessThan(DEADLINE_MS + 500);
  });

  it('keys of the other shards keep working, single and batched', async () => {
    for (const key of upKeys.slice(0, 20)) expect((await client.get(key))!.toString()).toBe(`before:${key}`);
    const some = upKeys.slice(20, 60);
    await client.batchPut(some.map((key) => ({ key, value: `during:${key}` })));
    expect((await client.batchGet(some)).map((v) => v!.toString())).toEqual(some.map((k) => `during:${k}`));
  });

  it('status shows it unreachable, the others reachable', async () => {
    const status = await client.admin.status({ timeoutMs: 10_000 });
    for (const s of status.shards) expect(s.reachable, s.id).toBe(s.id !== victim);
  });

  it('started again, every key it acknowledged is back and the failed writes were not applied', async () => {
    await cluster.startAgain(victim);
    // The router reconnects within its reconnect backoff (at most 1 s between attempts).
    await waitUntil('the router serving the restarted shard', () => client.get(downKeys[0]!), 15_000);
    const values = await client.batchGet(downKeys, { timeoutMs: 10_000 });
    expect(values.map((v) => v?.toString())).toEqual(downKeys.map(expected));
    await client.put(downKeys[40]!, 'after');
    expect((await client.get(downKeys[40]!))!.toString()).toBe('after');
    const status = await client.admin.status({ timeoutMs: 10_000 });
    expect(status.shards.every((s) => s.reachable)).toBe(true);
  });
});
