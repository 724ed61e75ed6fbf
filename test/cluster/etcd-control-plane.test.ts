import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RingKvClient, RingKvError } from '@ringkv/client';
import { Ownership, hash32 } from '@ringkv/core';
import { runCli } from '../helpers/cli.js';
import { useProcessCluster } from '../helpers/cluster.js';
import { uniquePrefix } from '../helpers/keys.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { Writers } from '../replication/writers.js';

/**
 * The highly available shape: two routers on one etcd, replication factor 3, quick detection.
 * Whichever router coordinates can die (together with a shard): the other takes over, fails
 * the shard over, and no acknowledged write is lost. etcd itself can die or stall while the
 * data path keeps serving on the last map.
 */
const ARGS = ['--replication-factor', '3', '--failure-timeout-ms', '2000', '--heartbeat-interval-ms', '250', '--election-ttl-s', '2'];

describe('control plane on etcd: 2 routers, replication factor 3, 4 shards', () => {
  const env = useProcessCluster({ shards: 4, routers: 2, etcd: true, routerArgs: ARGS });
  const prefix = uniquePrefix('etcdcp');
  let client: RingKvClient;

  beforeAll(async () => {
    client = await RingKvClient.connect({ routers: env.cluster.routerAddresses, timeoutMs: 3_000 });
  });
  afterAll(async () => {
    await client?.close();
  });

  const routerNames = ['router', 'router-2'];
  /** The coordinator as the router `via` reports it, once there is one. */
  async function coordinatorVia(via: RingKvClient, timeoutMs = 15_000): Promise<string> {
    return waitUntil('a coordinator', async () => {
      const s = await via.admin.status({ counts: false, timeoutMs: 2_000 }).catch(() => undefined);
      return s?.controlPlane === 'etcd' && s.coordinator ? s.coordinator.id : undefined;
    }, timeoutMs, 100);
  }

  it('status shows etcd, one coordinator, and both routers with the epoch each has seen', async () => {
    const status = await waitUntil('both routers registered', async () => {
      const s = await client.admin.status({ counts: false });
      return s.routers.length === 2 && s.coordinator ? s : undefined;
    }, 15_000);
    expect(status.controlPlane).toBe('etcd');
    expect(routerNames).toContain(status.coordinator!.id);
    expect(status.routers.map((r) => r.id).sort()).toEqual(routerNames);
    expect(status.routers.filter((r) => r.coordinator).map((r) => r.id)).toEqual([status.coordinator!.id]);
    for (const r of status.routers) expect(r.epoch).toBe(status.epoch);
    // The plain `ringkv status` names them too, and has a lease row per shard.
    const plain = await runCli(['--router', env.cluster.routerAddresses.join(','), 'status']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`control plane: etcd, coordinator ${status.coordinator!.id} (${status.coordinator!.address})`);
    expect(plain.stdout).toMatch(/^routers: 2, /m);
    expect(plain.stdout).toMatch(/^primary leases: /m);
    expect(plain.stdout.split('\n').filter((l) => /^│ shard-\d │ (held|not held|NOT HELD) /.test(l))).toHaveLength(4);
  });

  it('SIGKILL of the coordinating router together with a shard, twice: the other router takes over, the keys are writable within seconds, nothing acknowledged is lost', async () => {
    const killed: string[] = [];
    for (const [round, victim] of [[1, 'shard-2'], [2, 'shard-3']] as const) {
      const coordinator = await coordinatorVia(client);
      const survivor = routerNames.find((n) => n !== coordinator)!;
      killed.push(coordinator);
      const before = new Ownership(await client.admin.clusterMap());
      const writers = new Writers(client, `${prefix}r${round}-`, { writers: 4, keysPerWriter: 40 });
      const led = writers.keys.filter((k) => before.ownerOf(hash32(Buffer.from(k))) === victim);
      expect(led.length).toBeGreaterThan(5);
      const run = writers.run(13_000);
      await sleep(2_000);
      const killedAt = Date.now();
      await Promise.all([env.cluster.kill(coordinator, 'SIGKILL'), env.cluster.kill(victim, 'SIGKILL')]);
      await run;
      const resumedAt = writers.firstAckAfter(killedAt, led);
      expect(resumedAt, `round ${round}: no write to a key ${victim} led succeeded after the kill`).toBeDefined();
      console.log(`[etcd round ${round}] killed ${coordinator} + ${victim}; writes to its keys resumed ${resumedAt! - killedAt} ms later; ${writers.acked} acked, ${writers.failed} failed`);
      // Election TTL 2 s + a full failure timeout (2 s) from the takeover + commit: well inside 10 s.
      expect(resumedAt! - killedAt).toBeLessThan(10_000);

      const viaSurvivor = await RingKvClient.connect({ routers: [env.cluster.address(survivor)], timeoutMs: 5_000 });
      try {
        expect(await coordinatorVia(viaSurvivor)).toBe(survivor);
        expect(new Ownership(await viaSurvivor.admin.clusterMap()).replicaState(victim)).toBe('out_of_sync');
        // Every key is writable now, and every acknowledged write is there.
        await writers.verify(viaSurvivor);
        await viaSurvivor.batchPut(writers.keys.map((key) => ({ key, value: `after:${key}` })), { timeoutMs: 5_000 });
        expect((await viaSurvivor.batchGet(writers.keys)).map((v) => v?.toString())).toEqual(writers.keys.map((k) => `after:${k}`));

        // Both come back: the router joins as a follower, the shard catches up under the new coordinator.
        await Promise.all([env.cluster.restart(coordinator), env.cluster.restart(victim)]);
        await waitUntil(`${victim} back in sync`, async () => {
          const map = await viaSurvivor.admin.clusterMap();
          return map.replicaStates.length === 0 ? true : undefined;
        }, 30_000, 200);
        expect(await coordinatorVia(viaSurvivor)).toBe(survivor);
      } finally {
        await viaSurvivor.close();
      }
    }
    // Each router was the coordinator when killed once.
    expect(killed.sort()).toEqual(routerNames);
    expect(env.cluster.log(killed[0] === 'router' ? 'router-2' : 'router')).toMatch(/shards dropped from the in-sync sets/);
  });

  it('etcd SIGKILLed under writes: the data path keeps serving, changes get UNAVAILABLE naming etcd, and after etcd returns a coordinator acts again', async () => {
    const writers = new Writers(client, `${prefix}e1-`, { writers: 4, keysPerWriter: 25 });
    const run = writers.run(9_000);
    await sleep(1_000);
    const ackedBefore = writers.acked;
    await env.cluster.etcd.kill();
    await sleep(3_000);
    // No coordinator can commit without etcd: a membership change is refused, with a reason.
    const err = await client.admin.removeShard('shard-1').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RingKvError);
    expect((err as RingKvError).code).toBe('UNAVAILABLE');
    expect((err as RingKvError).message).toMatch(/etcd|coordinator/);
    await sleep(1_000);
    await env.cluster.restartEtcd();
    await run;
    // Writes kept being acknowledged while etcd was down (about 4 of the 8 s; a few hundred
    // even on a loaded machine).
    expect(writers.acked - ackedBefore).toBeGreaterThan(100);
    await writers.verify(client);
    const coordinator = await coordinatorVia(client, 20_000);
    expect(routerNames).toContain(coordinator);
    expect((await client.admin.clusterMap()).members).toHaveLength(4);
  });

  it('etcd stalled (SIGSTOP) for 30 s: no acknowledged write is lost, primaries stop once their leases lapse, and the cluster recovers by itself', async () => {
    const pid = env.cluster.etcd.child!.pid!;
    const writers = new Writers(client, `${prefix}e2-`, { writers: 4, keysPerWriter: 25 });
    const run = writers.run(45_000);
    await sleep(1_000);
    process.kill(pid, 'SIGSTOP');
    let stopped = true;
    const stalledAt = Date.now();
    let ackedEarly = 0;
    let ackedLate = 0;
    try {
      const at = writers.acked;
      await sleep(1_000);
      ackedEarly = writers.acked - at;
      await sleep(24_000);
      const late = writers.acked;
      // Status still answers (from the routers' own view) and says what is wrong.
      const s = await client.admin.status({ counts: false, timeoutMs: 5_000 });
      expect(s.coordinator).toBeUndefined();
      expect(s.controlPlaneError ?? '').toMatch(/etcd|coordinator/);
      await sleep(5_000);
      ackedLate = writers.acked - late;
    } finally {
      if (stopped) process.kill(pid, 'SIGCONT');
      stopped = false;
    }
    const resumedAt = Date.now();
    console.log(`[etcd stalled ${resumedAt - stalledAt} ms] ${ackedEarly} writes acknowledged in its first second, ${ackedLate} in its last 5 s; ${writers.failed} failed`);
    // The data path rides out the first seconds on the last map and the last leases...
    expect(ackedEarly).toBeGreaterThan(50);
    // ...then nobody can vouch that no other coordinator exists: primaries stop (safety first).
    expect(ackedLate).toBe(0);
    const before = writers.acked;
    await waitUntil('writes acknowledged again', async () => (writers.acked > before + 100 ? true : undefined), 20_000, 100);
    console.log(`[etcd back] writes resumed within ${Date.now() - resumedAt} ms`);
    await run;
    await writers.verify(client);
    await coordinatorVia(client, 20_000);
    // The coordinator acts again: a shard killed now fails over.
    const victim = 'shard-4';
    await env.cluster.kill(victim, 'SIGKILL');
    await waitUntil(`${victim} failed over`, async () => {
      const own = new Ownership(await client.admin.clusterMap());
      return own.replicaState(victim) === 'out_of_sync' ? true : undefined;
    }, 15_000, 200);
    await env.cluster.restart(victim);
    await waitUntil(`${victim} back in sync`, async () => ((await client.admin.clusterMap()).replicaStates.length === 0 ? true : undefined), 30_000, 200);
  }, 120_000);
});
