import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { useProcessCluster } from '../helpers/cluster.js';
import { ExtraNode } from '../helpers/extra-node.js';
import { uniquePrefix } from '../helpers/keys.js';
import { addShard, waitForMigrations } from '../helpers/membership.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Writers } from '../replication/writers.js';

/**
 * The coordinator SIGKILLed in the middle of a job: a migration, a failover, a catch-up. The
 * job's state lives in etcd (the map with its plan and replica states), so the other router,
 * once elected, picks it up where it stood and finishes it; no acknowledged write is lost.
 * Copies are rate-limited so that each job is still running when its coordinator dies.
 */
const FAILURE_TIMEOUT_MS = 2_000;
const ARGS = [
  '--replication-factor', '3', '--failure-timeout-ms', String(FAILURE_TIMEOUT_MS), '--heartbeat-interval-ms', '250',
  '--election-ttl-s', '2', '--migration-rate', '20000',
];
const ROUTERS = ['router', 'router-2'];

describe('the coordinator SIGKILLed mid-job (etcd, 2 routers, replication factor 3)', () => {
  const env = useProcessCluster({ shards: 4, routers: 2, etcd: true, routerArgs: ARGS });
  const prefix = uniquePrefix('takeover');
  // About 900 KB: at 20 KB/s per stream a copy takes several seconds.
  const preload = Array.from({ length: 3_000 }, (_, i) => `${prefix}p${i}`);
  const valueOf = (key: string) => `v:${key}`.padEnd(300, '.');
  let client: RingKvClient;
  let shard5: ExtraNode | undefined;

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: env.cluster.routerAddresses, timeoutMs: 5_000 });
    for (let i = 0; i < preload.length; i += 500) {
      await client.batchPut(preload.slice(i, i + 500).map((key) => ({ key, value: valueOf(key) })), { timeoutMs: 10_000 });
    }
  });
  afterAll(async () => {
    await client?.close();
    await shard5?.stop();
  });

  /** The coordinator as `via` reports it, once there is one. */
  function coordinatorVia(via: RingKvClient, timeoutMs = 15_000): Promise<string> {
    return waitUntil('a coordinator', async () => {
      const s = await via.admin.status({ counts: false, timeoutMs: 2_000 }).catch(() => undefined);
      return s?.controlPlane === 'etcd' && s.coordinator ? s.coordinator.id : undefined;
    }, timeoutMs, 100);
  }

  /** Waits for `re` in `name`'s log after `from` (logs are written asynchronously, a moment late). */
  async function logged(name: string, from: number, re: RegExp): Promise<void> {
    await waitUntil(`${re} in ${name}'s log`, async () => (re.test(env.cluster.log(name).slice(from)) ? true : undefined), 5_000, 50);
  }

  /** A client on one router only (the one that survives). */
  function via(name: string): Promise<RingKvClient> {
    return RingKvClient.connect({ routers: [env.cluster.address(name)], timeoutMs: 5_000 });
  }

  async function expectPreloadIntact(reader: RingKvClient): Promise<void> {
    for (let i = 0; i < preload.length; i += 500) {
      const keys = preload.slice(i, i + 500);
      const got = await reader.batchGet(keys, { timeoutMs: 10_000 });
      const wrong = keys.filter((k, j) => got[j]?.toString() !== valueOf(k));
      expect(wrong, `preloaded keys missing or wrong: ${wrong.slice(0, 5).join(', ')}`).toEqual([]);
    }
  }

  it('in the middle of a migration (shard add): the other router finishes the change', async () => {
    const coordinator = await coordinatorVia(client);
    const survivor = ROUTERS.find((n) => n !== coordinator)!;
    const viaSurvivor = await via(survivor);
    try {
      shard5 = await ExtraNode.start('shard-5', { root: env.cluster.root });
      const writers = new Writers(viaSurvivor, `${prefix}m-`, { writers: 4, keysPerWriter: 25 });
      const run = writers.run(15_000);
      // Asked of the survivor, which forwards the change to the coordinator.
      await addShard(viaSurvivor, env.cluster.address(survivor), 'shard-5', shard5.address);
      const mid = await waitUntil('some arcs moved, some still to move', async () => {
        const m = await viaSurvivor.admin.clusterMap({ timeoutMs: 2_000 });
        const done = m.migrations.filter((a) => a.state === 'done').length;
        return done > 0 && done < m.migrations.length ? { done, total: m.migrations.length } : undefined;
      }, 30_000, 50);
      const logStart = env.cluster.log(survivor).length;
      await env.cluster.kill(coordinator, 'SIGKILL');
      const killedAt = Date.now();
      const final = await waitForMigrations(viaSurvivor, 90_000);
      console.log(`[mid-migration] killed ${coordinator} with ${mid.done} of ${mid.total} arcs moved; ${survivor} finished the change ${Date.now() - killedAt} ms later`);
      expect(final.members.map((m) => m.id).sort()).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4', 'shard-5']);
      expect(await coordinatorVia(viaSurvivor)).toBe(survivor);
      // The survivor drove the rest of it (the dead coordinator cannot have).
      await logged(survivor, logStart, /coordinating the cluster[\s\S]*membership change complete/);
      await run;
      await writers.verify(viaSurvivor);
      await expectPreloadIntact(viaSurvivor);
      // shard-5 serves what it now leads.
      const own = new Ownership(final);
      const led = preload.filter((k) => own.ownerOf(hash32(Buffer.from(k))) === 'shard-5');
      expect(led.length).toBeGreaterThan(100);
    } finally {
      await viaSurvivor.close();
    }
    await env.cluster.restart(coordinator);
  }, 120_000);

  it('in the middle of a failover: the other router fails the dead shard over', async () => {
    const coordinator = await coordinatorVia(client);
    const survivor = ROUTERS.find((n) => n !== coordinator)!;
    const victim = 'shard-2';
    const viaSurvivor = await via(survivor);
    try {
      const writers = new Writers(viaSurvivor, `${prefix}f-`, { writers: 4, keysPerWriter: 40 });
      const own = new Ownership(await viaSurvivor.admin.clusterMap());
      const led = writers.keys.filter((k) => own.ownerOf(hash32(Buffer.from(k))) === victim);
      expect(led.length).toBeGreaterThan(5);
      const run = writers.run(16_000);
      await sleep(1_500);
      const logStart = env.cluster.log(survivor).length;
      await env.cluster.kill(victim, 'SIGKILL');
      const killedAt = Date.now();
      // The coordinator has seen the shard silent, but not yet for its failure timeout: it dies
      // before it can drop it.
      await sleep(FAILURE_TIMEOUT_MS - 600);
      expect(new Ownership(await viaSurvivor.admin.clusterMap()).replicaState(victim)).toBe('in_sync');
      await env.cluster.kill(coordinator, 'SIGKILL');
      await run;
      const resumedAt = writers.firstAckAfter(killedAt, led);
      expect(resumedAt, `no write to a key ${victim} led succeeded after the kills`).toBeDefined();
      console.log(`[mid-failover] killed ${victim}, then ${coordinator} ${FAILURE_TIMEOUT_MS - 600} ms later; writes to its keys resumed ${resumedAt! - killedAt} ms after the shard's kill`);
      // Election TTL (2 s) + the new coordinator's own failure timeout and lease wait (~3.7 s) + commit.
      expect(resumedAt! - killedAt).toBeLessThan(12_000);
      await logged(survivor, logStart, /coordinating the cluster[\s\S]*shards dropped from the in-sync sets/);
      expect(new Ownership(await viaSurvivor.admin.clusterMap()).replicaState(victim)).toBe('out_of_sync');
      await writers.verify(viaSurvivor);
      await viaSurvivor.batchPut(writers.keys.map((key) => ({ key, value: `after:${key}` })), { timeoutMs: 5_000 });
      expect((await viaSurvivor.batchGet(writers.keys)).map((v) => v?.toString())).toEqual(writers.keys.map((k) => `after:${k}`));
      await expectPreloadIntact(viaSurvivor);
    } finally {
      await viaSurvivor.close();
    }
    await env.cluster.restart(coordinator);
  }, 120_000);

  it('in the middle of a catch-up: the other router copies the returning shard and marks it in sync', async () => {
    const victim = 'shard-2';
    const coordinator = await coordinatorVia(client);
    const survivor = ROUTERS.find((n) => n !== coordinator)!;
    const viaSurvivor = await via(survivor);
    try {
      const writers = new Writers(viaSurvivor, `${prefix}c-`, { writers: 4, keysPerWriter: 25 });
      const run = writers.run(10_000);
      await env.cluster.restart(victim);
      await waitUntil(`${victim} catching up`, async () => {
        const m = await viaSurvivor.admin.clusterMap({ timeoutMs: 2_000 });
        return m.replicaStates.some((r) => r.id === victim && r.state === 'catching_up') ? true : undefined;
      }, 20_000, 50);
      // Copying ~675 KB at 20 KB/s per primary takes seconds: the coordinator dies in the middle.
      await sleep(1_000);
      const logStart = env.cluster.log(survivor).length;
      await env.cluster.kill(coordinator, 'SIGKILL');
      const killedAt = Date.now();
      await waitUntil(`${victim} back in sync`, async () => {
        const m = await viaSurvivor.admin.clusterMap({ timeoutMs: 2_000 });
        return m.replicaStates.length === 0 ? true : undefined;
      }, 90_000, 200);
      console.log(`[mid-catch-up] killed ${coordinator}; ${survivor} finished the catch-up of ${victim} ${Date.now() - killedAt} ms later`);
      await logged(survivor, logStart, /coordinating the cluster[\s\S]*shard caught up and back in the in-sync sets/);
      await run;
      await writers.verify(viaSurvivor);
      // The returned shard holds its full share: it leads arcs again only once in sync, and
      // now serves the keys it leads.
      const own = new Ownership(await viaSurvivor.admin.clusterMap());
      const led = preload.filter((k) => own.ownerOf(hash32(Buffer.from(k))) === victim);
      expect(led.length).toBeGreaterThan(100);
      await expectPreloadIntact(viaSurvivor);
    } finally {
      await viaSurvivor.close();
    }
    await env.cluster.restart(coordinator);
  }, 120_000);
});
