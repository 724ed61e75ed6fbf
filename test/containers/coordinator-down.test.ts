import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { uniquePrefix } from '../helpers/keys.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Writers } from '../replication/writers.js';
import { ContainerCluster } from './cluster.js';

/**
 * The shape deploy/docker-compose.yml runs, in containers of the image: etcd, two routers and
 * four shards at replication factor 3, every timeout at its default. The coordinating router's
 * container and a shard's container go down together, while writers write through the other
 * router: that router takes over, fails the shard over, and keys in every arc group (each
 * preference list of primary and replicas) are writable again within seconds; no acknowledged
 * write is lost.
 */
const ROUTERS = ['router', 'router-2'];
const VICTIM = 'shard-2';
/** Default election TTL 3 s, then a default failure timeout (3 s) from the takeover, then a commit. */
const RESUME_BOUND_MS = 15_000;
/** How long the loop that writes keys in every arc group may try before the test gives up. */
const COVER_DEADLINE_MS = 40_000;

/** The coordinator as router `address` reports it, once it names one and both routers. */
async function coordinatorVia(address: string, timeoutMs = 30_000): Promise<string> {
  const client = await RingKvClient.connect({ routers: [address], timeoutMs: 3_000 });
  try {
    return await waitUntil(`a coordinator, seen through ${address}`, async () => {
      const s = await client.admin.status({ counts: false, timeoutMs: 3_000 });
      const marked = s.routers.filter((r) => r.coordinator).map((r) => r.id);
      return s.controlPlane === 'etcd' && s.coordinator && s.routers.length === ROUTERS.length && marked.join() === s.coordinator.id
        ? s.coordinator.id : undefined;
    }, timeoutMs, 200);
  } finally {
    await client.close();
  }
}

/**
 * `perGroup` keys in every arc group (the arcs that share one preference list: primary and
 * replicas), so that writing them all covers every placement on the ring. Every group has a
 * token: a hash at a token lies in the arc that ends there.
 */
function keysPerArcGroup(own: Ownership, prefix: string, perGroup: number): string[] {
  const groups = new Map<string, string[]>();
  for (const token of own.ring.tokens) groups.set(own.replicasOf(token).join(), []);
  let short = groups.size;
  for (let i = 0; short > 0 && i < 1_000_000; i++) {
    const key = `${prefix}g${i}`;
    const group = groups.get(own.replicasOf(hash32(Buffer.from(key))).join())!;
    if (group.length < perGroup && group.push(key) === perGroup) short--;
  }
  expect(short, 'arc groups without their keys').toBe(0);
  return [...groups.values()].flat();
}

/**
 * Writes `after:<key>` to every key, retrying the ones that fail, until all are acknowledged or
 * `deadlineMs` has passed. Returns when the last one was acknowledged, and those never acknowledged.
 */
async function writeEach(client: RingKvClient, keys: string[], deadlineMs: number): Promise<{ lastAckAt: number; pending: string[] }> {
  const until = Date.now() + deadlineMs;
  let pending = keys;
  let lastAckAt = 0;
  for (let round = 0; pending.length > 0 && Date.now() < until && round < 1_000; round++) {
    const failed: string[] = [];
    for (let i = 0; i < pending.length; i += 32) {
      await Promise.all(pending.slice(i, i + 32).map(async (key) => {
        try {
          await client.put(key, `after:${key}`, { timeoutMs: 2_000 });
          lastAckAt = Date.now();
        } catch {
          failed.push(key);
        }
      }));
    }
    pending = failed;
    if (pending.length > 0) await sleep(100);
  }
  return { lastAckAt, pending };
}

describe.each([
  { how: 'killed (docker kill, SIGKILL)', down: (c: ContainerCluster, id: string) => c.kill(id) },
  { how: 'stopped (docker stop, SIGTERM)', down: (c: ContainerCluster, id: string) => c.stopContainer(id) },
])('etcd, 2 routers, 4 shards at RF 3: the coordinating router and a shard $how together', ({ down }) => {
  let cluster: ContainerCluster;
  let client: RingKvClient | undefined;
  const prefix = uniquePrefix('coorddown');

  beforeAll(async () => {
    cluster = await ContainerCluster.start({ shards: 4, routers: 2, etcd: true, routerArgs: ['--replication-factor', '3'] });
  });
  afterAll(async () => {
    await client?.close();
    await cluster?.stop();
  });

  it('both routers name the same elected coordinator', async () => {
    const seen = await Promise.all(ROUTERS.map((r) => coordinatorVia(cluster.addressOf(r))));
    expect(ROUTERS).toContain(seen[0]);
    expect(seen[1]).toBe(seen[0]);
  });

  it(`writes through the other router resume in every arc group within ${RESUME_BOUND_MS / 1000} s; no acknowledged write is lost`, async () => {
    const coordinator = await coordinatorVia(cluster.routerAddress);
    const survivor = ROUTERS.find((r) => r !== coordinator)!;
    client = await RingKvClient.connect({ routers: [cluster.addressOf(survivor)], timeoutMs: 3_000 });
    const before = new Ownership(await client.admin.clusterMap());
    expect(before.map.replicationFactor).toBe(3);
    const groupKeys = keysPerArcGroup(before, prefix, 8);
    const groups = new Set(groupKeys.map((k) => before.replicasOf(hash32(Buffer.from(k))).join())).size;
    expect(groups, 'arc groups at 4 shards and RF 3').toBe(24);
    const writers = new Writers(client, `${prefix}w-`, { writers: 4, keysPerWriter: 40 });
    const led = writers.keys.filter((k) => before.ownerOf(hash32(Buffer.from(k))) === VICTIM);
    expect(led.length).toBeGreaterThan(5);

    const run = writers.run(20_000);
    await sleep(2_000);
    const ackedBefore = writers.acked;
    expect(ackedBefore, 'writes acknowledged before the kill').toBeGreaterThan(20);
    const downAt = Date.now();
    await Promise.all([down(cluster, coordinator), down(cluster, VICTIM)]);
    const { lastAckAt, pending } = await writeEach(client, groupKeys, COVER_DEADLINE_MS);
    await run;
    const resumedLed = writers.firstAckAfter(downAt, led);
    console.log(`[containers] ${coordinator} + ${VICTIM} down: a write to each of ${groupKeys.length} keys in all ${groups} arc groups acknowledged ` +
      `${lastAckAt - downAt} ms later (${pending.length} never); writes to keys ${VICTIM} led resumed after ` +
      `${resumedLed === undefined ? 'never' : `${resumedLed - downAt} ms`}; writers: ${writers.acked} acked, ${writers.failed} failed`);
    expect(pending, 'keys never written after the kill').toEqual([]);
    expect(lastAckAt - downAt).toBeLessThan(RESUME_BOUND_MS);
    expect(resumedLed).toBeDefined();

    // The survivor coordinates now, with the shard out of the in-sync sets.
    expect(await waitUntil('the survivor coordinating', async () => {
      const s = await client!.admin.status({ counts: false, timeoutMs: 3_000 });
      return s.coordinator?.id === survivor ? s.coordinator.id : undefined;
    }, 15_000, 200)).toBe(survivor);
    expect(new Ownership(await client.admin.clusterMap()).replicaState(VICTIM)).toBe('out_of_sync');

    // Every acknowledged write is there: the writers' last values, and those of the arc groups' keys.
    await writers.verify(client);
    const got = await client.batchGet(groupKeys, { timeoutMs: 10_000 });
    expect(got.map((v) => v?.toString())).toEqual(groupKeys.map((k) => `after:${k}`));
  });
});
